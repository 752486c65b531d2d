import X86

/// L0's EPT for the machine (SDM vol. 3, "EPT Translation Mechanism"): guest-physical addresses below the
/// VM's memory size map to the same host-physical addresses with read, write and execute permission and
/// write-back memory type, in 2 MiB pages. Anything else is not present, so a guest access there is an EPT
/// violation that L0 sees. The tables live in host memory above guest RAM, where the guest cannot reach them.
enum EPT01 {
    /// Host bytes the tables need for `memoryBytes` of guest RAM.
    static func tableBytes(memoryBytes: UInt64) -> UInt64 { IdentityMap.tableBytes(memoryBytes: memoryBytes) }

    /// Writes the tables at `base` in `memory` and returns the EPT pointer (4-level walk, WB structures).
    static func build(at base: UInt64, memoryBytes: UInt64, write: (UInt64, UInt64) -> Void) -> UInt64 {
        let pml4 = IdentityMap.build(at: base, memoryBytes: memoryBytes, flags: .ept, write: write)
        return pml4 | 3 << 3 | 6  // walk length 4 (encoded 3), WB paging structures
    }
}
