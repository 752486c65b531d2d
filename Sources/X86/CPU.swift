/// A software Intel x86-64 processor that runs guest code the way VMX non-root hardware does.
///
/// `run` executes instructions under `controls` until something exits — an instruction the controls (or the
/// architecture) make exit, an exception in the exception bitmap, a triple fault, the preemption timer, or the
/// instruction budget — and returns the VM exit, with reason, qualification, lengths and addresses as the SDM
/// defines them. The caller plays the root-mode hypervisor. Time is the count of retired instructions: it drives
/// the TSC and the preemption timer, so two runs of the same guest are identical.
public final class CPU {
    /// The memory the guest runs in (host-physical addresses).
    public let memory: PhysicalMemory
    /// The 16 general-purpose registers.
    public let gpr: UnsafeMutablePointer<UInt64>
    /// The XMM registers, two 64-bit halves each (low first).
    public let xmm: UnsafeMutablePointer<UInt64>
    /// The instruction pointer.
    public var rip: UInt64 = 0
    /// RFLAGS bits that are not computed lazily (and all of them when materialized).
    var flagBits: UInt64 = Flag.reserved1
    var lazy = LazyFlags()
    /// ES, CS, SS, DS, FS, GS.
    public let segments: UnsafeMutablePointer<Segment>
    /// The LDT register.
    public var ldtr = Segment(attributes: 0x82)
    /// The task register.
    public var tr = Segment(attributes: 0x8B)
    public var gdtrBase: UInt64 = 0, gdtrLimit: UInt32 = 0xFFFF
    public var idtrBase: UInt64 = 0, idtrLimit: UInt32 = 0xFFFF
    /// CR0 (SDM vol. 3, "Control Registers").
    public var cr0: UInt64 = CR0.pe | CR0.et | CR0.ne
    /// CR2: the linear address of the last page fault.
    public var cr2: UInt64 = 0
    /// CR3: the paging structures' root and PCID.
    public var cr3: UInt64 = 0
    /// CR4.
    public var cr4: UInt64 = 0
    /// CR8: the task-priority register (bits 3:0).
    public var cr8: UInt64 = 0
    /// IA32_EFER.
    public var efer: UInt64 = 0
    /// DR0–DR7.
    public var dr: [UInt64] = [0, 0, 0, 0, 0, 0, 0xFFFF0FF0, 0x400]
    /// MXCSR, the SSE control and status register.
    public var mxcsr: UInt32 = 0x1F80
    /// The x87 FPU's state.
    public var x87 = X87State()
    /// Model-specific registers kept as plain values.
    public var star: UInt64 = 0, lstar: UInt64 = 0, cstar: UInt64 = 0, sfmask: UInt64 = 0
    public var kernelGSBase: UInt64 = 0, tscAux: UInt64 = 0, pat: UInt64 = 0x0007_0406_0007_0406
    public var sysenterCS: UInt64 = 0, sysenterESP: UInt64 = 0, sysenterEIP: UInt64 = 0
    /// IA32_FEATURE_CONTROL.
    public var featureControl: UInt64 = 0
    /// IA32_DEBUGCTL: its writable bits are kept (VM entry and exit move it), the tracing they enable is not
    /// modelled (no LBR or BTS records; BTF does not change single-stepping).
    public var debugctl: UInt64 = 0
    /// IA32_MISC_ENABLE.
    public var miscEnable: UInt64 = MiscEnable.reset
    /// What RDMSR and WRMSR of the MSRs the processor does not implement itself see (CPUID always exits).
    public var msrHandler: MSRHandler = MSRHandler()
    /// Asked first about every VM exit: true when the caller completed the exiting instruction itself (advanced
    /// RIP, or left an event in `pendingInjection`), and `run` goes on without returning. The exit still
    /// happened, architecturally; this only spares the round trip out of `run` for exits handled in a few steps.
    /// The handler must leave the segment registers, control registers and translations as they are (it may
    /// change general registers, RIP, flags and memory): `run` keeps its fetch window across it.
    public var inlineExitHandler: ((VMExit) -> Bool)?
    /// Device memory the instruction being emulated reaches (`emulateInstruction(through:)`); nil otherwise.
    var mmioWindow: (any MMIOWindow)?

    /// Instructions retired since the processor was made: the clock.
    public internal(set) var instructionsRetired: UInt64 = 0
    /// Added to `instructionsRetired` to give the TSC the guest reads (before any TSC offset).
    public var tscBase: UInt64 = 0
    /// IA32_PERF_GLOBAL_CTRL and IA32_FIXED_CTR_CTRL as written, and IA32_FIXED_CTR0 less the instructions retired
    /// while it counts, or its value while it does not (`PerformanceCounters`).
    var perfGlobalControlBits: UInt64 = 0, fixedCounterControlBits: UInt64 = 0, fixedCounterBase: UInt64 = 0
    /// The state of the deterministic RDRAND source.
    public var randomState: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// The controls in force. Changing what translation depends on (EPT, its pointers, the VPID) selects the
    /// TLB context of the new setting and drops the fetch window; other changes, such as the interrupt-window
    /// exiting the machine toggles, cost a comparison.
    public var controls = ExecutionControls() {
        didSet {
            if !controls.translatesLike(oldValue) { translationControlsChanged() }
        }
    }

    /// Blocking by STI or MOV SS: interrupts are not recognised before the next instruction completes.
    public var interruptShadow = false
    /// An external interrupt the platform raises (vector), recognised when RFLAGS.IF = 1 and no shadow blocks it.
    public var pendingExternalInterrupt: UInt8? = nil
    /// An event to inject at the next `run` (VM-entry interruption information, SDM "Event Injection").
    public var pendingInjection: InjectedEvent? = nil
    /// The processor executed HLT and waits for an interrupt (activity state HLT).
    public var isHalted = false
    /// The address-range monitor MONITOR armed, or nil (SDM vol. 2, "MONITOR—Set Up Monitor Address").
    public var monitor: MonitoredLine? = nil
    /// Counts TLB hits and misses when true (decode misses are always counted).
    public var collectsStatistics = false
    /// TLB counters, kept when `collectsStatistics` is on.
    var tlbStatistics = (hits: UInt64(0), misses: UInt64(0))
    /// Instructions decoded (every fetch that was not served from decoded instructions).
    var decodeMisses: UInt64 = 0

    /// Hit and miss counters: a fetch served from decoded instructions is a decode hit.
    public var statistics: Statistics {
        Statistics(
            decodeHits: instructionsRetired > decodeMisses ? instructionsRetired - decodeMisses : 0, decodeMisses: decodeMisses,
            tlbHits: tlbStatistics.hits, tlbMisses: tlbStatistics.misses)
    }

    var tlb: TLB
    /// The TLB tag bits (valid, user, PCID) of the current context, or `TLB.neverMatches` when data accesses
    /// must take the slow path (paging off, or alignment checks possible at CPL 3). See `refreshTranslationTag`.
    var translationTag: UInt64 = TLB.neverMatches
    var fetchWindow: FetchWindow
    /// The preemption timer's remaining value and the retired count at which it next decrements.
    var preemptionDeadline: UInt64 = .max

    /// A processor over `memory`, in 64-bit mode with flat segments, paging off, at RIP 0.
    public init(memory: PhysicalMemory) {
        self.memory = memory
        gpr = .allocate(capacity: 16)
        gpr.initialize(repeating: 0, count: 16)
        xmm = .allocate(capacity: 32)
        xmm.initialize(repeating: 0, count: 32)
        segments = .allocate(capacity: 6)
        segments.initialize(repeating: Segment(selector: 0x10, base: 0, limit: 0xFFFF_FFFF, attributes: 0xC093), count: 6)
        segments[SegmentRegister.cs.rawValue] = Segment(selector: 0x08, base: 0, limit: 0xFFFF_FFFF, attributes: 0xA09B)
        tlb = TLB()
        fetchWindow = FetchWindow()
        efer = EFER.lme | EFER.lma | EFER.nxe
        cr4 = CR4.pae | CR4.osfxsr | CR4.osxmmexcpt
    }

    deinit {
        gpr.deallocate()
        xmm.deallocate()
        segments.deallocate()
        tlb.deallocate()
        fetchWindow.deallocate()
    }

    /// MAXPHYADDR: physical-address width in bits (CPUID.80000008H:EAX[7:0]); higher address bits in paging and
    /// EPT entries are reserved.
    public static let physicalAddressBits: UInt64 = 46
    /// The reserved bits 51:MAXPHYADDR of paging-structure and EPT entries.
    static let reservedPhysicalBits: UInt64 = ((1 << 52) - 1) & ~((1 << physicalAddressBits) - 1)

    /// The current privilege level (CS.DPL in 64-bit mode).
    public var cpl: Int { segments[SegmentRegister.cs.rawValue].dpl }

    /// Whether paging translates linear addresses.
    public var isPaging: Bool { cr0 & CR0.pg != 0 }

    /// The width in which addresses used now (accesses, RIP) must be canonical: 57 bits with CR4.LA57, else 48.
    public var linearAddressWidth: Int { cr4 & CR4.la57 != 0 ? 57 : 48 }

    /// A segment register.
    public func segment(_ register: SegmentRegister) -> Segment { segments[register.rawValue] }

    /// Sets a segment register's selector and hidden part.
    public func setSegment(_ register: SegmentRegister, _ value: Segment) { segments[register.rawValue] = value }

    /// Cache and TLB statistics.
    public struct Statistics: Sendable, Equatable {
        /// Instructions found already decoded.
        public var decodeHits: UInt64 = 0
        /// Instructions that had to be decoded.
        public var decodeMisses: UInt64 = 0
        /// Translations found in the TLB.
        public var tlbHits: UInt64 = 0
        /// Translations that needed a page walk.
        public var tlbMisses: UInt64 = 0

        /// Counters with these values.
        public init(decodeHits: UInt64 = 0, decodeMisses: UInt64 = 0, tlbHits: UInt64 = 0, tlbMisses: UInt64 = 0) {
            self.decodeHits = decodeHits
            self.decodeMisses = decodeMisses
            self.tlbHits = tlbHits
            self.tlbMisses = tlbMisses
        }
    }

    func translationControlsChanged() {
        invalidateFetchWindow()
        tlb.selectContext(
            vpid: controls.has(secondary: ExecutionControls.Secondary.enableVPID) ? controls.vpid : 0,
            eptPointer: controls.has(secondary: ExecutionControls.Secondary.enableEPT) ? controls.eptPointer : 0)
    }
}
