import X86

/// The checks on the guest-state area (SDM vol. 3, "Checks on the Guest State Area"), in the SDM's order. A
/// failure ends the entry with exit reason 33 (bit 31 set) and loads the host state.
extension EntryCheck {
    /// One guest segment register's fields.
    struct GuestSegment {
        let name: String
        let selector: VMCSField, base: VMCSField, limit: VMCSField, access: VMCSField
    }

    static let es = GuestSegment(
        name: "es", selector: .guestESSelector, base: .guestESBase, limit: .guestESLimit, access: .guestESARBytes)
    static let cs = GuestSegment(
        name: "cs", selector: .guestCSSelector, base: .guestCSBase, limit: .guestCSLimit, access: .guestCSARBytes)
    static let ss = GuestSegment(
        name: "ss", selector: .guestSSSelector, base: .guestSSBase, limit: .guestSSLimit, access: .guestSSARBytes)
    static let ds = GuestSegment(
        name: "ds", selector: .guestDSSelector, base: .guestDSBase, limit: .guestDSLimit, access: .guestDSARBytes)
    static let fs = GuestSegment(
        name: "fs", selector: .guestFSSelector, base: .guestFSBase, limit: .guestFSLimit, access: .guestFSARBytes)
    static let gs = GuestSegment(
        name: "gs", selector: .guestGSSelector, base: .guestGSBase, limit: .guestGSLimit, access: .guestGSARBytes)
    static let ldtr = GuestSegment(
        name: "ldtr", selector: .guestLDTRSelector, base: .guestLDTRBase, limit: .guestLDTRLimit, access: .guestLDTRARBytes)
    static let tr = GuestSegment(
        name: "tr", selector: .guestTRSelector, base: .guestTRBase, limit: .guestTRLimit, access: .guestTRARBytes)

    static let guest: EntryCheckArea = .guestState(qualification: 0)

    static func usable(_ s: GuestSegment, _ v: EntryInputs) -> Bool { v[s.access] & 1 << 16 == 0 }

    /// Access-rights checks every usable code or data segment shares: S, P, reserved bits and granularity.
    static func commonAccess(_ s: GuestSegment, needsUsable: Bool) -> [EntryCheck] {
        func check(_ what: String, _ complaint: @escaping @Sendable (UInt64, EntryInputs) -> String?) -> EntryCheck {
            EntryCheck("guest.\(s.name).access.\(what)", .guestSegments, s.access, guest) {
                guard !needsUsable || usable(s, $0) else { return nil }
                return complaint($0[s.access], $0)
            }
        }
        return [
            check("s") { a, _ in a & 1 << 4 == 0 ? "is a system descriptor (S, bit 4, clear)" : nil },
            check("present") { a, _ in a & 1 << 7 == 0 ? "is not present (P, bit 7, clear)" : nil },
            check("reserved") { a, _ in a & 0xFFFE_0F00 != 0 ? "sets reserved \(Bits.list(a & 0xFFFE_0F00))" : nil },
            granularity(s, a: { a, _ in a }),
        ]
    }

    /// The limit and G agree: a limit with bits 11:0 not all 1 needs G clear; one with bits 31:20 set needs G set.
    static func granularity(_ s: GuestSegment, a: @escaping @Sendable (UInt64, EntryInputs) -> UInt64) -> EntryCheck {
        EntryCheck("guest.\(s.name).access.granularity", .guestSegments, s.access, guest) {
            if s.name != "cs" && s.name != "tr" && !usable(s, $0) { return nil }
            let limit = $0[s.limit], g = $0[s.access] & 1 << 15 != 0
            if limit & 0xFFF != 0xFFF && g { return "sets G with limit \(Bits.hex(limit)), whose bits 11:0 are not all 1" }
            if limit >> 20 != 0 && !g { return "clears G with limit \(Bits.hex(limit)), which sets bits 31:20" }
            return nil
        }
    }

    static let controlRegisterChecks: [EntryCheck] = [
        EntryCheck("guest.cr0.fixed-bits", .guestControlRegisters, .guestCR0, guest) {
            Bits.fixed($0[.guestCR0], mustBeOne: VMXCapabilities.cr0Fixed0, mayBeOne: VMXCapabilities.cr0Fixed1)
        },
        EntryCheck("guest.cr0.pg-without-pe", .guestControlRegisters, .guestCR0, guest) {
            $0[.guestCR0] & CR0.pg != 0 && $0[.guestCR0] & CR0.pe == 0 ? "has PG set and PE clear" : nil
        },
        EntryCheck("guest.cr4.fixed-bits", .guestControlRegisters, .guestCR4, guest) {
            Bits.fixed($0[.guestCR4], mustBeOne: VMXCapabilities.cr4Fixed0, mayBeOne: VMXCapabilities.cr4Fixed1)
        },
        EntryCheck("guest.debugctl.reserved", .guestControlRegisters, .guestIA32Debugctl, guest) {
            guard $0.has(entry: EntryControls.loadDebugControls) else { return nil }
            let bits = $0[.guestIA32Debugctl] & ~VMXCapabilities.debugctlWritable
            return bits == 0 ? nil : "sets reserved \(Bits.list(bits))"
        },
        EntryCheck("guest.ia32e-mode.paging", .guestControlRegisters, .guestCR0, guest) {
            guard $0.ia32eModeGuest else { return nil }
            if $0[.guestCR0] & CR0.pg == 0 { return "has PG clear with the IA-32e mode guest entry control set" }
            if $0[.guestCR4] & CR4.pae == 0 { return "is paired with GUEST_CR4 PAE clear under the IA-32e mode guest control" }
            return nil
        },
        EntryCheck("guest.cr4.pcide-outside-ia32e", .guestControlRegisters, .guestCR4, guest) {
            !$0.ia32eModeGuest && $0[.guestCR4] & CR4.pcide != 0 ? "sets PCIDE outside IA-32e mode" : nil
        },
        EntryCheck("guest.cr3.reserved", .guestControlRegisters, .guestCR3, guest) {
            Bits.beyondPhysical($0[.guestCR3]) != 0 ? "sets bits beyond the physical-address width (\(CPU.physicalAddressBits) bits)" : nil
        },
        EntryCheck("guest.dr7.reserved", .guestControlRegisters, .guestDR7, guest) {
            $0.has(entry: EntryControls.loadDebugControls) && $0[.guestDR7] >> 32 != 0 ? "sets bits 63:32" : nil
        },
        EntryCheck("guest.sysenter-esp.canonical", .guestControlRegisters, .guestSysenterESP, guest) {
            canonical($0[.guestSysenterESP])
        },
        EntryCheck("guest.sysenter-eip.canonical", .guestControlRegisters, .guestSysenterEIP, guest) {
            canonical($0[.guestSysenterEIP])
        },
        EntryCheck("guest.perf-global-ctrl.reserved", .guestControlRegisters, .guestIA32PerfGlobalCtrl, guest) {
            $0.has(entry: EntryControls.loadPerfGlobalCtrl) && $0[.guestIA32PerfGlobalCtrl] & ~CPU.perfGlobalControlWritable != 0
                ? "sets bits reserved in IA32_PERF_GLOBAL_CTRL (only bit 32, fixed counter 0, exists)" : nil
        },
        EntryCheck("guest.pat.memory-types", .guestControlRegisters, .guestIA32PAT, guest) {
            $0.has(entry: EntryControls.loadPAT) && !Bits.isValidPAT($0[.guestIA32PAT])
                ? "has a byte that is not a memory type (0, 1, 4, 5, 6 or 7)" : nil
        },
        EntryCheck("guest.efer", .guestControlRegisters, .guestIA32EFER, guest) {
            guard $0.has(entry: EntryControls.loadEFER) else { return nil }
            return efer(
                $0[.guestIA32EFER], lma: $0.ia32eModeGuest, control: "the IA-32e mode guest entry control",
                pagingOn: $0[.guestCR0] & CR0.pg != 0)
        },
    ]

    static let segmentChecks: [EntryCheck] =
        [
            EntryCheck("guest.tr.selector.ti", .guestSegments, .guestTRSelector, guest) {
                $0[.guestTRSelector] & 4 != 0 ? "has TI set (the TSS descriptor must be in the GDT)" : nil
            },
            EntryCheck("guest.ldtr.selector.ti", .guestSegments, .guestLDTRSelector, guest) {
                usable(ldtr, $0) && $0[.guestLDTRSelector] & 4 != 0 ? "has TI set (the LDT descriptor must be in the GDT)" : nil
            },
            EntryCheck("guest.ss.selector.rpl", .guestSegments, .guestSSSelector, guest) {
                $0[.guestSSSelector] & 3 != $0[.guestCSSelector] & 3
                    ? "has RPL \($0[.guestSSSelector] & 3), but GUEST_CS_SELECTOR has RPL \($0[.guestCSSelector] & 3)" : nil
            },
        ]
        + [tr, fs, gs].map { s in
            EntryCheck("guest.\(s.name).base.canonical", .guestSegments, s.base, guest) { canonical($0[s.base]) }
        }
        + [
            EntryCheck("guest.ldtr.base.canonical", .guestSegments, .guestLDTRBase, guest) {
                usable(ldtr, $0) ? canonical($0[.guestLDTRBase]) : nil
            }
        ]
        + [cs, ss, ds, es].map { s in
            EntryCheck("guest.\(s.name).base.upper", .guestSegments, s.base, guest) {
                guard s.name == "cs" || usable(s, $0) else { return nil }
                return $0[s.base] >> 32 != 0 ? "sets bits 63:32" : nil
            }
        }
        + [
            EntryCheck("guest.cs.access.type", .guestSegments, .guestCSARBytes, guest) {
                $0[.guestCSARBytes] & 9 == 9  // types 9, 11, 13, 15
                    ? nil : "has type \($0[.guestCSARBytes] & 0xF); CS must be an accessed code segment (9, 11, 13 or 15)"
            },
            EntryCheck("guest.ss.access.type", .guestSegments, .guestSSARBytes, guest) {
                guard usable(ss, $0) else { return nil }
                return $0[.guestSSARBytes] & 0xB == 3  // types 3, 7
                    ? nil : "has type \($0[.guestSSARBytes] & 0xF); SS must be an accessed, writable data segment (3 or 7)"
            },
        ]
        + [ds, es, fs, gs].map { s in
            EntryCheck("guest.\(s.name).access.type", .guestSegments, s.access, guest) {
                guard usable(s, $0) else { return nil }
                let type = $0[s.access] & 0xF
                if type & 1 == 0 { return "has type \(type), not accessed (bit 0 must be 1)" }
                if type & 8 != 0 && type & 2 == 0 { return "has type \(type), an execute-only code segment" }
                return nil
            }
        }
        + [
            EntryCheck("guest.cs.access.dpl", .guestSegments, .guestCSARBytes, guest) {
                let type = $0[.guestCSARBytes] & 0xF, dpl = $0[.guestCSARBytes] >> 5 & 3, ssDPL = $0[.guestSSARBytes] >> 5 & 3
                if (type == 9 || type == 11) && dpl != ssDPL {
                    return "has DPL \(dpl) for a non-conforming segment, but SS has DPL \(ssDPL)"
                }
                if (type == 13 || type == 15) && dpl > ssDPL { return "has DPL \(dpl) for a conforming segment, above SS's DPL \(ssDPL)" }
                return nil
            },
            EntryCheck("guest.ss.access.dpl", .guestSegments, .guestSSARBytes, guest) {
                let dpl = $0[.guestSSARBytes] >> 5 & 3, rpl = $0[.guestSSSelector] & 3
                return dpl == rpl ? nil : "has DPL \(dpl), but the selector's RPL is \(rpl)"
            },
        ]
        + [ds, es, fs, gs].map { s in
            EntryCheck("guest.\(s.name).access.dpl", .guestSegments, s.access, guest) {
                guard usable(s, $0), $0[s.access] & 0xF <= 11 else { return nil }
                let dpl = $0[s.access] >> 5 & 3, rpl = $0[s.selector] & 3
                return dpl >= rpl ? nil : "has DPL \(dpl), below the selector's RPL \(rpl)"
            }
        }
        + commonAccess(cs, needsUsable: false)
        + [
            EntryCheck("guest.cs.access.long-mode", .guestSegments, .guestCSARBytes, guest) {
                $0.ia32eModeGuest && $0[.guestCSARBytes] & 1 << 13 != 0 && $0[.guestCSARBytes] & 1 << 14 != 0
                    ? "sets both L (bit 13) and D/B (bit 14)" : nil
            },
            EntryCheck("guest.cs.access.unusable", .guestSegments, .guestCSARBytes, guest) {
                usable(cs, $0) ? nil : "marks CS unusable (bit 16)"
            },
        ]
        + [ss, ds, es, fs, gs].flatMap { commonAccess($0, needsUsable: true) }
        + [
            EntryCheck("guest.tr.access.type", .guestSegments, .guestTRARBytes, guest) {
                $0[.guestTRARBytes] & 0xF == 11
                    ? nil : "has type \($0[.guestTRARBytes] & 0xF); in IA-32e mode TR must be a busy 64-bit TSS (11)"
            },
            EntryCheck("guest.tr.access.s", .guestSegments, .guestTRARBytes, guest) {
                $0[.guestTRARBytes] & 1 << 4 != 0 ? "sets S (bit 4); a TSS is a system descriptor" : nil
            },
            EntryCheck("guest.tr.access.present", .guestSegments, .guestTRARBytes, guest) {
                $0[.guestTRARBytes] & 1 << 7 == 0 ? "is not present (P, bit 7, clear)" : nil
            },
            EntryCheck("guest.tr.access.reserved", .guestSegments, .guestTRARBytes, guest) {
                $0[.guestTRARBytes] & 0xFFFE_0F00 != 0 ? "sets reserved \(Bits.list($0[.guestTRARBytes] & 0xFFFE_0F00))" : nil
            },
            granularity(tr, a: { a, _ in a }),
            EntryCheck("guest.tr.access.unusable", .guestSegments, .guestTRARBytes, guest) {
                usable(tr, $0) ? nil : "marks TR unusable (bit 16)"
            },
            EntryCheck("guest.ldtr.access.type", .guestSegments, .guestLDTRARBytes, guest) {
                guard usable(ldtr, $0) else { return nil }
                let a = $0[.guestLDTRARBytes]
                if a & 0xF != 2 { return "has type \(a & 0xF); the LDT's type is 2" }
                if a & 1 << 4 != 0 { return "sets S (bit 4); an LDT is a system descriptor" }
                if a & 1 << 7 == 0 { return "is not present (P, bit 7, clear)" }
                if a & 0xFFFE_0F00 != 0 { return "sets reserved \(Bits.list(a & 0xFFFE_0F00))" }
                return nil
            },
            granularity(ldtr, a: { a, _ in a }),
        ]

    static let descriptorTableChecks: [EntryCheck] = [
        EntryCheck("guest.gdtr.base.canonical", .guestDescriptorTables, .guestGDTRBase, guest) { canonical($0[.guestGDTRBase]) },
        EntryCheck("guest.idtr.base.canonical", .guestDescriptorTables, .guestIDTRBase, guest) { canonical($0[.guestIDTRBase]) },
        EntryCheck("guest.gdtr.limit", .guestDescriptorTables, .guestGDTRLimit, guest) {
            $0[.guestGDTRLimit] >> 16 != 0 ? "sets bits 31:16" : nil
        },
        EntryCheck("guest.idtr.limit", .guestDescriptorTables, .guestIDTRLimit, guest) {
            $0[.guestIDTRLimit] >> 16 != 0 ? "sets bits 31:16" : nil
        },
    ]

    static let ripAndRFLAGSChecks: [EntryCheck] = [
        EntryCheck("guest.rip", .guestRIPAndRFLAGS, .guestRIP, guest) {
            if $0.ia32eModeGuest && $0[.guestCSARBytes] & 1 << 13 != 0 {
                return canonical($0[.guestRIP], la57: $0[.guestCR4] & CR4.la57 != 0)
            }
            return $0[.guestRIP] >> 32 != 0 ? "sets bits 63:32 outside 64-bit mode" : nil
        },
        EntryCheck("guest.rflags.reserved", .guestRIPAndRFLAGS, .guestRFLAGS, guest) {
            let value = $0[.guestRFLAGS]
            let reserved = value & (~0x3F_FFFF | 1 << 15 | 1 << 5 | 1 << 3)
            if reserved != 0 { return "sets reserved \(Bits.list(reserved))" }
            return nil
        },
        EntryCheck("guest.rflags.reserved-bit-1", .guestRIPAndRFLAGS, .guestRFLAGS, guest) {
            $0[.guestRFLAGS] & 2 == 0 ? "has bit 1 clear, which is always 1" : nil
        },
        EntryCheck("guest.rflags.vm", .guestRIPAndRFLAGS, .guestRFLAGS, guest) {
            $0.ia32eModeGuest && $0[.guestRFLAGS] & Flag.vm != 0 ? "sets VM (bit 17) in IA-32e mode" : nil
        },
        EntryCheck("guest.rflags.if-for-interrupt", .guestRIPAndRFLAGS, .guestRFLAGS, guest) {
            $0.injection?.type == 0 && $0[.guestRFLAGS] & Flag.if == 0 ? "has IF clear while an external interrupt is injected" : nil
        },
    ]

    static let nonRegisterChecks: [EntryCheck] = [
        EntryCheck("guest.activity-state", .guestNonRegisterState, .guestActivityState, guest) {
            $0[.guestActivityState] <= 1 ? nil : "is not an activity state IA32_VMX_MISC offers (0 active, 1 HLT)"
        },
        EntryCheck("guest.activity-state.hlt-dpl", .guestNonRegisterState, .guestActivityState, guest) {
            $0[.guestActivityState] == 1 && $0[.guestSSARBytes] >> 5 & 3 != 0 ? "is HLT while SS.DPL is not 0" : nil
        },
        EntryCheck("guest.activity-state.blocking", .guestNonRegisterState, .guestActivityState, guest) {
            $0[.guestActivityState] != 0 && $0[.guestInterruptibilityInfo] & 3 != 0
                ? "is not active while GUEST_INTERRUPTIBILITY_INFO blocks by STI or MOV SS" : nil
        },
        EntryCheck("guest.activity-state.injection", .guestNonRegisterState, .guestActivityState, guest) {
            guard $0[.guestActivityState] == 1, let event = $0.injection else { return nil }
            let allowed = event.type == 0 || event.type == 2 || (event.type == 3 && (event.vector == 1 || event.vector == 18))
            return allowed ? nil : "is HLT, and an event of type \(event.type) vector \(event.vector) cannot be injected into it"
        },
        EntryCheck("guest.interruptibility.reserved", .guestNonRegisterState, .guestInterruptibilityInfo, guest) {
            $0[.guestInterruptibilityInfo] >> 4 != 0 ? "sets reserved \(Bits.list($0[.guestInterruptibilityInfo] & ~0xF))" : nil
        },
        EntryCheck("guest.interruptibility.sti-and-mov-ss", .guestNonRegisterState, .guestInterruptibilityInfo, guest) {
            $0[.guestInterruptibilityInfo] & 3 == 3 ? "sets blocking by both STI and MOV SS" : nil
        },
        EntryCheck("guest.interruptibility.sti-without-if", .guestNonRegisterState, .guestInterruptibilityInfo, guest) {
            $0[.guestInterruptibilityInfo] & 1 != 0 && $0[.guestRFLAGS] & Flag.if == 0 ? "sets blocking by STI while RFLAGS.IF is 0" : nil
        },
        EntryCheck("guest.interruptibility.interrupt-injection", .guestNonRegisterState, .guestInterruptibilityInfo, guest) {
            $0.injection?.type == 0 && $0[.guestInterruptibilityInfo] & 3 != 0
                ? "blocks by STI or MOV SS while an external interrupt is injected" : nil
        },
        EntryCheck("guest.interruptibility.nmi-injection", .guestNonRegisterState, .guestInterruptibilityInfo, guest) {
            $0.injection?.type == 2 && $0[.guestInterruptibilityInfo] & 2 != 0 ? "blocks by MOV SS while an NMI is injected" : nil
        },
        EntryCheck("guest.interruptibility.smi", .guestNonRegisterState, .guestInterruptibilityInfo, guest) {
            $0[.guestInterruptibilityInfo] & 4 != 0 ? "sets blocking by SMI outside SMM" : nil
        },
        EntryCheck("guest.interruptibility.virtual-nmi-injection", .guestNonRegisterState, .guestInterruptibilityInfo, guest) {
            $0.has(pin: Pin.virtualNMIs) && $0.injection?.type == 2 && $0[.guestInterruptibilityInfo] & 8 != 0
                ? "blocks by NMI while a virtual NMI is injected" : nil
        },
        EntryCheck(
            "guest.interruptibility.nmi-with-sti", .guestNonRegisterState, .guestInterruptibilityInfo,
            .guestState(qualification: 3)
        ) {
            $0.injection?.type == 2 && $0[.guestInterruptibilityInfo] & 1 != 0 ? "blocks by STI while an NMI is injected" : nil
        },
        EntryCheck("guest.pending-debug.reserved", .guestNonRegisterState, .guestPendingDBGExceptions, guest) {
            let bits = $0[.guestPendingDBGExceptions] & ~0x1_500F
            return bits == 0 ? nil : "sets reserved \(Bits.list(bits))"
        },
        EntryCheck("guest.pending-debug.bs", .guestNonRegisterState, .guestPendingDBGExceptions, guest) {
            guard $0[.guestInterruptibilityInfo] & 3 != 0 || $0[.guestActivityState] == 1 else { return nil }
            let btf = $0.has(entry: EntryControls.loadDebugControls) && $0[.guestIA32Debugctl] & 2 != 0
            let wanted = $0[.guestRFLAGS] & Flag.tf != 0 && !btf
            let bs = $0[.guestPendingDBGExceptions] & 1 << 14 != 0
            if bs == wanted { return nil }
            return wanted
                ? "has BS (bit 14) clear while RFLAGS.TF is 1 and blocking or HLT holds the trap"
                : "has BS (bit 14) set while no single step is pending (RFLAGS.TF 0 or DEBUGCTL.BTF 1)"
        },
        EntryCheck("guest.link-pointer", .guestNonRegisterState, .vmcsLinkPointer, .guestState(qualification: 4)) {
            let pointer = $0[.vmcsLinkPointer]
            guard pointer != .max else { return nil }
            if pointer & 0xFFF != 0 || Bits.beyondPhysical(pointer) != 0 {
                return "is neither all ones nor a 4 KiB-aligned address within the physical-address width"
            }
            guard let word = $0.readWord(pointer) else { return "points outside the guest hypervisor's memory" }
            if word & 0x7FFF_FFFF != VMXCapabilities.revisionIdentifier {
                return
                    "points to a region with revision \(Bits.hex(UInt64(word & 0x7FFF_FFFF))), not \(Bits.hex(UInt64(VMXCapabilities.revisionIdentifier)))"
            }
            return word >> 31 != 0 ? "points to a shadow VMCS, and VMCS shadowing is not offered" : nil
        },
    ]

    static let guestChecks: [EntryCheck] =
        controlRegisterChecks + segmentChecks + descriptorTableChecks + ripAndRFLAGSChecks + nonRegisterChecks
}
