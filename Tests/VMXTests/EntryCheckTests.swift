import TestSupport
import Testing
import VMX
import X86

/// Every VM-entry check, each failed by one broken field of an otherwise valid VMCS (SDM vol. 3, "VM Entries").
/// The checks are pure functions of the VMCS, so they are tested here without a processor; NestedVMXTests checks
/// the architectural outcome of a failure through a machine.
@Suite struct EntryCheckTests {
    typealias Primary = ExecutionControls.Primary
    typealias Secondary = ExecutionControls.Secondary
    typealias Pin = ExecutionControls.PinBased

    static func allowed(_ msr: UInt32) -> (mustBeOne: UInt64, mayBeOne: UInt64) {
        let value = VMXCapabilities.value(of: msr)!
        return (value & 0xFFFF_FFFF, value >> 32)
    }

    /// The VMCS an L1 builds for a 64-bit L2 on flat segments, which passes every check.
    static let valid: VMCS12 = {
        var v = VMCS12()
        typealias N = VMXCapabilities.MSRNumber
        v[.pinBasedVMExecControl] = allowed(N.truePinBased).mustBeOne
        v[.cpuBasedVMExecControl] = allowed(N.trueProcBased).mustBeOne | UInt64(Primary.activateSecondary)
        v[.secondaryVMExecControl] = 0
        v[.vmExitControls] = allowed(N.trueExit).mustBeOne
        v[.vmEntryControls] = allowed(N.trueEntry).mustBeOne
        v[.vmcsLinkPointer] = .max
        let cr0 = CR0.pe | CR0.et | CR0.ne | CR0.pg, cr4 = CR4.pae | CR4.vmxe
        (v[.hostCR0], v[.hostCR3], v[.hostCR4]) = (cr0, 0x10000, cr4)
        (v[.guestCR0], v[.guestCR3], v[.guestCR4]) = (cr0, 0x10000, cr4)
        for f in [VMCSField.hostSSSelector, .hostDSSelector, .hostESSelector, .hostFSSelector, .hostGSSelector] { v[f] = 0x10 }
        (v[.hostCSSelector], v[.hostTRSelector], v[.hostTRBase]) = (0x08, 0x18, 0x4080)
        (v[.hostGDTRBase], v[.hostIDTRBase], v[.hostRSP], v[.hostRIP]) = (0x4000, 0x5000, 0x90000, 0x10_0000)
        (v[.guestCSSelector], v[.guestCSLimit], v[.guestCSARBytes]) = (0x08, 0xFFFF_FFFF, 0xA09B)
        for (s, l, a) in [
            (VMCSField.guestSSSelector, VMCSField.guestSSLimit, VMCSField.guestSSARBytes),
            (.guestDSSelector, .guestDSLimit, .guestDSARBytes), (.guestESSelector, .guestESLimit, .guestESARBytes),
            (.guestFSSelector, .guestFSLimit, .guestFSARBytes), (.guestGSSelector, .guestGSLimit, .guestGSARBytes),
        ] { (v[s], v[l], v[a]) = (0x10, 0xFFFF_FFFF, 0xC093) }
        (v[.guestTRSelector], v[.guestTRBase], v[.guestTRLimit], v[.guestTRARBytes]) = (0x18, 0x4080, 0x67, 0x8B)
        v[.guestLDTRARBytes] = 0x1_0000
        (v[.guestGDTRBase], v[.guestGDTRLimit], v[.guestIDTRBase], v[.guestIDTRLimit]) = (0x4000, 0x27, 0x5000, 0xFFF)
        (v[.guestRFLAGS], v[.guestRSP], v[.guestRIP]) = (2, 0x80000, 0x10_1000)
        return v
    }()

    struct Case: CustomTestStringConvertible, Sendable {
        var id: String
        /// A check earlier in the SDM's order that the same broken field fails first, if any: the case's check is
        /// then evaluated on its own.
        var shadowedBy: String? = nil
        var inIA32eMode = true
        var breakIt: @Sendable (inout VMCS12) -> Void
        var testDescription: String { id }
    }

    static func c(_ id: String, shadowedBy: String? = nil, inIA32eMode: Bool = true, _ breakIt: @escaping @Sendable (inout VMCS12) -> Void)
        -> Case
    {
        Case(id: id, shadowedBy: shadowedBy, inIA32eMode: inIA32eMode, breakIt: breakIt)
    }

    static func on(_ v: inout VMCS12, secondary bits: UInt32) { v[.secondaryVMExecControl] = UInt64(bits) }
    static func inject(_ v: inout VMCS12, _ info: UInt64) { v[.vmEntryIntrInfoField] = 1 << 31 | info }
    static let ept: @Sendable (inout VMCS12) -> Void = { v in
        v[.secondaryVMExecControl] = UInt64(Secondary.enableEPT)
        v[.eptPointer] = 0x30_0000 | 3 << 3 | 6
    }

    static let segments: [(String, VMCSField, VMCSField, VMCSField, VMCSField)] = [
        ("es", .guestESSelector, .guestESBase, .guestESLimit, .guestESARBytes),
        ("cs", .guestCSSelector, .guestCSBase, .guestCSLimit, .guestCSARBytes),
        ("ss", .guestSSSelector, .guestSSBase, .guestSSLimit, .guestSSARBytes),
        ("ds", .guestDSSelector, .guestDSBase, .guestDSLimit, .guestDSARBytes),
        ("fs", .guestFSSelector, .guestFSBase, .guestFSLimit, .guestFSARBytes),
        ("gs", .guestGSSelector, .guestGSBase, .guestGSLimit, .guestGSARBytes),
        ("tr", .guestTRSelector, .guestTRBase, .guestTRLimit, .guestTRARBytes),
    ]

    static let controlCases: [Case] = [
        c("controls.pin-based.reserved") { $0[.pinBasedVMExecControl] |= 1 << 7 },
        c("controls.primary.reserved") { $0[.cpuBasedVMExecControl] |= UInt64(Primary.useTPRShadow) },
        c("controls.secondary.reserved") { on(&$0, secondary: Secondary.unrestrictedGuest) },
        c("controls.cr3-target-count") { $0[.cr3TargetCount] = 5 },
        c("controls.io-bitmap-a.address") {
            $0[.cpuBasedVMExecControl] |= UInt64(Primary.useIOBitmaps); $0[.ioBitmapA] = 0x1234
        },
        c("controls.io-bitmap-b.address") {
            $0[.cpuBasedVMExecControl] |= UInt64(Primary.useIOBitmaps); $0[.ioBitmapB] = 1 << 50
        },
        c("controls.msr-bitmap.address") {
            $0[.cpuBasedVMExecControl] |= UInt64(Primary.useMSRBitmaps); $0[.msrBitmap] = 0x800
        },
        c("controls.virtual-nmis.without-nmi-exiting") { $0[.pinBasedVMExecControl] |= UInt64(Pin.virtualNMIs) },
        c("controls.nmi-window.without-virtual-nmis") { $0[.cpuBasedVMExecControl] |= UInt64(Primary.nmiWindowExiting) },
        c("controls.vpid.zero") { on(&$0, secondary: Secondary.enableVPID) },
        c("controls.ept-pointer.memory-type") {
            ept(&$0); $0[.eptPointer] = $0[.eptPointer] & ~7 | 1
        },
        c("controls.ept-pointer.walk-length") {
            ept(&$0); $0[.eptPointer] = $0[.eptPointer] & ~0x38 | 4 << 3
        },
        c("controls.ept-pointer.reserved") {
            ept(&$0); $0[.eptPointer] |= 1 << 8
        },
        c("controls.exit.reserved") { $0[.vmExitControls] |= 1 << 24 },
        c("controls.exit.save-preemption-timer") { $0[.vmExitControls] |= UInt64(ExitControls.savePreemptionTimer) },
        c("controls.exit.msr-store.address") {
            $0[.vmExitMSRStoreCount] = 1; $0[.vmExitMSRStoreAddr] = 0x1008
        },
        c("controls.exit.msr-load.address") {
            $0[.vmExitMSRLoadCount] = 2; $0[.vmExitMSRLoadAddr] = (1 << 46) - 16
        },
        c("controls.entry.reserved") { $0[.vmEntryControls] |= 1 << 10 },
        c("controls.entry.interruption.type") { inject(&$0, 1 << 8 | 3) },
        c("controls.entry.interruption.error-code") { inject(&$0, 3 << 8 | 13) },
        c("controls.entry.interruption.reserved") { inject(&$0, 1 << 12 | 0x20) },
        c("controls.entry.exception-error-code.reserved") {
            inject(&$0, 1 << 11 | 3 << 8 | 13); $0[.vmEntryExceptionErrorCode] = 1 << 16
        },
        c("controls.entry.instruction-length") {
            inject(&$0, 4 << 8 | 0x80); $0[.vmEntryInstructionLen] = 0
        },
        c("controls.entry.msr-load.address") {
            $0[.vmEntryMSRLoadCount] = 1; $0[.vmEntryMSRLoadAddr] = 0x1001
        },
    ]

    static let hostCases: [Case] =
        [
            c("host.cr0.fixed-bits") { $0[.hostCR0] &= ~CR0.ne },
            c("host.cr4.fixed-bits") { $0[.hostCR4] &= ~CR4.vmxe },
            c("host.cr3.reserved") { $0[.hostCR3] |= 1 << 50 },
            c("host.sysenter-esp.canonical") { $0[.hostIA32SysenterESP] = 1 << 57 },
            c("host.sysenter-eip.canonical") { $0[.hostIA32SysenterEIP] = 1 << 60 },
            c("host.perf-global-ctrl.reserved") {
                $0[.vmExitControls] |= UInt64(ExitControls.loadPerfGlobalCtrl); $0[.hostIA32PerfGlobalCtrl] = 1
            },
            c("host.pat.memory-types") {
                $0[.vmExitControls] |= UInt64(ExitControls.loadPAT); $0[.hostIA32PAT] = 2
            },
            c("host.efer") {
                $0[.vmExitControls] |= UInt64(ExitControls.loadEFER); $0[.hostIA32EFER] = EFER.lme
            },
        ]
        + [
            ("es", VMCSField.hostESSelector), ("cs", .hostCSSelector), ("ss", .hostSSSelector), ("ds", .hostDSSelector),
            ("fs", .hostFSSelector), ("gs", .hostGSSelector), ("tr", .hostTRSelector),
        ].map { name, field in c("host.\(name).selector.rpl-ti") { $0[field] |= 3 } }
        + [
            c("host.cs.selector.null") { $0[.hostCSSelector] = 0 },
            c("host.tr.selector.null") { $0[.hostTRSelector] = 0 },
            c("host.fs.base.canonical") { $0[.hostFSBase] = 1 << 57 },
            c("host.gs.base.canonical") { $0[.hostGSBase] = 1 << 58 },
            c("host.gdtr.base.canonical") { $0[.hostGDTRBase] = 1 << 57 },
            c("host.idtr.base.canonical") { $0[.hostIDTRBase] = 1 << 57 },
            c("host.tr.base.canonical") { $0[.hostTRBase] = 1 << 57 },
            c("host.address-space-size", inIA32eMode: false) { _ in },
            c("host.cr4.pae", shadowedBy: "host.cr4.fixed-bits") {
                $0[.hostCR4] &= ~CR4.pae; $0[.hostCR4] |= 1 << 40
            },
            c("host.rip.canonical") { $0[.hostRIP] = 0x0000_8000_0000_0000 },
        ]

    static let guestCases: [Case] =
        [
            c("guest.cr0.fixed-bits") { $0[.guestCR0] &= ~CR0.pe },
            c("guest.cr0.pg-without-pe", shadowedBy: "guest.cr0.fixed-bits") { $0[.guestCR0] &= ~CR0.pe },
            c("guest.cr4.fixed-bits") { $0[.guestCR4] &= ~CR4.vmxe },
            c("guest.debugctl.reserved") {
                $0[.vmEntryControls] |= UInt64(EntryControls.loadDebugControls); $0[.guestIA32Debugctl] = 1 << 2
            },
            c("guest.ia32e-mode.paging") { $0[.guestCR4] &= ~CR4.pae },
            c("guest.cr4.pcide-outside-ia32e", shadowedBy: "controls.entry.reserved") {
                $0[.vmEntryControls] &= ~UInt64(EntryControls.ia32eModeGuest); $0[.guestCR4] |= CR4.pcide
            },
            c("guest.cr3.reserved") { $0[.guestCR3] |= 1 << 63 },
            c("guest.dr7.reserved") {
                $0[.vmEntryControls] |= UInt64(EntryControls.loadDebugControls); $0[.guestDR7] = 1 << 32
            },
            c("guest.sysenter-esp.canonical") { $0[.guestSysenterESP] = 1 << 57 },
            c("guest.sysenter-eip.canonical") { $0[.guestSysenterEIP] = 1 << 57 },
            c("guest.perf-global-ctrl.reserved") {
                $0[.vmEntryControls] |= UInt64(EntryControls.loadPerfGlobalCtrl); $0[.guestIA32PerfGlobalCtrl] = 1 << 33 | 1 << 32
            },
            c("guest.pat.memory-types") {
                $0[.vmEntryControls] |= UInt64(EntryControls.loadPAT); $0[.guestIA32PAT] = 3 << 8
            },
            c("guest.efer") {
                $0[.vmEntryControls] |= UInt64(EntryControls.loadEFER); $0[.guestIA32EFER] = EFER.lme
            },
            c("guest.tr.selector.ti") { $0[.guestTRSelector] |= 4 },
            c("guest.ldtr.selector.ti") {
                $0[.guestLDTRARBytes] = 0x82; $0[.guestLDTRSelector] = 0x24
            },
            c("guest.ss.selector.rpl") { $0[.guestSSSelector] |= 3 },
            c("guest.tr.base.canonical") { $0[.guestTRBase] = 1 << 57 },
            c("guest.fs.base.canonical") { $0[.guestFSBase] = 1 << 57 },
            c("guest.gs.base.canonical") { $0[.guestGSBase] = 1 << 57 },
            c("guest.ldtr.base.canonical") {
                $0[.guestLDTRARBytes] = 0x82; $0[.guestLDTRBase] = 1 << 57
            },
            c("guest.cs.base.upper") { $0[.guestCSBase] = 1 << 32 },
            c("guest.ss.base.upper") { $0[.guestSSBase] = 1 << 32 },
            c("guest.ds.base.upper") { $0[.guestDSBase] = 1 << 32 },
            c("guest.es.base.upper") { $0[.guestESBase] = 1 << 32 },
            c("guest.cs.access.type") { $0[.guestCSARBytes] = $0[.guestCSARBytes] & ~0xF | 0xA },
            c("guest.ss.access.type") { $0[.guestSSARBytes] = $0[.guestSSARBytes] & ~0xF | 0x1 },
        ]
        + ["ds", "es", "fs", "gs"].map { name in
            let access = segments.first { $0.0 == name }!.4
            return c("guest.\(name).access.type") { $0[access] = $0[access] & ~0xF | 0x2 }
        }
        + [
            c("guest.cs.access.dpl") { $0[.guestCSARBytes] |= 3 << 5 },
            c("guest.ss.access.dpl", shadowedBy: "guest.cs.access.dpl") { $0[.guestSSARBytes] |= 3 << 5 },
        ]
        + ["ds", "es", "fs", "gs"].map { name in
            let s = segments.first { $0.0 == name }!
            return c("guest.\(name).access.dpl") { $0[s.1] |= 3 }
        }
        + ["cs", "ss", "ds", "es", "fs", "gs"].flatMap { name -> [Case] in
            let s = segments.first { $0.0 == name }!
            var cases = [
                c("guest.\(name).access.s") { $0[s.4] &= ~(1 << 4) },
                c("guest.\(name).access.present") { $0[s.4] &= ~(1 << 7) },
                c("guest.\(name).access.reserved") { $0[s.4] |= 1 << 9 },
                c("guest.\(name).access.granularity") { $0[s.3] = 0xFFFF_F000 },
            ]
            if name == "cs" {
                cases += [
                    c("guest.cs.access.long-mode") { $0[.guestCSARBytes] |= 1 << 14 },
                    c("guest.cs.access.unusable") { $0[.guestCSARBytes] |= 1 << 16 },
                ]
            }
            return cases
        }
        + [
            c("guest.tr.access.type") { $0[.guestTRARBytes] = 0x89 },
            c("guest.tr.access.s") { $0[.guestTRARBytes] |= 1 << 4 },
            c("guest.tr.access.present") { $0[.guestTRARBytes] &= ~(1 << 7) },
            c("guest.tr.access.reserved") { $0[.guestTRARBytes] |= 1 << 20 },
            c("guest.tr.access.granularity") { $0[.guestTRLimit] = 0x10_0000 },
            c("guest.tr.access.unusable") { $0[.guestTRARBytes] |= 1 << 16 },
            c("guest.ldtr.access.type") { $0[.guestLDTRARBytes] = 0x83 },
            c("guest.ldtr.access.granularity") {
                $0[.guestLDTRARBytes] = 0x8082; $0[.guestLDTRLimit] = 0x10
            },
            c("guest.gdtr.base.canonical") { $0[.guestGDTRBase] = 1 << 57 },
            c("guest.idtr.base.canonical") { $0[.guestIDTRBase] = 1 << 57 },
            c("guest.gdtr.limit") { $0[.guestGDTRLimit] = 0x1_0000 },
            c("guest.idtr.limit") { $0[.guestIDTRLimit] = 0x1_0000 },
            c("guest.rip") { $0[.guestRIP] = 1 << 47 },
            c("guest.rflags.reserved") { $0[.guestRFLAGS] |= 1 << 15 },
            c("guest.rflags.reserved-bit-1") { $0[.guestRFLAGS] = 0 },
            c("guest.rflags.vm") { $0[.guestRFLAGS] |= Flag.vm },
            c("guest.rflags.if-for-interrupt") { inject(&$0, 0x20) },
            c("guest.activity-state") { $0[.guestActivityState] = 2 },
            c("guest.activity-state.hlt-dpl", shadowedBy: "guest.ss.selector.rpl") {
                $0[.guestActivityState] = 1; $0[.guestSSARBytes] |= 3 << 5; $0[.guestSSSelector] |= 3
            },
            c("guest.activity-state.blocking") {
                $0[.guestActivityState] = 1; $0[.guestInterruptibilityInfo] = 2
            },
            c("guest.activity-state.injection") {
                $0[.guestActivityState] = 1; inject(&$0, 3 << 8 | 6)
            },
            c("guest.interruptibility.reserved") { $0[.guestInterruptibilityInfo] = 1 << 4 },
            c("guest.interruptibility.sti-and-mov-ss") {
                $0[.guestRFLAGS] |= Flag.if; $0[.guestInterruptibilityInfo] = 3
            },
            c("guest.interruptibility.sti-without-if") { $0[.guestInterruptibilityInfo] = 1 },
            c("guest.interruptibility.interrupt-injection") {
                $0[.guestRFLAGS] |= Flag.if; $0[.guestInterruptibilityInfo] = 2; inject(&$0, 0x20)
            },
            c("guest.interruptibility.nmi-injection") {
                $0[.guestInterruptibilityInfo] = 2; inject(&$0, 2 << 8 | 2)
            },
            c("guest.interruptibility.smi") { $0[.guestInterruptibilityInfo] = 4 },
            c("guest.interruptibility.virtual-nmi-injection") {
                $0[.pinBasedVMExecControl] |= UInt64(Pin.virtualNMIs | Pin.nmiExiting); $0[.guestInterruptibilityInfo] = 8;
                inject(&$0, 2 << 8 | 2)
            },
            c("guest.interruptibility.nmi-with-sti") {
                $0[.guestRFLAGS] |= Flag.if; $0[.guestInterruptibilityInfo] = 1; inject(&$0, 2 << 8 | 2)
            },
            c("guest.pending-debug.reserved") { $0[.guestPendingDBGExceptions] = 1 << 4 },
            c("guest.pending-debug.bs") {
                $0[.guestRFLAGS] |= Flag.tf | Flag.if; $0[.guestInterruptibilityInfo] = 1
            },
            c("guest.link-pointer") { $0[.vmcsLinkPointer] = 0x5000 },
        ]

    static let cases = controlCases + hostCases + guestCases

    static func inputs(_ v: VMCS12, inIA32eMode: Bool = true) -> EntryInputs {
        // The only region the link pointer may name here holds another revision.
        EntryInputs(vmcs: v, inIA32eMode: inIA32eMode, readWord: { $0 == 0x5000 ? 0x1234 : nil })
    }

    @Test("The valid VMCS passes every check")
    func validPasses() {
        #expect(EntryCheck.firstFailure(Self.inputs(Self.valid)) == nil)
    }

    @Test("Every check has one identifier, and a case here that fails it")
    func everyCheckIsCovered() {
        let ids = EntryCheck.all.map(\.id)
        #expect(Set(ids).count == ids.count, "identifiers are unique")
        #expect(Set(ids) == Set(Self.cases.map(\.id)), "cases and checks name the same identifiers")
    }

    @Test("One broken field fails its check first (or, where an earlier check sees the same field, that one)", arguments: cases)
    func brokenField(_ c: Case) throws {
        var v = Self.valid
        c.breakIt(&v)
        let inputs = Self.inputs(v, inIA32eMode: c.inIA32eMode)
        let first = try #require(EntryCheck.firstFailure(inputs))
        #expect(first.id == (c.shadowedBy ?? c.id))
        let check = try #require(EntryCheck.all.first { $0.id == c.id })
        let alone = try #require(check.evaluate(inputs), "the check fails on its own")
        #expect(alone.diagnostic.hasPrefix("\(c.id) (SDM \(check.section.number) \"\(check.section.title)\"): \(check.field.name) = 0x"))
    }

    @Test("The diagnostic names the check, its section, the field, its value and what is wrong")
    func diagnostic() throws {
        var v = Self.valid
        v[.guestCR0] = 0x8000_0011
        let failure = try #require(EntryCheck.firstFailure(Self.inputs(v)))
        #expect(
            failure.diagnostic
                == "guest.cr0.fixed-bits (SDM 27.3.1.1 \"Checks on Guest Control Registers, Debug Registers, and MSRs\"): GUEST_CR0 = 0x80000011 has bit 5 clear, which must be 1"
        )
        #expect(failure.result == .failureExit(reason: ExitReason.entryFailureGuestState, qualification: 0))
    }

    @Test("IA32_DEBUGCTL: loaded with DR7 under load debug controls, saved under save debug controls, 0 after an exit")
    func debugControlsTransfer() {
        var v = Self.valid
        (v[.guestDR7], v[.guestIA32Debugctl]) = (0x401, 0x3)
        var state = CPUState()
        state.msrs.debugctl = 0x1
        v[.vmEntryControls] &= ~UInt64(EntryControls.loadDebugControls)
        StateTransfer.loadGuest(v, into: &state)
        #expect(state.debugctl == 0x1, "kept without load debug controls")
        v[.vmEntryControls] |= UInt64(EntryControls.loadDebugControls)
        StateTransfer.loadGuest(v, into: &state)
        #expect(state.dr7 == 0x401 && state.debugctl == 0x3)
        state.debugctl = 0x2
        v[.vmExitControls] |= UInt64(ExitControls.saveDebugControls)
        StateTransfer.saveGuest(state, into: &v)
        #expect(v[.guestIA32Debugctl] == 0x2)
        StateTransfer.loadHost(v, into: &state)
        #expect(state.debugctl == 0 && state.dr7 == 0x400, "SDM \"Loading Host Control Registers, Debug Registers, MSRs\"")
    }

    @Test("IA32_PERF_GLOBAL_CTRL: loaded from the guest field at entry and the host field at exit under their controls")
    func perfGlobalControlTransfer() {
        var v = Self.valid
        (v[.guestIA32PerfGlobalCtrl], v[.hostIA32PerfGlobalCtrl]) = (1 << 32, 0)
        var state = CPUState()
        state.perfGlobalControl = 0
        StateTransfer.loadGuest(v, into: &state)
        #expect(state.perfGlobalControl == 0, "kept without the entry control")
        v[.vmEntryControls] |= UInt64(EntryControls.loadPerfGlobalCtrl)
        StateTransfer.loadGuest(v, into: &state)
        #expect(state.perfGlobalControl == 1 << 32)
        StateTransfer.loadHost(v, into: &state)
        #expect(state.perfGlobalControl == 1 << 32, "kept without the exit control")
        v[.vmExitControls] |= UInt64(ExitControls.loadPerfGlobalCtrl)
        StateTransfer.loadHost(v, into: &state)
        #expect(state.perfGlobalControl == 0)
    }

    @Test("Remembering what passed changes no answer: random breaks and repairs, with and without the memo")
    func memoAgreesWithFullRun() {
        var random = SystemRandomNumberGenerator()
        let seed = UInt64.random(in: 0..<UInt64.max, using: &random)
        var generator = SplitMix64(seed: seed)
        var memo = EntryCheckMemo()
        var v = Self.valid
        var inIA32eMode = true
        var failures = 0
        for step in 0..<3000 {
            switch Int.random(in: 0..<10, using: &generator) {
            case 0, 1: v = Self.valid
            case 2: inIA32eMode.toggle()
            case 3...5:
                // Put one field back as the valid VMCS has it.
                let field = VMCSField.allCases.randomElement(using: &generator)!
                v[field] = Self.valid[field]
            case 6: v[.guestRIP] = UInt64.random(in: 0..<1 << 48, using: &generator)
            default: Self.cases.randomElement(using: &generator)!.breakIt(&v)
            }
            let inputs = Self.inputs(v, inIA32eMode: inIA32eMode)
            let full = EntryCheck.firstFailure(inputs)
            let remembered = EntryCheck.firstFailure(inputs, memo: &memo)
            #expect(remembered == full, "seed \(seed), step \(step)")
            if full != nil { failures += 1 }
        }
        #expect(failures > 100 && failures < 2900, "both outcomes were exercised (\(failures) failures)")
    }
}
