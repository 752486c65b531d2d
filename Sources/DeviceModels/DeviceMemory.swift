/// A VM's RAM as its devices reach it (the DMA view): guest-physical addresses from 0 to `size`, every access
/// bounds-checked, so a descriptor a guest points anywhere reads nothing and writes nothing outside its RAM.
/// L0's machine builds one over guest RAM; minivisor one over a nested VM's slice of its own memory.
public final class DeviceMemory {
    /// Bytes of RAM.
    public let size: UInt64
    let bytes: UnsafeMutableRawPointer
    /// Told of every store, so whoever caches decoded code over this memory drops what the store overwrote.
    let didWrite: (UInt64, Int) -> Void

    /// The RAM at `bytes`, `size` bytes long; `didWrite(address, count)` follows every store.
    public init(bytes: UnsafeMutableRawPointer, size: UInt64, didWrite: @escaping (UInt64, Int) -> Void = { _, _ in }) {
        self.bytes = bytes
        self.size = size
        self.didWrite = didWrite
    }

    /// Whether `count` bytes from `address` all lie in RAM.
    public func contains(_ address: UInt64, count: Int) -> Bool {
        count >= 0 && address <= size && size - address >= UInt64(count)
    }

    /// A little-endian value of `count` bytes (1, 2, 4 or 8) at `address`; nil outside RAM.
    public func load(_ address: UInt64, count: Int) -> UInt64? {
        guard contains(address, count: count) else { return nil }
        let at = Int(address)
        switch count {
        case 1: return UInt64(bytes.load(fromByteOffset: at, as: UInt8.self))
        case 2: return UInt64(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt16.self)))
        case 4: return UInt64(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
        case 8: return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self))
        default:
            var value: UInt64 = 0
            for k in 0..<min(count, 8) { value |= UInt64(bytes.load(fromByteOffset: at + k, as: UInt8.self)) << (8 * UInt64(k)) }
            return value
        }
    }

    /// Stores the low `count` bytes of `value` at `address`, little-endian; false (and nothing stored) outside RAM.
    @discardableResult
    public func store(_ value: UInt64, at address: UInt64, count: Int) -> Bool {
        guard contains(address, count: count) else { return false }
        let at = Int(address)
        switch count {
        case 1: bytes.storeBytes(of: UInt8(truncatingIfNeeded: value), toByteOffset: at, as: UInt8.self)
        case 2: bytes.storeBytes(of: UInt16(truncatingIfNeeded: value).littleEndian, toByteOffset: at, as: UInt16.self)
        case 4: bytes.storeBytes(of: UInt32(truncatingIfNeeded: value).littleEndian, toByteOffset: at, as: UInt32.self)
        case 8: bytes.storeBytes(of: value.littleEndian, toByteOffset: at, as: UInt64.self)
        default:
            for k in 0..<min(count, 8) {
                bytes.storeBytes(of: UInt8(truncatingIfNeeded: value >> (8 * UInt64(k))), toByteOffset: at + k, as: UInt8.self)
            }
        }
        didWrite(address, count)
        return true
    }

    /// Appends `count` bytes from `address` to `buffer`; false (and nothing appended) outside RAM.
    public func copy(from address: UInt64, count: Int, appendingTo buffer: inout [UInt8]) -> Bool {
        guard contains(address, count: count) else { return false }
        let start = bytes + Int(address)
        buffer.append(contentsOf: UnsafeRawBufferPointer(start: start, count: count))
        return true
    }

    /// Copies `count` bytes from `address` to `destination`; false (and nothing copied) outside RAM.
    public func copy(from address: UInt64, count: Int, to destination: UnsafeMutableRawPointer) -> Bool {
        guard contains(address, count: count) else { return false }
        if count > 0 { destination.copyMemory(from: bytes + Int(address), byteCount: count) }
        return true
    }

    /// Copies `source[range]` to `address`; false (and nothing stored) outside RAM.
    public func copy(_ source: [UInt8], _ range: Range<Int>, to address: UInt64) -> Bool {
        guard contains(address, count: range.count) else { return false }
        guard !range.isEmpty else { return true }
        source.withUnsafeBytes { from in
            (bytes + Int(address)).copyMemory(from: from.baseAddress! + range.lowerBound, byteCount: range.count)
        }
        didWrite(address, range.count)
        return true
    }
}
