/// Basic VM-exit reasons (SDM vol. 3, appendix C "VMX Basic Exit Reasons").
///
/// Generated from the reference table exit-reasons.tsv by scripts/gen-exit-reasons.py; edit that, not this.
public enum ExitReason {
    /// Exception or NMI.
    public static let exceptionNmi: UInt16 = 0
    /// External Interrupt.
    public static let externalInterrupt: UInt16 = 1
    /// Triple Fault.
    public static let tripleFault: UInt16 = 2
    /// INIT.
    public static let initSignal: UInt16 = 3
    /// SIPI.
    public static let sipiSignal: UInt16 = 4
    /// I/O SMI (SMM Vmexit).
    public static let iOSmiSmmVmexit: UInt16 = 5
    /// SMI (SMM Vmexit).
    public static let smiSmmVmexit: UInt16 = 6
    /// Interrupt Window Exiting.
    public static let interruptWindow: UInt16 = 7
    /// NMI Window Exiting.
    public static let nmiWindow: UInt16 = 8
    /// Task Switch.
    public static let taskSwitch: UInt16 = 9
    /// CPUID.
    public static let cpuid: UInt16 = 10
    /// GETSEC.
    public static let getsec: UInt16 = 11
    /// HLT.
    public static let hlt: UInt16 = 12
    /// INVD.
    public static let invd: UInt16 = 13
    /// INVLPG.
    public static let invlpg: UInt16 = 14
    /// RDPMC.
    public static let rdpmc: UInt16 = 15
    /// RDTSC.
    public static let rdtsc: UInt16 = 16
    /// RSM.
    public static let rsm: UInt16 = 17
    /// VMCALL.
    public static let vmcall: UInt16 = 18
    /// VMCLEAR.
    public static let vmclear: UInt16 = 19
    /// VMLAUNCH.
    public static let vmlaunch: UInt16 = 20
    /// VMPTRLD.
    public static let vmptrld: UInt16 = 21
    /// VMPTRST.
    public static let vmptrst: UInt16 = 22
    /// VMREAD.
    public static let vmread: UInt16 = 23
    /// VMRESUME.
    public static let vmresume: UInt16 = 24
    /// VMWRITE.
    public static let vmwrite: UInt16 = 25
    /// VMXOFF.
    public static let vmoff: UInt16 = 26
    /// VMXON.
    public static let vmon: UInt16 = 27
    /// CR Access.
    public static let crAccess: UInt16 = 28
    /// DR Access.
    public static let drAccess: UInt16 = 29
    /// I/O Instruction.
    public static let ioInstruction: UInt16 = 30
    /// RDMSR.
    public static let msrRead: UInt16 = 31
    /// WRMSR.
    public static let msrWrite: UInt16 = 32
    /// VMEntry failure due to invalid guest state.
    public static let invalidState: UInt16 = 33
    /// VMEntry failure due to MSR loading.
    public static let msrLoadFail: UInt16 = 34
    /// Reserved35.
    public static let reserved35: UInt16 = 35
    /// MWAIT.
    public static let mwaitInstruction: UInt16 = 36
    /// MTF (Monitor Trap Flag).
    public static let monitorTrapFlag: UInt16 = 37
    /// Reserved38.
    public static let reserved38: UInt16 = 38
    /// MONITOR.
    public static let monitorInstruction: UInt16 = 39
    /// PAUSE.
    public static let pauseInstruction: UInt16 = 40
    /// VMEntry failure due to machine check.
    public static let mceDuringVmentry: UInt16 = 41
    /// Reserved42.
    public static let reserved42: UInt16 = 42
    /// TPR Below Threshold.
    public static let tprBelowThreshold: UInt16 = 43
    /// APIC Access.
    public static let apicAccess: UInt16 = 44
    /// Virtualized EOI.
    public static let eoiInduced: UInt16 = 45
    /// GDTR/IDTR Access.
    public static let gdtrIdtr: UInt16 = 46
    /// LDTR/TR Access.
    public static let ldtrTr: UInt16 = 47
    /// EPT Violation.
    public static let eptViolation: UInt16 = 48
    /// EPT Misconfiguration.
    public static let eptMisconfig: UInt16 = 49
    /// INVEPT.
    public static let invept: UInt16 = 50
    /// RDTSCP.
    public static let rdtscp: UInt16 = 51
    /// VMX preemption timer expired.
    public static let preemptionTimer: UInt16 = 52
    /// INVVPID.
    public static let invvpid: UInt16 = 53
    /// WBINVD.
    public static let wbinvd: UInt16 = 54
    /// XSETBV.
    public static let xsetbv: UInt16 = 55
    /// APIC Write Trap.
    public static let apicWrite: UInt16 = 56
    /// RDRAND.
    public static let rdrand: UInt16 = 57
    /// INVPCID.
    public static let invpcid: UInt16 = 58
    /// VMFUNC.
    public static let vmfunc: UInt16 = 59
    /// ENCLS.
    public static let encls: UInt16 = 60
    /// RDSEED.
    public static let rdseed: UInt16 = 61
    /// PML Log Full.
    public static let pmlFull: UInt16 = 62
    /// XSAVES.
    public static let xsaves: UInt16 = 63
    /// XRSTORS.
    public static let xrstors: UInt16 = 64
    /// PCONFIG.
    public static let pconfig: UInt16 = 65
    /// Sub-Page Protection.
    public static let subPageProtection: UInt16 = 66
    /// UMWAIT.
    public static let umwait: UInt16 = 67
    /// TPAUSE.
    public static let tpause: UInt16 = 68
    /// LOADIWKEY.
    public static let loadiwkey: UInt16 = 69
    /// ENCLV.
    public static let enclv: UInt16 = 70
    /// Reserved71.
    public static let reserved71: UInt16 = 71
    /// ENQCMD PASID Translation.
    public static let enqcmdPasidTranslation: UInt16 = 72
    /// ENQCMDS PASID Translation.
    public static let enqcmdsPasidTranslation: UInt16 = 73
    /// Bus Lock.
    public static let busLock: UInt16 = 74
    /// Notify Window.
    public static let notify: UInt16 = 75
    /// SEAMCALL.
    public static let seamcall: UInt16 = 76
    /// TDCALL.
    public static let tdcall: UInt16 = 77
    /// RDMSRLIST.
    public static let rdmsrlist: UInt16 = 78
    /// WRMSRLIST.
    public static let wrmsrlist: UInt16 = 79
    /// URDMSR.
    public static let urdmsr: UInt16 = 80
    /// UWRMSR.
    public static let uwrmsr: UInt16 = 81
    /// Reserved82.
    public static let reserved82: UInt16 = 82
    /// Reserved83.
    public static let reserved83: UInt16 = 83
    /// RDMSR immediate.
    public static let msrReadImm: UInt16 = 84
    /// WRMSRNS (immediate).
    public static let msrWriteImm: UInt16 = 85

    /// The SDM name of a basic exit reason.
    public static func name(of reason: UInt16) -> String {
        switch reason {
        case 0: return "Exception or NMI"
        case 1: return "External Interrupt"
        case 2: return "Triple Fault"
        case 3: return "INIT"
        case 4: return "SIPI"
        case 5: return "I/O SMI (SMM Vmexit)"
        case 6: return "SMI (SMM Vmexit)"
        case 7: return "Interrupt Window Exiting"
        case 8: return "NMI Window Exiting"
        case 9: return "Task Switch"
        case 10: return "CPUID"
        case 11: return "GETSEC"
        case 12: return "HLT"
        case 13: return "INVD"
        case 14: return "INVLPG"
        case 15: return "RDPMC"
        case 16: return "RDTSC"
        case 17: return "RSM"
        case 18: return "VMCALL"
        case 19: return "VMCLEAR"
        case 20: return "VMLAUNCH"
        case 21: return "VMPTRLD"
        case 22: return "VMPTRST"
        case 23: return "VMREAD"
        case 24: return "VMRESUME"
        case 25: return "VMWRITE"
        case 26: return "VMXOFF"
        case 27: return "VMXON"
        case 28: return "CR Access"
        case 29: return "DR Access"
        case 30: return "I/O Instruction"
        case 31: return "RDMSR"
        case 32: return "WRMSR"
        case 33: return "VMEntry failure due to invalid guest state"
        case 34: return "VMEntry failure due to MSR loading"
        case 35: return "Reserved35"
        case 36: return "MWAIT"
        case 37: return "MTF (Monitor Trap Flag)"
        case 38: return "Reserved38"
        case 39: return "MONITOR"
        case 40: return "PAUSE"
        case 41: return "VMEntry failure due to machine check"
        case 42: return "Reserved42"
        case 43: return "TPR Below Threshold"
        case 44: return "APIC Access"
        case 45: return "Virtualized EOI"
        case 46: return "GDTR/IDTR Access"
        case 47: return "LDTR/TR Access"
        case 48: return "EPT Violation"
        case 49: return "EPT Misconfiguration"
        case 50: return "INVEPT"
        case 51: return "RDTSCP"
        case 52: return "VMX preemption timer expired"
        case 53: return "INVVPID"
        case 54: return "WBINVD"
        case 55: return "XSETBV"
        case 56: return "APIC Write Trap"
        case 57: return "RDRAND"
        case 58: return "INVPCID"
        case 59: return "VMFUNC"
        case 60: return "ENCLS"
        case 61: return "RDSEED"
        case 62: return "PML Log Full"
        case 63: return "XSAVES"
        case 64: return "XRSTORS"
        case 65: return "PCONFIG"
        case 66: return "Sub-Page Protection"
        case 67: return "UMWAIT"
        case 68: return "TPAUSE"
        case 69: return "LOADIWKEY"
        case 70: return "ENCLV"
        case 71: return "Reserved71"
        case 72: return "ENQCMD PASID Translation"
        case 73: return "ENQCMDS PASID Translation"
        case 74: return "Bus Lock"
        case 75: return "Notify Window"
        case 76: return "SEAMCALL"
        case 77: return "TDCALL"
        case 78: return "RDMSRLIST"
        case 79: return "WRMSRLIST"
        case 80: return "URDMSR"
        case 81: return "UWRMSR"
        case 82: return "Reserved82"
        case 83: return "Reserved83"
        case 84: return "RDMSR immediate"
        case 85: return "WRMSRNS (immediate)"
        default: return "reason \(reason)"
        }
    }
}
