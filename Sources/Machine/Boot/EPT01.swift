/// L0's EPT for the machine (SDM vol. 3, "EPT Translation Mechanism"): guest-physical addresses below the
/// VM's memory size map to the same host-physical addresses with read, write and execute permission and
/// write-back memory type, in 2 MiB pages. Anything else is not present, so a guest access there is an EPT
/// violation that L0 sees. The tables live in host memory above guest RAM, where the guest cannot reach them.
enum EPT01 {
    /// Host bytes the tables need for `memoryBytes` of guest RAM: PML4, PDPT, one page directory per GiB.
    static func tableBytes(memoryBytes: UInt64) -> UInt64 { (2 + (memoryBytes + (1 << 30) - 1) >> 30) * 0x1000 }

    /// Writes the tables at `base` in `memory` and returns the EPT pointer (4-level walk, WB structures).
    static func build(at base: UInt64, memoryBytes: UInt64, write: (UInt64, UInt64) -> Void) -> UInt64 {
        let readWriteExecute: UInt64 = 0b111, writeBack: UInt64 = 6 << 3, largePage: UInt64 = 1 << 7
        let pml4 = base, pdpt = base + 0x1000, firstPD = base + 0x2000
        write(pml4, pdpt | readWriteExecute)
        let gigabytes = (memoryBytes + (1 << 30) - 1) >> 30
        for g in 0..<gigabytes {
            let pd = firstPD + g * 0x1000
            write(pdpt + g * 8, pd | readWriteExecute)
            for e in 0..<UInt64(512) {
                let address = g << 30 | e << 21
                guard address < memoryBytes else { break }
                write(pd + e * 8, address | readWriteExecute | writeBack | largePage)
            }
        }
        return pml4 | 3 << 3 | 6  // walk length 4 (encoded 3), WB paging structures
    }
}
