/// Extended page tables (SDM vol. 3, "EPT Translation Mechanism"): a 4-level walk with read/write/execute
/// permissions, memory types, 2 MiB and 1 GiB pages and accessed/dirty flags, reporting EPT violations
/// (exit 48, with the qualification bits of "Exit Qualification for EPT Violations") apart from EPT
/// misconfigurations (exit 49). Several hierarchies compose: each one's table accesses and results are
/// guest-physical addresses of the next.
extension CPU {
    /// EPT violation qualification bits.
    public enum EPTQualification {
        public static let read: UInt64 = 1 << 0, write: UInt64 = 1 << 1, fetch: UInt64 = 1 << 2
        public static let readable: UInt64 = 1 << 3, writable: UInt64 = 1 << 4, executable: UInt64 = 1 << 5
        public static let linearValid: UInt64 = 1 << 7, translatedAccess: UInt64 = 1 << 8
    }

    /// Translates a guest-physical address through every EPT hierarchy in force to the host-physical address.
    func eptTranslate(
        _ physical: GuestPhysicalAddress, _ access: Access, linear: UInt64, pagingStructure: Bool
    ) throws(Event) -> HostPhysicalAddress {
        try eptTranslate(physical, access, linear: linear, pagingStructure: pagingStructure, level: 0)
    }

    /// The EPT pointer of hierarchy `level`: 0 is `controls.eptPointer`, then the outer ones; nil past the last.
    func eptPointer(level: Int) -> UInt64? {
        if level == 0 { return controls.eptPointer }
        return level <= controls.outerEPTPointers.count ? controls.outerEPTPointers[level - 1] : nil
    }

    /// Translates through hierarchy `level` and those outside it. What the outermost hierarchy produces is
    /// host-physical: that is the one place a guest-physical address becomes a host one.
    func eptTranslate(
        _ guestPhysical: GuestPhysicalAddress, _ access: Access, linear: UInt64, pagingStructure: Bool, level: Int
    ) throws(Event) -> HostPhysicalAddress {
        guard let eptp = eptPointer(level: level) else { return HostPhysicalAddress(guestPhysical.value) }
        let physical = guestPhysical.value
        // The table address of this hierarchy is a physical address of the next one out.
        func tableHost(_ address: UInt64, _ tableAccess: Access) throws(Event) -> UInt64 {
            try eptTranslate(
                GuestPhysicalAddress(address), tableAccess, linear: linear, pagingStructure: pagingStructure, level: level + 1
            ).value
        }
        let accessedDirty = eptp & 0x40 != 0
        var table = eptp & EntryBits.frame
        var permissions: UInt64 = 7
        var depth = 4
        var entry: UInt64 = 0
        var entryHost: UInt64 = 0
        var pageShift: UInt64 = 12
        func misconfiguration() -> Event {
            var exit = VMExit(reason: ExitReason.eptMisconfiguration)
            exit.guestPhysicalAddress = guestPhysical
            exit.eptLevel = level
            return .exit(exit)
        }
        while true {
            let shift = UInt64(12 + 9 * (depth - 1))
            entryHost = try tableHost(table | ((physical >> shift) & 0x1FF) << 3, accessedDirty ? .write : .read)
            entry = memory.read(entryHost, size: 8)
            let rwx = entry & 7
            if rwx == 0 {
                permissions = 0
                break
            }
            // Write without read is a misconfiguration (execute-only is supported and allowed); so are reserved
            // physical-address bits.
            if rwx & 3 == 2 || entry & Self.reservedPhysicalBits != 0 { throw misconfiguration() }
            let isLeaf = depth == 1 || (entry & EntryBits.pageSize != 0 && depth <= 3)
            if entry & EntryBits.pageSize != 0 && depth == 4 { throw misconfiguration() }
            if isLeaf {
                if EntryBits.EPT.hasReservedMemoryType(entry) { throw misconfiguration() }
                if depth > 1 {
                    pageShift = shift
                    if entry & ((1 << shift) - 1) & ~0xFFF != 0 { throw misconfiguration() }
                }
            } else if entry & EntryBits.EPT.leafOnly != 0 {
                throw misconfiguration()  // bits 6:3 are reserved in non-leaf entries
            }
            permissions &= rwx
            if accessedDirty, entry & EntryBits.EPT.accessed == 0 {
                entry |= EntryBits.EPT.accessed
                memory.write(entryHost, size: 8, entry)
            }
            if isLeaf { break }
            table = entry & EntryBits.frame
            depth -= 1
        }
        let needed: UInt64 = access == .read ? 1 : (access == .write ? 2 : 4)
        guard permissions & needed != 0 else {
            var exit = VMExit(reason: ExitReason.eptViolation)
            exit.qualification =
                (access == .read ? EPTQualification.read : 0) | (access == .write ? EPTQualification.write : 0)
                | (access == .execute ? EPTQualification.fetch : 0) | permissions << 3 | EPTQualification.linearValid
                | (pagingStructure ? 0 : EPTQualification.translatedAccess)
            exit.guestPhysicalAddress = guestPhysical
            exit.guestLinearAddress = linear
            exit.eptLevel = level
            throw .exit(exit)
        }
        if accessedDirty, access == .write, entry & EntryBits.EPT.dirty == 0 {
            memory.write(entryHost, size: 8, entry | EntryBits.EPT.dirty)
        }
        let frame = entry & EntryBits.frame & ~((1 << pageShift) - 1)
        let next = frame | (physical & ((1 << pageShift) - 1))
        return try eptTranslate(
            GuestPhysicalAddress(next), access, linear: linear, pagingStructure: pagingStructure, level: level + 1)
    }
}
