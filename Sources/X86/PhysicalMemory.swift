#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The memory the processor runs in: one contiguous block addressed by host-physical address.
///
/// Reads outside it return all ones and writes are dropped, as on a bus where nothing answers. The decoded
/// instructions live here, per physical page, so every processor over this memory shares them (decoding depends
/// on the bytes alone), and so does self-modifying-code detection: each page with decoded code keeps a bitmap of
/// the bytes its cached instructions occupy, and a store (`write`, `load`, or `noteWrite` for a bulk copy)
/// drops exactly the cached instructions whose bytes it overlaps. A store to data beside code on one page costs
/// a bit test and leaves that code decoded.
public final class PhysicalMemory {
    /// The size in bytes.
    public let size: Int
    /// The bytes. Whoever stores into them directly calls `noteWrite` for the range, so decoded code stays exact.
    public let bytes: UnsafeMutableRawPointer
    /// Per 4 KiB page: some of its bytes belong to cached decoded instructions (the bitmap has bits set).
    let codePage: UnsafeMutablePointer<Bool>
    /// Per 4 KiB page: its decoded instructions, nil until code is first fetched from it (`CodePage`).
    let decoded: UnsafeMutablePointer<UnsafeMutablePointer<Instruction>?>
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
        metadataSize = pages * (MemoryLayout<UnsafeMutablePointer<Instruction>?>.stride + 1)
        guard let bytes = Self.map(self.size) else { return nil }
        guard let metadata = Self.map(metadataSize) else {
            munmap(bytes, self.size)
            return nil
        }
        self.bytes = bytes
        self.metadata = metadata
        decoded = metadata.bindMemory(to: UnsafeMutablePointer<Instruction>?.self, capacity: pages)
        codePage = (metadata + pages * MemoryLayout<UnsafeMutablePointer<Instruction>?>.stride).bindMemory(to: Bool.self, capacity: pages)
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

    /// Whether `count` bytes at `address` lie inside memory.
    @inline(__always)
    public func contains(_ address: UInt64, count: Int) -> Bool {
        address < UInt64(size) && UInt64(size) - address >= UInt64(count)
    }

    /// Reads a little-endian value of `size` bytes (1, 2, 4 or 8).
    @inline(__always)
    public func read(_ address: UInt64, size: Int) -> UInt64 {
        guard contains(address, count: size) else { return size == 8 ? ~0 : (1 << (size * 8)) - 1 }
        return readResident(address, size: size)
    }

    /// Writes the low `size` bytes of `value`, little-endian.
    @inline(__always)
    public func write(_ address: UInt64, size: Int, _ value: UInt64) {
        guard contains(address, count: size) else { return }
        writeResident(address, size: size, value)
    }

    /// `read` of bytes known to lie inside memory (a TLB hit): no bounds check.
    @inline(__always)
    func readResident(_ address: UInt64, size: Int) -> UInt64 {
        let p = bytes + Int(address)
        switch size {
        case 1: return UInt64(p.load(as: UInt8.self))
        case 2: return UInt64(UInt16(littleEndian: p.loadUnaligned(as: UInt16.self)))
        case 4: return UInt64(UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)))
        default: return UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
        }
    }

    /// `write` of bytes known to lie inside memory (a TLB hit): no bounds check, decoded code still dropped.
    @inline(__always)
    func writeResident(_ address: UInt64, size: Int, _ value: UInt64) {
        noteWrite(address, size: size)
        let p = bytes + Int(address)
        switch size {
        case 1: p.storeBytes(of: UInt8(truncatingIfNeeded: value), as: UInt8.self)
        case 2: p.storeBytes(of: UInt16(truncatingIfNeeded: value).littleEndian, toByteOffset: 0, as: UInt16.self)
        case 4: p.storeBytes(of: UInt32(truncatingIfNeeded: value).littleEndian, toByteOffset: 0, as: UInt32.self)
        default: p.storeBytes(of: value.littleEndian, toByteOffset: 0, as: UInt64.self)
        }
    }

    /// `writeResident` of 16 bytes (an XMM store) inside one page.
    @inline(__always)
    func writeResident128(_ address: UInt64, _ value: (UInt64, UInt64)) {
        noteWrite(address, size: 16)
        let p = bytes + Int(address)
        p.storeBytes(of: value.0.littleEndian, toByteOffset: 0, as: UInt64.self)
        p.storeBytes(of: value.1.littleEndian, toByteOffset: 8, as: UInt64.self)
    }

    /// Copies `data` into memory at `address` (loading images); decoded code there is dropped. Returns false,
    /// changing nothing, when the data does not fit.
    @discardableResult
    public func load(_ data: [UInt8], at address: UInt64) -> Bool {
        guard contains(address, count: data.count) else { return false }
        data.withUnsafeBytes { (bytes + Int(address)).copyMemory(from: $0.baseAddress!, byteCount: data.count) }
        noteWriteRange(address, size: data.count)
        return true
    }
}
