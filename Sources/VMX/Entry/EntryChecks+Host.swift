import X86

/// The checks on the host-state area (SDM vol. 3, "Checks on Host-State Area"), in the SDM's order. A failure
/// is VMfailValid(8).
extension EntryCheck {
    /// Whether an address is canonical: bases and entry points in the processor's widest linear address (57
    /// bits, as it supports 5-level paging), RIP in the width its CR4.LA57 gives (`la57`: 57, else 48 bits).
    static func canonical(_ value: UInt64, la57: Bool = true) -> String? {
        let bits = la57 ? ProcessorFeatures.linearAddressBits : 48
        return ProcessorFeatures.isCanonical(value, bits: bits)
            ? nil : "is not canonical (bits 63:\(bits - 1) must all equal bit \(bits - 1))"
    }

    static func efer(_ value: UInt64, lma: Bool, control: String, pagingOn: Bool = true) -> String? {
        let reserved = value & ~(EFER.sce | EFER.lme | EFER.lma | EFER.nxe)
        if reserved != 0 { return "sets reserved \(Bits.list(reserved))" }
        if (value & EFER.lma != 0) != lma { return "has LMA \(lma ? "clear" : "set") while \(control) is \(lma ? 1 : 0)" }
        if pagingOn && (value & EFER.lme != 0) != lma { return "has LME \(lma ? "clear" : "set") while \(control) is \(lma ? 1 : 0)" }
        return nil
    }

    static let hostSelectors: [(String, VMCSField)] = [
        ("es", .hostESSelector), ("cs", .hostCSSelector), ("ss", .hostSSSelector), ("ds", .hostDSSelector),
        ("fs", .hostFSSelector), ("gs", .hostGSSelector), ("tr", .hostTRSelector),
    ]

    static let hostChecks: [EntryCheck] =
        [
            EntryCheck("host.cr0.fixed-bits", .hostControlRegisters, .hostCR0, .hostState) {
                Bits.fixed($0[.hostCR0], mustBeOne: VMXCapabilities.cr0Fixed0, mayBeOne: VMXCapabilities.cr0Fixed1)
            },
            EntryCheck("host.cr4.fixed-bits", .hostControlRegisters, .hostCR4, .hostState) {
                Bits.fixed($0[.hostCR4], mustBeOne: VMXCapabilities.cr4Fixed0, mayBeOne: VMXCapabilities.cr4Fixed1)
            },
            EntryCheck("host.cr3.reserved", .hostControlRegisters, .hostCR3, .hostState) {
                Bits.beyondPhysical($0[.hostCR3]) != 0
                    ? "sets bits beyond the physical-address width (\(CPU.physicalAddressBits) bits)" : nil
            },
            EntryCheck("host.sysenter-esp.canonical", .hostControlRegisters, .hostIA32SysenterESP, .hostState) {
                canonical($0[.hostIA32SysenterESP])
            },
            EntryCheck("host.sysenter-eip.canonical", .hostControlRegisters, .hostIA32SysenterEIP, .hostState) {
                canonical($0[.hostIA32SysenterEIP])
            },
            EntryCheck("host.perf-global-ctrl.reserved", .hostControlRegisters, .hostIA32PerfGlobalCtrl, .hostState) {
                $0.has(exit: ExitControls.loadPerfGlobalCtrl) && $0[.hostIA32PerfGlobalCtrl] & ~CPU.perfGlobalControlWritable != 0
                    ? "sets bits reserved in IA32_PERF_GLOBAL_CTRL (only bit 32, fixed counter 0, exists)" : nil
            },
            EntryCheck("host.pat.memory-types", .hostControlRegisters, .hostIA32PAT, .hostState) {
                $0.has(exit: ExitControls.loadPAT) && !Bits.isValidPAT($0[.hostIA32PAT])
                    ? "has a byte that is not a memory type (0, 1, 4, 5, 6 or 7)" : nil
            },
            EntryCheck("host.efer", .hostControlRegisters, .hostIA32EFER, .hostState) {
                guard $0.has(exit: ExitControls.loadEFER) else { return nil }
                return efer(
                    $0[.hostIA32EFER], lma: $0.has(exit: ExitControls.hostAddressSpaceSize),
                    control: "the host address-space size exit control")
            },
        ]
        + hostSelectors.map { name, field in
            EntryCheck("host.\(name).selector.rpl-ti", .hostSegments, field, .hostState) {
                $0[field] & 7 == 0 ? nil : "has RPL or TI set (bits 2:0 must be 0)"
            }
        }
        + [
            EntryCheck("host.cs.selector.null", .hostSegments, .hostCSSelector, .hostState) {
                $0[.hostCSSelector] == 0 ? "is null" : nil
            },
            EntryCheck("host.tr.selector.null", .hostSegments, .hostTRSelector, .hostState) {
                $0[.hostTRSelector] == 0 ? "is null" : nil
            },
        ]
        + [
            ("host.fs.base.canonical", VMCSField.hostFSBase), ("host.gs.base.canonical", .hostGSBase),
            ("host.gdtr.base.canonical", .hostGDTRBase), ("host.idtr.base.canonical", .hostIDTRBase),
            ("host.tr.base.canonical", .hostTRBase),
        ].map { id, field in EntryCheck(id, .hostSegments, field, .hostState) { canonical($0[field]) } }
        + [
            EntryCheck("host.address-space-size", .hostAddressSpace, .vmExitControls, .hostState) {
                $0.inIA32eMode == $0.has(exit: ExitControls.hostAddressSpaceSize)
                    ? nil
                    : $0.inIA32eMode
                        ? "clears host address-space size (bit 9) although the processor is in IA-32e mode"
                        : "sets host address-space size (bit 9) although the processor is outside IA-32e mode"
            },
            EntryCheck("host.cr4.pae", .hostAddressSpace, .hostCR4, .hostState) {
                $0.has(exit: ExitControls.hostAddressSpaceSize) && $0[.hostCR4] & CR4.pae == 0
                    ? "has PAE clear with a 64-bit host (host address-space size 1)" : nil
            },
            EntryCheck("host.rip.canonical", .hostAddressSpace, .hostRIP, .hostState) {
                $0.has(exit: ExitControls.hostAddressSpaceSize) ? canonical($0[.hostRIP], la57: $0[.hostCR4] & CR4.la57 != 0) : nil
            },
        ]
}
