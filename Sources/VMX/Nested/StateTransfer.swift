import X86

/// How VM entry and VM exit move processor state between a VMCS and the processor (SDM vol. 3, "Loading Guest
/// State", "Saving Guest State", "Loading Host State"), as pure functions over `VMCS12` and any `TransferableState` (a `CPUState`, or the processor in place). The
/// general-purpose registers other than RSP, the XMM registers and the MSRs no field names are left as they are:
/// they pass from L1 to L2 at entry and back at exit, as on the processor.
public enum StateTransfer {
    typealias Segments = [(SegmentRegister, VMCSField, VMCSField, VMCSField, VMCSField)]

    static let segmentFields: Segments = [
        (.es, .guestESSelector, .guestESBase, .guestESLimit, .guestESARBytes),
        (.cs, .guestCSSelector, .guestCSBase, .guestCSLimit, .guestCSARBytes),
        (.ss, .guestSSSelector, .guestSSBase, .guestSSLimit, .guestSSARBytes),
        (.ds, .guestDSSelector, .guestDSBase, .guestDSLimit, .guestDSARBytes),
        (.fs, .guestFSSelector, .guestFSBase, .guestFSLimit, .guestFSARBytes),
        (.gs, .guestGSSelector, .guestGSBase, .guestGSLimit, .guestGSARBytes),
    ]

    static func segment(_ v: VMCS12, _ selector: VMCSField, _ base: VMCSField, _ limit: VMCSField, _ access: VMCSField) -> Segment {
        Segment(selector: UInt16(truncatingIfNeeded: v[selector]), base: v[base], limit: v.u32(limit), attributes: v.u32(access))
    }

    /// The guest state of `vmcs` loaded over `state` (SDM "Loading Guest State").
    public static func loadGuest<State: TransferableState>(_ v: VMCS12, into state: inout State) {
        let entry = v.u32(.vmEntryControls)
        state.cr0 = v[.guestCR0]
        state.cr3 = v[.guestCR3]
        state.cr4 = v[.guestCR4]
        if entry & EntryControls.loadDebugControls != 0 { (state.dr7, state.debugctl) = (v[.guestDR7], v[.guestIA32Debugctl]) }
        state.sysenterCS = v[.guestSysenterCS]
        state.sysenterESP = v[.guestSysenterESP]
        state.sysenterEIP = v[.guestSysenterEIP]
        if entry & EntryControls.loadPAT != 0 { state.pat = v[.guestIA32PAT] }
        if entry & EntryControls.loadPerfGlobalCtrl != 0 { state.perfGlobalControl = v[.guestIA32PerfGlobalCtrl] }
        let ia32e = entry & EntryControls.ia32eModeGuest != 0
        if entry & EntryControls.loadEFER != 0 {
            state.efer = v[.guestIA32EFER]
        } else {
            // Without "load IA32_EFER", LMA follows the IA-32e mode guest control, and so does LME when paging is on.
            var efer = state.efer & ~EFER.lma
            if ia32e { efer |= EFER.lma }
            if v[.guestCR0] & CR0.pg != 0 { efer = ia32e ? efer | EFER.lme : efer & ~EFER.lme }
            state.efer = efer
        }
        for (register, selector, base, limit, access) in segmentFields {
            state[register] = segment(v, selector, base, limit, access)
        }
        state.ldtr = segment(v, .guestLDTRSelector, .guestLDTRBase, .guestLDTRLimit, .guestLDTRARBytes)
        state.tr = segment(v, .guestTRSelector, .guestTRBase, .guestTRLimit, .guestTRARBytes)
        state.gdtr = .init(base: v[.guestGDTRBase], limit: v.u32(.guestGDTRLimit))
        state.idtr = .init(base: v[.guestIDTRBase], limit: v.u32(.guestIDTRLimit))
        state.rsp = v[.guestRSP]
        state.rip = v[.guestRIP]
        state.rflags = v[.guestRFLAGS]
        state.interruptShadow = v[.guestInterruptibilityInfo] & 3 != 0
        state.activityState = v[.guestActivityState] == 1 ? .hlt : .active
    }

    /// The processor's state saved into the guest-state area of `vmcs` (SDM "Saving Guest State"), with the
    /// IA-32e mode guest entry control updated from EFER.LMA as IA32_VMX_MISC bit 5 says.
    public static func saveGuest(_ state: some TransferableState, into vmcs: inout VMCS12) {
        vmcs.withFields { v in
            let exit = v.u32(.vmExitControls)
            v[.guestCR0] = state.cr0
            v[.guestCR3] = state.cr3
            v[.guestCR4] = state.cr4
            if exit & ExitControls.saveDebugControls != 0 { (v[.guestDR7], v[.guestIA32Debugctl]) = (state.dr7, state.debugctl) }
            v[.guestSysenterCS] = state.sysenterCS
            v[.guestSysenterESP] = state.sysenterESP
            v[.guestSysenterEIP] = state.sysenterEIP
            if exit & ExitControls.savePAT != 0 { v[.guestIA32PAT] = state.pat }
            if exit & ExitControls.saveEFER != 0 { v[.guestIA32EFER] = state.efer }
            let entry = v.u32(.vmEntryControls) & ~EntryControls.ia32eModeGuest
            v[.vmEntryControls] = UInt64(entry | (state.efer & EFER.lma != 0 ? EntryControls.ia32eModeGuest : 0))
            for (register, selector, base, limit, access) in segmentFields {
                store(state[register], v, selector, base, limit, access)
            }
            store(state.ldtr, v, .guestLDTRSelector, .guestLDTRBase, .guestLDTRLimit, .guestLDTRARBytes)
            store(state.tr, v, .guestTRSelector, .guestTRBase, .guestTRLimit, .guestTRARBytes)
            v[.guestGDTRBase] = state.gdtr.base
            v[.guestGDTRLimit] = UInt64(state.gdtr.limit)
            v[.guestIDTRBase] = state.idtr.base
            v[.guestIDTRLimit] = UInt64(state.idtr.limit)
            v[.guestRSP] = state.rsp
            v[.guestRIP] = state.rip
            v[.guestRFLAGS] = state.rflags
            // The processor keeps one shadow for STI and MOV SS; it is saved as blocking by STI when IF allows it.
            var interruptibility = v[.guestInterruptibilityInfo] & ~3
            if state.interruptShadow { interruptibility |= state.rflags & Flag.if != 0 ? 1 : 2 }
            v[.guestInterruptibilityInfo] = interruptibility
            v[.guestActivityState] = state.activityState == .hlt ? 1 : 0
            v[.guestPendingDBGExceptions] = 0
        }
    }

    static func store(
        _ s: Segment, _ v: VMCS12.Fields, _ selector: VMCSField, _ base: VMCSField, _ limit: VMCSField, _ access: VMCSField
    ) {
        v[selector] = UInt64(s.selector)
        v[base] = s.base
        v[limit] = UInt64(s.limit)
        v[access] = UInt64(s.attributes)
    }

    /// The host state of `vmcs` loaded over `state` (SDM "Loading Host State"): L1 resumes at HOST_RIP with
    /// RFLAGS = 2, flat 64-bit segments from the host selectors, DR7 = 0x400, IA32_DEBUGCTL = 0, and no blocking.
    public static func loadHost<State: TransferableState>(_ v: VMCS12, into state: inout State) {
        let exit = v.u32(.vmExitControls)
        state.cr0 = v[.hostCR0]
        state.cr3 = v[.hostCR3]
        state.cr4 = v[.hostCR4]
        state.dr7 = 0x400
        state.debugctl = 0
        state.sysenterCS = v[.hostIA32SysenterCS]
        state.sysenterESP = v[.hostIA32SysenterESP]
        state.sysenterEIP = v[.hostIA32SysenterEIP]
        if exit & ExitControls.loadPAT != 0 { state.pat = v[.hostIA32PAT] }
        if exit & ExitControls.loadPerfGlobalCtrl != 0 { state.perfGlobalControl = v[.hostIA32PerfGlobalCtrl] }
        let host64 = exit & ExitControls.hostAddressSpaceSize != 0
        if exit & ExitControls.loadEFER != 0 {
            state.efer = v[.hostIA32EFER]
        } else {
            state.efer = host64 ? state.efer | EFER.lma | EFER.lme : state.efer & ~(EFER.lma | EFER.lme)
        }
        func data(_ selector: VMCSField, base: UInt64 = 0) -> Segment {
            let value = UInt16(truncatingIfNeeded: v[selector])
            // A null selector leaves the register unusable (bit 16), with the base still loaded for FS and GS.
            return Segment(selector: value, base: base, limit: 0xFFFF_FFFF, attributes: value == 0 ? 1 << 16 : 0xC093)
        }
        state[.cs] = Segment(
            selector: UInt16(truncatingIfNeeded: v[.hostCSSelector]), base: 0, limit: 0xFFFF_FFFF,
            attributes: host64 ? 0xA09B : 0xC09B)
        state[.ss] = data(.hostSSSelector)
        state[.ds] = data(.hostDSSelector)
        state[.es] = data(.hostESSelector)
        state[.fs] = data(.hostFSSelector, base: v[.hostFSBase])
        state[.gs] = data(.hostGSSelector, base: v[.hostGSBase])
        state.tr = Segment(selector: UInt16(truncatingIfNeeded: v[.hostTRSelector]), base: v[.hostTRBase], limit: 0x67, attributes: 0x8B)
        state.ldtr = Segment(selector: 0, base: 0, limit: 0, attributes: 1 << 16)
        state.gdtr = .init(base: v[.hostGDTRBase], limit: 0xFFFF)
        state.idtr = .init(base: v[.hostIDTRBase], limit: 0xFFFF)
        state.rsp = v[.hostRSP]
        state.rip = v[.hostRIP]
        state.rflags = Flag.reserved1
        state.interruptShadow = false
        state.activityState = .active
    }
}
