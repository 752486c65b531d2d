#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The memory the processor runs in: one contiguous block addressed by host-physical address.
///
/// Reads outside it return all ones and writes are dropped, as on a bus where nothing answers. Every store
/// through `write` to a page that holds decoded code bumps that page's generation, which invalidates the
/// decoded instructions cached for it (self-modifying code stays correct). The decoded instructions live here,
/// per physical page, so every processor over this memory shares them (decoding depends on the bytes alone).
public final class PhysicalMemory {
    /// The size in bytes.
    public let size: Int
    /// The bytes.
    public let bytes: UnsafeMutableRawPointer
    /// Per 4 KiB page: the page holds decoded instructions.
    let codePage: UnsafeMutablePointer<Bool>
    /// Per 4 KiB page: changed whenever a page with decoded instructions is written.
    let generation: UnsafeMutablePointer<UInt32>
    /// Per 4 KiB page: its decoded instructions (4096 entries, `length == 0` meaning not decoded), nil until
    /// code is first fetched from it, and the generation they were decoded under.
    let decoded: UnsafeMutablePointer<UnsafeMutablePointer<Instruction>?>
    let decodedGeneration: UnsafeMutablePointer<UInt32>
    /// The number of 4 KiB pages.
    public let pageCount: Int
    let metadata: UnsafeMutableRawPointer
    let metadataSize: Int

    /// Zeroed memory of `size` bytes (rounded up to a whole page), or nil when the host cannot reserve that
    /// much address space. The bytes and the per-page bookkeeping are anonymous mappings, so memory the guest
    /// never touches costs nothing.
    public init?(size: Int) {
        let pages = max((size + 4095) / 4096, 1)
        self.size = pages * 4096
        pageCount = pages
        metadataSize = pages * (MemoryLayout<UnsafeMutablePointer<Instruction>?>.stride + 2 * MemoryLayout<UInt32>.stride + 1)
        guard let bytes = Self.map(self.size) else { return nil }
        guard let metadata = Self.map(metadataSize) else {
            munmap(bytes, self.size)
            return nil
        }
        self.bytes = bytes
        self.metadata = metadata
        decoded = metadata.bindMemory(to: UnsafeMutablePointer<Instruction>?.self, capacity: pages)
        let generations = metadata + pages * MemoryLayout<UnsafeMutablePointer<Instruction>?>.stride
        generation = generations.bindMemory(to: UInt32.self, capacity: pages)
        decodedGeneration = (generations + pages * 4).bindMemory(to: UInt32.self, capacity: pages)
        codePage = (generations + pages * 8).bindMemory(to: Bool.self, capacity: pages)
    }

    static func map(_ size: Int) -> UnsafeMutableRawPointer? {
        let mapping = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        guard let mapping, mapping != MAP_FAILED else { return nil }
        return mapping
    }

    deinit {
        for page in 0..<pageCount { decoded[page]?.deallocate() }
        munmap(bytes, size)
        munmap(metadata, metadataSize)
    }

    /// The decoded instructions of physical page `page`, emptied if the page changed since they were decoded.
    @inline(__always)
    func decodedInstructions(page: Int) -> UnsafeMutablePointer<Instruction> {
        if let existing = decoded[page] {
            if decodedGeneration[page] != generation[page] {
                existing.update(repeating: Instruction(), count: 4096)
                decodedGeneration[page] = generation[page]
            }
            return existing
        }
        let array = UnsafeMutablePointer<Instruction>.allocate(capacity: 4096)
        array.initialize(repeating: Instruction(), count: 4096)
        decoded[page] = array
        decodedGeneration[page] = generation[page]
        return array
    }

    /// Whether `count` bytes at `address` lie inside memory.
    @inline(__always)
    public func contains(_ address: UInt64, count: Int) -> Bool {
        address < UInt64(size) && UInt64(size) - address >= UInt64(count)
    }

    /// Reads a little-endian value of `size` bytes (1, 2, 4 or 8).
    @inline(__always)
    public func read(_ address: UInt64, size: Int) -> UInt64 {
        guard contains(address, count: size) else { return size == 8 ? ~0 : (1 << (size * 8)) - 1 }
        let p = bytes + Int(address)
        switch size {
        case 1: return UInt64(p.load(as: UInt8.self))
        case 2: return UInt64(UInt16(littleEndian: p.loadUnaligned(as: UInt16.self)))
        case 4: return UInt64(UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)))
        default: return UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
        }
    }

    /// Writes the low `size` bytes of `value`, little-endian.
    @inline(__always)
    public func write(_ address: UInt64, size: Int, _ value: UInt64) {
        guard contains(address, count: size) else { return }
        noteWrite(address, size: size)
        let p = bytes + Int(address)
        switch size {
        case 1: p.storeBytes(of: UInt8(truncatingIfNeeded: value), as: UInt8.self)
        case 2: p.storeBytes(of: UInt16(truncatingIfNeeded: value).littleEndian, toByteOffset: 0, as: UInt16.self)
        case 4: p.storeBytes(of: UInt32(truncatingIfNeeded: value).littleEndian, toByteOffset: 0, as: UInt32.self)
        default: p.storeBytes(of: value.littleEndian, toByteOffset: 0, as: UInt64.self)
        }
    }

    /// Marks pages touched by a store, so decoded code on them is decoded again.
    @inline(__always)
    func noteWrite(_ address: UInt64, size: Int) {
        let first = Int(address >> 12), last = Int((address + UInt64(size) - 1) >> 12)
        if codePage[first] { generation[first] &+= 1; codePage[first] = false }
        if last != first, last < pageCount, codePage[last] { generation[last] &+= 1; codePage[last] = false }
    }

    /// Copies `data` into memory at `address` (loading images); decoded code there is dropped. Returns false,
    /// changing nothing, when the data does not fit.
    @discardableResult
    public func load(_ data: [UInt8], at address: UInt64) -> Bool {
        guard contains(address, count: data.count) else { return false }
        data.withUnsafeBytes { (bytes + Int(address)).copyMemory(from: $0.baseAddress!, byteCount: data.count) }
        var page = Int(address >> 12)
        while page <= Int((address + UInt64(max(data.count, 1)) - 1) >> 12) {
            generation[page] &+= 1
            codePage[page] = false
            page += 1
        }
        return true
    }
}
