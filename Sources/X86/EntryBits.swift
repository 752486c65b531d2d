/// Bits of paging-structure and EPT entries, named once (SDM vol. 3, "Formats of Paging Structures" and "Format
/// of the EPT Paging-Structure Entries"; share/reference/vmx-facts.md, "EPT entries").
public enum EntryBits {
    /// Bits 51:12 of an entry, or of CR3 and the EPTP: the physical address of the next table or page (the bits
    /// above MAXPHYADDR are reserved and checked separately).
    public static let frame: UInt64 = 0x000F_FFFF_FFFF_F000
    /// The page-size bit (7): a 2 MiB or 1 GiB page instead of a table, in both paging and EPT entries.
    public static let pageSize: UInt64 = 1 << 7
    /// Paging: the global bit (8) of a leaf entry.
    public static let global: UInt64 = 1 << 8

    /// EPT entry bits.
    public enum EPT {
        /// Accessed (bit 8), kept when the EPTP enables accessed and dirty flags.
        public static let accessed: UInt64 = 1 << 8
        /// Dirty (bit 9) of a leaf, kept when the EPTP enables accessed and dirty flags.
        public static let dirty: UInt64 = 1 << 9
        /// Bits 6:3, the memory type and ignore-PAT of a leaf, reserved in a table entry.
        public static let leafOnly: UInt64 = 0xF << 3
        /// Whether a leaf's memory type (bits 5:3) is one of the reserved 2, 3 and 7: a misconfiguration.
        @inline(__always)
        public static func hasReservedMemoryType(_ entry: UInt64) -> Bool {
            let type = entry >> 3 & 7
            return type == 2 || type == 3 || type == 7
        }
    }
}
