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

    /// A page's decoded-instruction block: 4096 entries, one per byte offset (`length == 0` meaning none), then
    /// the occupancy bitmap, 64 words of which bit `b` says byte `b` belongs to a cached instruction. A bit may
    /// stay set after its instruction was dropped (it only costs a look on the next store there); a byte of a
    /// cached instruction never has its bit clear.
    enum CodePage {
        static let entries = 4096
        static let bitmapWords = 64
        /// Entries in Instruction strides, the bitmap rounded up to whole entries.
        static let capacity = entries + (bitmapWords * 8 + MemoryLayout<Instruction>.stride - 1) / MemoryLayout<Instruction>.stride

        @inline(__always)
        static func bitmap(_ block: UnsafeMutablePointer<Instruction>) -> UnsafeMutablePointer<UInt64> {
            UnsafeMutableRawPointer(block + entries).assumingMemoryBound(to: UInt64.self)
        }
    }

    /// The decoded instructions of physical page `page`, made (all empty) on first use.
    @inline(__always)
    func decodedInstructions(page: Int) -> UnsafeMutablePointer<Instruction> {
        if let existing = decoded[page] { return existing }
        let block = UnsafeMutablePointer<Instruction>.allocate(capacity: CodePage.capacity)
        block.initialize(repeating: Instruction(), count: CodePage.entries)
        UnsafeMutableRawPointer(block + CodePage.entries).initializeMemory(as: UInt64.self, repeating: 0, count: CodePage.bitmapWords)
        decoded[page] = block
        return block
    }

    /// Keeps `instruction`, decoded from the bytes at `offset` of page `page` (it must end on that page), and
    /// marks its bytes so a store to any of them drops it.
    @inline(__always)
    func cache(_ instruction: Instruction, page: Int, offset: Int) {
        let block = decodedInstructions(page: page)
        block[offset] = instruction
        let bitmap = CodePage.bitmap(block)
        let end = offset + Int(instruction.length)  // at most 4096
        var byte = offset
        while byte < end {
            let word = byte >> 6, bit = byte & 63
            let count = min(64 - bit, end - byte)
            bitmap[word] |= (count == 64 ? ~0 : ((1 << UInt64(count)) - 1)) << UInt64(bit)
            byte += count
        }
        codePage[page] = true
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

    /// Drops the cached instructions that overlap the `size` bytes stored at `address` (any size, any span of
    /// pages). A page without decoded code costs one flag test; one with code, a bitmap test over the range.
    @inline(__always)
    public func noteWrite(_ address: UInt64, size: Int) {
        let first = Int(address >> 12)
        if size <= 16, address & 0xFFF <= 0x1000 - UInt64(size) {
            guard first < pageCount, codePage[first], let block = decoded[first] else { return }
            // The occupancy bits of the stored bytes, from one bitmap word or two; none set is the usual case.
            let offset = Int(address & 0xFFF), bitmap = CodePage.bitmap(block)
            let word = offset >> 6, bit = UInt64(offset & 63)
            var bits = bitmap[word] >> bit
            if bit + UInt64(size) > 64 { bits |= bitmap[word + 1] << (64 - bit) }
            if bits & (UInt64.max >> (64 - UInt64(size))) != 0 { storeToCodePage(first, offset: offset, count: size) }
            return
        }
        noteWriteRange(address, size: size)
    }

    func noteWriteRange(_ address: UInt64, size: Int) {
        guard size > 0 else { return }
        var address = address, remaining = size
        while remaining > 0 {
            let page = Int(address >> 12), offset = Int(address & 0xFFF)
            guard page < pageCount else { return }
            let count = min(remaining, 4096 - offset)
            if codePage[page] { storeToCodePage(page, offset: offset, count: count) }
            address &+= UInt64(count)
            remaining -= count
        }
    }

    /// A store of `count` bytes at `offset` of a page with decoded code: if the bytes overlap cached
    /// instructions, those (and only those) are dropped. An instruction is at most 15 bytes long, so every one
    /// that overlaps starts in the 14 bytes before the range or inside it.
    func storeToCodePage(_ page: Int, offset: Int, count: Int) {
        guard let block = decoded[page] else { return }
        let bitmap = CodePage.bitmap(block)
        let end = offset + count
        // Is any byte of the range occupied?
        var occupied = false
        var byte = offset
        while byte < end {
            let word = byte >> 6, bit = byte & 63
            let run = min(64 - bit, end - byte)
            let mask: UInt64 = (run == 64 ? ~0 : ((1 << UInt64(run)) - 1)) << UInt64(bit)
            if bitmap[word] & mask != 0 { occupied = true; bitmap[word] &= ~mask }
            byte += run
        }
        guard occupied else { return }
        // Every instruction overlapping the range covered one of its bytes, whose bit was set (and is clear now).
        for start in max(0, offset - 14)..<end where block[start].length != 0 && start + Int(block[start].length) > offset {
            block[start].length = 0
        }
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
