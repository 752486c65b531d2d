/// General-purpose register numbers, as ModRM and REX encode them.
public enum Reg {
    public static let rax = 0, rcx = 1, rdx = 2, rbx = 3, rsp = 4, rbp = 5, rsi = 6, rdi = 7
    public static let r8 = 8, r9 = 9, r10 = 10, r11 = 11, r12 = 12, r13 = 13, r14 = 14, r15 = 15
}

/// RFLAGS bits (SDM vol. 1, "EFLAGS Register").
public enum Flag {
    /// Carry flag.
    public static let cf: UInt64 = 1 << 0
    /// Bit 1, always 1.
    public static let reserved1: UInt64 = 1 << 1
    /// Parity flag.
    public static let pf: UInt64 = 1 << 2
    /// Auxiliary carry flag.
    public static let af: UInt64 = 1 << 4
    /// Zero flag.
    public static let zf: UInt64 = 1 << 6
    /// Sign flag.
    public static let sf: UInt64 = 1 << 7
    /// Trap flag.
    public static let tf: UInt64 = 1 << 8
    /// Interrupt enable flag.
    public static let `if`: UInt64 = 1 << 9
    /// Direction flag.
    public static let df: UInt64 = 1 << 10
    /// Overflow flag.
    public static let of: UInt64 = 1 << 11
    /// I/O privilege level (two bits).
    public static let iopl: UInt64 = 3 << 12
    /// Nested task flag.
    public static let nt: UInt64 = 1 << 14
    /// Resume flag.
    public static let rf: UInt64 = 1 << 16
    /// Virtual-8086 mode flag.
    public static let vm: UInt64 = 1 << 17
    /// Alignment check flag.
    public static let ac: UInt64 = 1 << 18
    /// Virtual interrupt flag.
    public static let vif: UInt64 = 1 << 19
    /// Virtual interrupt pending flag.
    public static let vip: UInt64 = 1 << 20
    /// ID flag: CPUID is available.
    public static let id: UInt64 = 1 << 21
    /// The six status flags arithmetic sets.
    public static let arithmetic: UInt64 = cf | pf | af | zf | sf | of
    /// The bits POPF and IRET may change in 64-bit mode at CPL 0.
    public static let writable: UInt64 = arithmetic | tf | `if` | df | iopl | nt | rf | ac | id
}

/// A segment register: its selector and the hidden descriptor cache.
public struct Segment: Equatable, Codable, Sendable {
    /// The selector.
    public var selector: UInt16
    /// The base address.
    public var base: UInt64
    /// The limit in bytes (granularity applied).
    public var limit: UInt32
    /// Access rights in the VMCS format: type 3:0, S 4, DPL 6:5, P 7, AVL 12, L 13, D/B 14, G 15, unusable 16.
    public var attributes: UInt32

    /// A segment; the defaults are a present, accessed, writable data segment at 0 with limit 0xFFFF.
    public init(selector: UInt16 = 0, base: UInt64 = 0, limit: UInt32 = 0xFFFF, attributes: UInt32 = 0x93) {
        self.selector = selector
        self.base = base
        self.limit = limit
        self.attributes = attributes
    }

    /// The descriptor privilege level.
    public var dpl: Int { Int(attributes >> 5) & 3 }
}

/// Segment register numbers, as instructions encode them.
public enum SegmentRegister: Int, CaseIterable, Sendable {
    case es = 0, cs, ss, ds, fs, gs
}

/// Control register bits used by the processor.
public enum CR0 {
    public static let pe: UInt64 = 1 << 0, mp: UInt64 = 1 << 1, em: UInt64 = 1 << 2, ts: UInt64 = 1 << 3
    public static let et: UInt64 = 1 << 4, ne: UInt64 = 1 << 5, wp: UInt64 = 1 << 16, am: UInt64 = 1 << 18
    public static let nw: UInt64 = 1 << 29, cd: UInt64 = 1 << 30, pg: UInt64 = 1 << 31
}

/// CR4 bits used by the processor.
public enum CR4 {
    public static let tsd: UInt64 = 1 << 2, de: UInt64 = 1 << 3, pse: UInt64 = 1 << 4, pae: UInt64 = 1 << 5
    public static let pge: UInt64 = 1 << 7, pce: UInt64 = 1 << 8
    public static let osfxsr: UInt64 = 1 << 9, osxmmexcpt: UInt64 = 1 << 10, la57: UInt64 = 1 << 12
    public static let vmxe: UInt64 = 1 << 13, fsgsbase: UInt64 = 1 << 16, pcide: UInt64 = 1 << 17
    public static let smep: UInt64 = 1 << 20, smap: UInt64 = 1 << 21
    /// Every bit MOV to CR4 accepts: those CPUID enumerates (`ProcessorFeatures.cr4Enumeration`); the rest are
    /// reserved and #GP.
    public static let supported: UInt64 = ProcessorFeatures.cr4Enumeration.reduce(0) {
        $1.flag?.isImplemented == false ? $0 : $0 | $1.bit
    }
}

/// IA32_EFER bits.
public enum EFER {
    public static let sce: UInt64 = 1 << 0, lme: UInt64 = 1 << 8, lma: UInt64 = 1 << 10, nxe: UInt64 = 1 << 11
}

/// Model-specific register numbers the processor implements itself.
public enum MSR {
    /// IA32_TIME_STAMP_COUNTER.
    public static let tsc: UInt32 = 0x10
    /// IA32_APIC_BASE: absent, as CPUID reports no APIC (RDMSR and WRMSR of it are #GP).
    public static let apicBase: UInt32 = 0x1B
    /// IA32_FEATURE_CONTROL.
    public static let featureControl: UInt32 = 0x3A
    public static let sysenterCS: UInt32 = 0x174, sysenterESP: UInt32 = 0x175, sysenterEIP: UInt32 = 0x176
    /// IA32_PAT.
    public static let pat: UInt32 = 0x277
    /// IA32_MISC_ENABLE.
    public static let miscEnable: UInt32 = 0x1A0
    /// IA32_FIXED_CTR0 (instructions retired), IA32_FIXED_CTR_CTRL, IA32_PERF_GLOBAL_STATUS, IA32_PERF_GLOBAL_CTRL and
    /// IA32_PERF_GLOBAL_OVF_CTRL (`PerformanceCounters`).
    public static let fixedCounter0: UInt32 = 0x309, fixedCounterControl: UInt32 = 0x38D
    public static let perfGlobalStatus: UInt32 = 0x38E, perfGlobalControl: UInt32 = 0x38F, perfGlobalOverflowControl: UInt32 = 0x390
    /// IA32_DEBUGCTL.
    public static let debugctl: UInt32 = 0x1D9
    /// IA32_EFER.
    public static let efer: UInt32 = 0xC000_0080
    public static let star: UInt32 = 0xC000_0081, lstar: UInt32 = 0xC000_0082, cstar: UInt32 = 0xC000_0083
    /// IA32_FMASK (SFMASK): RFLAGS bits SYSCALL clears.
    public static let sfmask: UInt32 = 0xC000_0084
    public static let fsBase: UInt32 = 0xC000_0100, gsBase: UInt32 = 0xC000_0101, kernelGSBase: UInt32 = 0xC000_0102
    /// IA32_TSC_AUX, which RDTSCP returns in ECX.
    public static let tscAux: UInt32 = 0xC000_0103
}

/// IA32_DEBUGCTL (SDM vol. 4, "Model-Specific Registers (MSRs)", the 6th-generation Core table).
public enum DebugCtl {
    /// The bits WRMSR accepts, as on Skylake: LBR (0), BTF (1), TR (6), BTS (7), BTINT (8), BTS_OFF_OS (9),
    /// BTS_OFF_USR (10), FREEZE_LBRS_ON_PMI (11), FREEZE_PERFMON_ON_PMI (12), ENABLE_UNCORE_PMI (13),
    /// FREEZE_WHILE_SMM (14), RTM_DEBUG (15); any other set bit is #GP. The same bits are what VM entry allows in
    /// the guest's IA32_DEBUGCTL field.
    public static let writable: UInt64 = 0xFFC3
}

/// IA32_MISC_ENABLE (SDM vol. 4, "Architectural MSRs").
public enum MiscEnable {
    /// Fast-strings enable (0), BTS unavailable (11) and PEBS unavailable (12): there is no performance
    /// monitoring, MONITOR/MWAIT is not enumerated (bit 18 clear), nor is the CPUID limit (22) or XD disable (34).
    public static let reset: UInt64 = 1 << 0 | 1 << 11 | 1 << 12
    /// Only fast-strings enable may change (it changes nothing here); WRMSR changing another bit is #GP.
    public static let writable: UInt64 = 1 << 0
}
