import X86

/// The VMX features L0 offers a guest hypervisor, and the capability MSRs (0x480–0x491) that report them
/// (SDM vol. 3, "VMX Capability Reporting Facility"). The controls are meant to be ones the processor
/// honours, so that an L1 setting what the MSRs allow gets the behaviour it asked for; NMI exiting, virtual
/// NMIs and NMI-window exiting are offered although no NMI source exists yet (the machine raises none).
public enum VMXCapabilities {
    /// The VMCS revision identifier of nestvm's VMCS layout (bits 30:0 of IA32_VMX_BASIC; bit 31 clear).
    public static let revisionIdentifier: UInt32 = 0x4E45_5354
    /// The size of a VMXON or VMCS region in bytes.
    public static let regionSize: UInt64 = 4096

    /// MSR numbers of the capability MSRs.
    public enum MSRNumber {
        public static let basic: UInt32 = 0x480, pinBased: UInt32 = 0x481, procBased: UInt32 = 0x482
        public static let exit: UInt32 = 0x483, entry: UInt32 = 0x484, misc: UInt32 = 0x485
        public static let cr0Fixed0: UInt32 = 0x486, cr0Fixed1: UInt32 = 0x487, cr4Fixed0: UInt32 = 0x488
        public static let cr4Fixed1: UInt32 = 0x489, vmcsEnum: UInt32 = 0x48A, procBased2: UInt32 = 0x48B
        public static let eptVPIDCap: UInt32 = 0x48C, truePinBased: UInt32 = 0x48D, trueProcBased: UInt32 = 0x48E
        public static let trueExit: UInt32 = 0x48F, trueEntry: UInt32 = 0x490, vmfunc: UInt32 = 0x491
        /// The range the capability MSRs occupy.
        public static let range: ClosedRange<UInt32> = 0x480...0x491
    }

    typealias Pin = ExecutionControls.PinBased
    typealias Primary = ExecutionControls.Primary
    typealias Secondary = ExecutionControls.Secondary

    /// Pin-based controls offered.
    static let pinAllowed1: UInt32 =
        Pin.default1 | Pin.externalInterruptExiting | Pin.nmiExiting | Pin.virtualNMIs
        | Pin.activatePreemptionTimer
    /// Primary processor-based controls offered.
    static let procAllowed1: UInt32 =
        Primary.default1 | Primary.interruptWindowExiting | Primary.useTSCOffsetting
        | Primary.hltExiting | Primary.invlpgExiting | Primary.mwaitExiting | Primary.rdpmcExiting | Primary.rdtscExiting
        | Primary.cr3LoadExiting | Primary.cr3StoreExiting | Primary.cr8LoadExiting | Primary.cr8StoreExiting
        | Primary.nmiWindowExiting | Primary.movDRExiting | Primary.unconditionalIOExiting | Primary.useIOBitmaps
        | Primary.useMSRBitmaps | Primary.monitorExiting | Primary.pauseExiting | Primary.activateSecondary
    /// Secondary processor-based controls offered.
    static let secondaryAllowed1: UInt32 =
        Secondary.enableEPT | Secondary.descriptorTableExiting | Secondary.enableRDTSCP
        | Secondary.enableVPID | Secondary.wbinvdExiting | Secondary.rdrandExiting | Secondary.rdseedExiting
    /// VM-exit controls offered.
    static let exitAllowed1: UInt32 =
        ExitControls.default1 | ExitControls.saveDebugControls | ExitControls.hostAddressSpaceSize
        | ExitControls.acknowledgeInterruptOnExit | ExitControls.savePAT | ExitControls.loadPAT | ExitControls.saveEFER
        | ExitControls.loadEFER | ExitControls.savePreemptionTimer | ExitControls.loadPerfGlobalCtrl
    /// VM-entry controls offered.
    static let entryAllowed1: UInt32 =
        EntryControls.default1 | EntryControls.loadDebugControls | EntryControls.ia32eModeGuest | EntryControls.loadPAT
        | EntryControls.loadEFER | EntryControls.loadPerfGlobalCtrl

    /// A control field's allowed settings: bits that must be 1 (allowed-0 settings) and bits that may be 1
    /// (allowed-1 settings), as the TRUE capability MSRs report them.
    public struct Allowed: Sendable {
        /// Bits that must be 1 (the allowed-0 settings, low half of the MSR).
        public let mustBeOne: UInt32
        /// Bits that may be 1 (the allowed-1 settings, high half).
        public let mayBeOne: UInt32
    }

    /// The processor runs 64-bit code only, so a guest is entered in IA-32e mode and the host is 64-bit: both
    /// controls are reported as must-be-1.
    static let pinBased = Allowed(mustBeOne: Pin.default1, mayBeOne: pinAllowed1)
    static let primary = Allowed(
        mustBeOne: Primary.default1 & ~(Primary.cr3LoadExiting | Primary.cr3StoreExiting), mayBeOne: procAllowed1)
    static let secondary = Allowed(mustBeOne: 0, mayBeOne: secondaryAllowed1)
    static let exit = Allowed(
        mustBeOne: ExitControls.default1 & ~ExitControls.saveDebugControls | ExitControls.hostAddressSpaceSize,
        mayBeOne: exitAllowed1)
    static let entry = Allowed(
        mustBeOne: EntryControls.default1 & ~EntryControls.loadDebugControls | EntryControls.ia32eModeGuest,
        mayBeOne: entryAllowed1)
    /// CR3-target values offered (IA32_VMX_MISC bits 24:16).
    public static let cr3TargetValues = 4
    /// The largest VM-entry and VM-exit MSR lists (IA32_VMX_MISC bits 27:25 = 0: 512 entries).
    public static let msrListLimit: UInt64 = 512
    /// IA32_DEBUGCTL bits a guest may set: those WRMSR accepts (LBR, BTF and bits 15:6).
    public static let debugctlWritable: UInt64 = DebugCtl.writable

    /// CR0 bits that must be 1 in VMX operation (PE, NE, PG) and those allowed to be 1.
    public static let cr0Fixed0: UInt64 = CR0.pe | CR0.ne | CR0.pg
    /// CR0 bits allowed to be 1 in VMX operation (IA32_VMX_CR0_FIXED1).
    public static let cr0Fixed1: UInt64 = 0xFFFF_FFFF
    /// CR4 bits that must be 1 in VMX operation (VMXE) and those allowed to be 1 (what MOV to CR4 accepts).
    public static let cr4Fixed0: UInt64 = CR4.vmxe
    /// CR4 bits allowed to be 1 in VMX operation (IA32_VMX_CR4_FIXED1).
    public static let cr4Fixed1: UInt64 = CR4.supported

    /// A controls MSR: allowed-0 settings in the low half, allowed-1 in the high half.
    static func controls(mustBeOne: UInt32, mayBeOne: UInt32) -> UInt64 { UInt64(mayBeOne) << 32 | UInt64(mustBeOne) }
    static func controls(_ allowed: Allowed) -> UInt64 { controls(mustBeOne: allowed.mustBeOne, mayBeOne: allowed.mayBeOne) }

    /// The value of a capability MSR, or nil for an MSR outside the range.
    public static func value(of msr: UInt32) -> UInt64? {
        switch msr {
        case MSRNumber.basic:
            // 30:0 revision, 44:32 region size, 53:50 memory type WB (6), 54 INS/OUTS information, 55 TRUE controls.
            return UInt64(revisionIdentifier) | regionSize << 32 | 6 << 50 | 1 << 54 | 1 << 55
        case MSRNumber.pinBased: return controls(mustBeOne: Pin.default1, mayBeOne: pinAllowed1)
        case MSRNumber.procBased: return controls(mustBeOne: Primary.default1, mayBeOne: procAllowed1)
        case MSRNumber.exit:
            return controls(mustBeOne: ExitControls.default1 | ExitControls.hostAddressSpaceSize, mayBeOne: exitAllowed1)
        case MSRNumber.entry:
            return controls(mustBeOne: EntryControls.default1 | EntryControls.ia32eModeGuest, mayBeOne: entryAllowed1)
        case MSRNumber.misc:
            // Preemption timer rate 0 (one tick per retired instruction), EFER.LMA stored into the IA-32e-mode-guest
            // entry control (5), activity state HLT (6), four CR3-target values (24:16), 512 MSR-list entries.
            // VMWRITE to VM-exit information fields (29) is not offered: such a VMWRITE is VMfailValid(13).
            return 1 << 5 | 1 << 6 | UInt64(cr3TargetValues) << 16
        case MSRNumber.cr0Fixed0: return cr0Fixed0
        case MSRNumber.cr0Fixed1: return cr0Fixed1
        case MSRNumber.cr4Fixed0: return cr4Fixed0
        case MSRNumber.cr4Fixed1: return cr4Fixed1
        case MSRNumber.vmcsEnum: return UInt64(VMCSField.highestIndex) << 1  // bits 9:1: the highest field index
        case MSRNumber.procBased2: return controls(mustBeOne: 0, mayBeOne: secondaryAllowed1)
        case MSRNumber.eptVPIDCap:
            // 4-level walks (6), UC (8) and WB (14) structures, 2M (16) and 1G (17) pages, INVEPT (20), A/D flags
            // (21), single- and all-context INVEPT (25, 26); INVVPID (32) of types 0–3 (40–43).
            return 1 << 6 | 1 << 8 | 1 << 14 | 1 << 16 | 1 << 17 | 1 << 20 | 1 << 21 | 1 << 25 | 1 << 26
                | 1 << 32 | 1 << 40 | 1 << 41 | 1 << 42 | 1 << 43
        case MSRNumber.truePinBased: return controls(pinBased)
        // CR3-load and CR3-store exiting may be cleared with the TRUE controls, and so may the debug controls.
        case MSRNumber.trueProcBased: return controls(primary)
        case MSRNumber.trueExit: return controls(exit)
        case MSRNumber.trueEntry: return controls(entry)
        case MSRNumber.vmfunc: return 0
        default: return nil
        }
    }
}
