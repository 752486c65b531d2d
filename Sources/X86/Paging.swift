/// Linear-address translation (SDM vol. 3, "Paging"): 4-level and 5-level paging with 4 KiB, 2 MiB and 1 GiB
/// pages, accessed and dirty flags, NX, U/S, R/W with CR0.WP, SMEP, global pages and PCIDs.
extension CPU {
    /// Page-fault error-code bits.
    public enum PageFaultCode {
        public static let present: UInt32 = 1 << 0, write: UInt32 = 1 << 1, user: UInt32 = 1 << 2
        public static let reserved: UInt32 = 1 << 3, instructionFetch: UInt32 = 1 << 4
    }

    /// Translates a linear address for `access`, through the TLB when it can.
    @inline(__always)
    func translate(_ linear: UInt64, _ access: Access) throws(Event) -> UInt64 {
        guard isPaging else {
            return try physicalToHost(GuestPhysicalAddress(linear), access, linear: linear, pagingStructure: false).value
        }
        let user = cpl == 3
        let tag = TLB.tag(linear, user: user, pcid: cr4 & CR4.pcide != 0 ? cr3 & 0xFFF : 0)
        if let host = tlb.lookup(linear, access, tag: tag) {
            if collectsStatistics { tlbStatistics.hits &+= 1 }
            return host | (linear & 0xFFF)
        }
        if collectsStatistics { tlbStatistics.misses &+= 1 }
        let (frame, global) = try walk(linear, access, user: user)
        let host = frame.value
        // Only translations into guest RAM are kept: the fast paths of `read` and `write` use a hit's host
        // address without another bounds check.
        if host >> 12 < UInt64(memory.pageCount) { tlb.fill(linear, access, tag: tag, host: host, global: global) }
        return host | (linear & 0xFFF)
    }

    /// Walks the paging structures, setting accessed and dirty flags, and checks the access rights.

    func walk(_ linear: UInt64, _ access: Access, user: Bool) throws(Event) -> (host: HostPhysicalAddress, global: Bool) {
        let levels = cr4 & CR4.la57 != 0 ? 5 : 4
        let canonicalBits: UInt64 = levels == 5 ? 57 : 48
        let high = Int64(bitPattern: linear) >> Int64(canonicalBits - 1)
        guard high == 0 || high == -1 else {
            throw .fault(.generalProtection(0))
        }
        let nxe = efer & EFER.nxe != 0
        let write = access == .write, fetch = access == .execute
        var code: UInt32 =
            (write ? PageFaultCode.write : 0) | (user ? PageFaultCode.user : 0)
            | (fetch && (nxe || cr4 & CR4.smep != 0) ? PageFaultCode.instructionFetch : 0)
        var table = cr3 & EntryBits.frame
        var writable = true, userOK = true, executable = true
        var level = levels
        var entryAddress: UInt64 = 0
        var entry: UInt64 = 0
        var entryHost: UInt64 = 0
        var pageSize: UInt64 = 12
        // Bits 51:MAXPHYADDR are reserved; so is NX without EFER.NXE.
        let reservedHigh: UInt64 = Self.reservedPhysicalBits | (nxe ? 0 : 1 << 63)
        while true {
            let shift = UInt64(12 + 9 * (level - 1))
            entryAddress = table | ((linear >> shift) & 0x1FF) << 3
            entryHost = try physicalToHost(GuestPhysicalAddress(entryAddress), .read, linear: linear, pagingStructure: true).value
            entry = memory.read(entryHost, size: 8)
            guard entry & 1 != 0 else {
                throw .fault(Fault(Vector.pf, errorCode: code, address: linear))
            }
            var reserved = entry & reservedHigh
            let isLeaf: Bool
            if level == 1 {
                isLeaf = true
            } else if entry & EntryBits.pageSize != 0 {
                if level >= 4 { reserved |= EntryBits.pageSize }
                // The frame of a large page must be aligned (bits 12 .. size-1, except PAT at bit 12).
                let alignMask: UInt64 = ((1 << shift) - 1) & ~0x1FFF
                reserved |= entry & alignMask
                isLeaf = true
                pageSize = shift
            } else {
                isLeaf = false
            }
            if reserved != 0 {
                throw .fault(Fault(Vector.pf, errorCode: code | PageFaultCode.present | PageFaultCode.reserved, address: linear))
            }
            writable = writable && entry & 2 != 0
            userOK = userOK && entry & 4 != 0
            executable = executable && (entry >> 63 == 0 || !nxe)
            if isLeaf { break }
            if entry & 0x20 == 0 { memory.write(entryHost, size: 8, entry | 0x20) }
            table = entry & EntryBits.frame
            level -= 1
        }
        // Access rights (SDM "Access Rights").
        code |= PageFaultCode.present
        if user && !userOK {
            throw .fault(Fault(Vector.pf, errorCode: code, address: linear))
        }
        if write && !writable && (user || cr0 & CR0.wp != 0) {
            throw .fault(Fault(Vector.pf, errorCode: code, address: linear))
        }
        if fetch && (!executable || (!user && userOK && cr4 & CR4.smep != 0)) {
            throw .fault(Fault(Vector.pf, errorCode: code, address: linear))
        }
        var updated = entry | 0x20
        if write { updated |= 0x40 }
        if updated != entry { memory.write(entryHost, size: 8, updated) }
        let frameMask: UInt64 = EntryBits.frame & ~((1 << pageSize) - 1)
        // The whole guest-physical address goes to EPT, so that an EPT violation reports it to the byte.
        let physical = (entry & frameMask) | (linear & ((1 << pageSize) - 1))
        let global = entry & EntryBits.global != 0 && cr4 & CR4.pge != 0
        let host = try physicalToHost(GuestPhysicalAddress(physical), access, linear: linear, pagingStructure: false)
        return (HostPhysicalAddress(host.value & ~0xFFF), global)
    }

    /// Guest-physical → host-physical: through EPT when it is on, else the identity.
    @inline(__always)
    func physicalToHost(
        _ physical: GuestPhysicalAddress, _ access: Access, linear: UInt64, pagingStructure: Bool
    ) throws(Event) -> HostPhysicalAddress {
        guard controls.has(secondary: ExecutionControls.Secondary.enableEPT) else { return HostPhysicalAddress(physical.value) }
        return try eptTranslate(physical, access, linear: linear, pagingStructure: pagingStructure)
    }

    /// Flushes translations as a MOV to CR3 does: all non-global ones (of the new PCID when PCIDs are on).
    func flushForCR3Write(_ value: UInt64) {
        invalidateFetchWindow()
        if cr4 & CR4.pcide != 0 {
            if value >> 63 == 0 { tlb.flushActive(keepGlobal: true, pcid: value & 0xFFF) }
        } else {
            tlb.flushActive(keepGlobal: true)
        }
    }

    /// Flushes every translation of the active context (CR0.PG/WP and CR4 paging bit changes).
    func flushAllTranslations() {
        invalidateFetchWindow()
        tlb.flushActive(keepGlobal: false)
    }

    /// INVEPT for the nested engine: single-context (the translations derived from `eptPointer`) or all-context
    /// (`nil`) (SDM "INVEPT—Invalidate Translations Derived from EPT").
    public func invalidateEPT(_ eptPointer: UInt64?) {
        invalidateFetchWindow()
        tlb.flush(eptPointer: eptPointer)
    }

    /// INVVPID for the nested engine: one linear address of a VPID, a whole VPID, or every VPID (`nil`)
    /// (SDM "INVVPID—Invalidate Translations Based on VPID"). An address in a context other than the active one drops that VPID's context whole.
    public func invalidateVPID(_ vpid: UInt16?, address: UInt64? = nil) {
        invalidateFetchWindow()
        if let address, vpid == (controls.has(secondary: ExecutionControls.Secondary.enableVPID) ? controls.vpid : 0) {
            tlb.flushPage(address)
        } else {
            tlb.flush(vpid: vpid)  // an address of another context: dropping its whole VPID is allowed, and simpler
        }
    }

    /// Drops the translations of one linear page (INVLPG).
    func flushPage(_ linear: UInt64) {
        invalidateFetchWindow()
        tlb.flushPage(linear)
    }
}
