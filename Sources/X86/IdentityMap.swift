/// Identity-mapping tables with 2 MiB pages over the first `memoryBytes` of an address space, in the shape both
/// 4-level paging and EPT use (SDM vol. 3, "4-Level Paging and 5-Level Paging" and "EPT Translation
/// Mechanism"): a PML4 page, a PDPT page, then one page directory per GiB. The boot page tables, L0's EPT and
/// the processor benchmark all build theirs here; only the entry bits differ.
public enum IdentityMap {
    /// The bits of each kind of entry.
    public struct Flags: Sendable {
        /// Bits of the PML4 and PDPT entries that point at the next table.
        public var table: UInt64
        /// Bits of the 2 MiB leaf entries (the page-size bit included).
        public var leaf: UInt64

        /// Entries with these bits.
        public init(table: UInt64, leaf: UInt64) {
            self.table = table
            self.leaf = leaf
        }

        /// Paging: present and writable everywhere, executable, supervisor (P | R/W, and PS on leaves).
        public static let paging = Flags(table: 0b11, leaf: 0b11 | EntryBits.pageSize)
        /// EPT: read, write and execute everywhere, write-back leaves (R | W | X, memory type 6, and the
        /// page-size bit on leaves).
        public static let ept = Flags(table: 0b111, leaf: 0b111 | 6 << 3 | EntryBits.pageSize)
    }

    /// The page directories needed to cover `memoryBytes`: one per GiB or part of one.
    public static func directories(memoryBytes: UInt64) -> UInt64 { (memoryBytes + (1 << 30) - 1) >> 30 }

    /// Bytes the tables take for `memoryBytes`.
    public static func tableBytes(memoryBytes: UInt64) -> UInt64 { (2 + directories(memoryBytes: memoryBytes)) * 0x1000 }

    /// Writes the tables at `base` through `write(address, entry)` and returns the PML4's address.
    @discardableResult
    public static func build(at base: UInt64, memoryBytes: UInt64, flags: Flags, write: (UInt64, UInt64) -> Void) -> UInt64 {
        let pml4 = base, pdpt = base + 0x1000, firstDirectory = base + 0x2000
        write(pml4, pdpt | flags.table)
        for g in 0..<directories(memoryBytes: memoryBytes) {
            let directory = firstDirectory + g * 0x1000
            write(pdpt + g * 8, directory | flags.table)
            for e in 0..<UInt64(512) {
                let address = g << 30 | e << 21
                guard address < memoryBytes else { break }
                write(directory + e * 8, address | flags.leaf)
            }
        }
        return pml4
    }
}
