/// The decoded instructions of each physical page, and the self-modifying-code detection that keeps them exact
/// (see `PhysicalMemory`): a store drops exactly the cached instructions whose bytes it overlaps.
extension PhysicalMemory {
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

    /// Drops the cached instructions that overlap the `size` bytes stored at `address` (any size, any span of
    /// pages). A page without decoded code costs one flag test; one with code, a bitmap test over the range.
    @inline(__always)
    public func noteWrite(_ address: UInt64, size: Int) {
        let first = Int(address >> 12)
        if size <= 16, address & 0xFFF <= 0x1000 - UInt64(size) {
            if first < pageCount, codePage[first] { noteWriteToCodePage(address, size: size) }
            return
        }
        noteWriteRange(address, size: size)
    }

    /// `noteWrite` of at most 16 bytes inside one page that holds decoded code (kept out of line: the store
    /// paths inline only the flag test).
    func noteWriteToCodePage(_ address: UInt64, size: Int) {
        let first = Int(address >> 12)
        guard let block = decoded[first] else { return }
        // The occupancy bits of the stored bytes, from one bitmap word or two; none set is the usual case.
        let offset = Int(address & 0xFFF), bitmap = CodePage.bitmap(block)
        let word = offset >> 6, bit = UInt64(offset & 63)
        var bits = bitmap[word] >> bit
        if bit + UInt64(size) > 64 { bits |= bitmap[word + 1] << (64 - bit) }
        if bits & (UInt64.max >> (64 - UInt64(size))) != 0 { storeToCodePage(first, offset: offset, count: size) }
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
}
