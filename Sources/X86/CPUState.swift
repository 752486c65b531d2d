/// Everything architectural about one logical processor, as one value: what VM entry loads, what VM exit saves,
/// and what a saved state holds (SDM vol. 3, "Guest-State Area" lists the same registers for the VMCS).
///
/// The processor keeps its registers in its own shapes for speed (registers behind pointers, RFLAGS computed
/// lazily); `CPU.state` converts in one place each way, so the nested engine and snapshots never copy fields by
/// hand. Caches derived from the state (TLB, decoded instructions, the fetch window) are not part of it.
public struct CPUState: Equatable, Codable, Sendable {
    /// Whether the processor runs or waits (SDM "Guest Non-Register State", activity state).
    public enum ActivityState: UInt8, Codable, Sendable {
        /// Executing instructions.
        case active = 0
        /// Halted by HLT until an interrupt.
        case hlt = 1
    }

    /// A descriptor-table register (GDTR, IDTR).
    public struct DescriptorTable: Equatable, Codable, Sendable {
        /// The table's linear base address.
        public var base: UInt64
        /// The table's limit, in bytes minus one.
        public var limit: UInt32

        /// A table at `base` with `limit`.
        public init(base: UInt64 = 0, limit: UInt32 = 0xFFFF) {
            self.base = base
            self.limit = limit
        }
    }

    /// RAX … R15, in encoding order.
    public var gpr: [UInt64] = Array(repeating: 0, count: 16)
    /// The instruction pointer.
    public var rip: UInt64 = 0
    /// RFLAGS, every flag materialised.
    public var rflags: UInt64 = Flag.reserved1
    /// ES, CS, SS, DS, FS, GS (indexed by `SegmentRegister`).
    public var segments: [Segment] = Array(repeating: Segment(), count: 6)
    /// The LDT register.
    public var ldtr = Segment(attributes: 0x82)
    /// The task register.
    public var tr = Segment(attributes: 0x8B)
    /// The GDT register.
    public var gdtr = DescriptorTable()
    /// The IDT register.
    public var idtr = DescriptorTable()
    /// CR0.
    public var cr0: UInt64 = CR0.pe | CR0.et | CR0.ne
    /// CR2, the last page-fault address.
    public var cr2: UInt64 = 0
    /// CR3.
    public var cr3: UInt64 = 0
    /// CR4.
    public var cr4: UInt64 = 0
    /// CR8, the task priority (bits 3:0).
    public var cr8: UInt64 = 0
    /// DR0 … DR7 (DR4 and DR5 are not registers of their own; their slots are kept as they are).
    public var dr: [UInt64] = [0, 0, 0, 0, 0, 0, 0xFFFF_0FF0, 0x400]
    /// The XMM registers XMM0 … XMM15.
    public var xmm: [SIMD2<UInt64>] = Array(repeating: .zero, count: 16)
    /// MXCSR.
    public var mxcsr: UInt32 = 0x1F80
    /// The x87 FPU's state.
    public var x87 = X87State()
    /// The model-specific registers the processor keeps (the others belong to `MSRHandler`).
    public var msrs = MSRs()
    /// Blocking by STI or by MOV SS: no interrupt is recognised before the next instruction completes.
    public var interruptShadow = false
    /// The activity state.
    public var activityState = ActivityState.active
    /// Instructions retired: the processor's clock, which the TSC and the preemption timer count.
    public var instructionsRetired: UInt64 = 0
    /// Added to `instructionsRetired` to give the TSC before any offset.
    public var tscBase: UInt64 = 0
    /// The state of the deterministic RDRAND and RDSEED source.
    public var randomState: UInt64 = 0

    /// The model-specific registers kept in the processor (SDM vol. 4 names).
    public struct MSRs: Equatable, Codable, Sendable {
        /// IA32_EFER.
        public var efer: UInt64 = 0
        /// IA32_STAR.
        public var star: UInt64 = 0
        /// IA32_LSTAR.
        public var lstar: UInt64 = 0
        /// IA32_CSTAR.
        public var cstar: UInt64 = 0
        /// IA32_FMASK.
        public var sfmask: UInt64 = 0
        /// IA32_KERNEL_GS_BASE.
        public var kernelGSBase: UInt64 = 0
        /// IA32_TSC_AUX.
        public var tscAux: UInt64 = 0
        /// IA32_PAT.
        public var pat: UInt64 = 0x0007_0406_0007_0406
        /// IA32_SYSENTER_CS.
        public var sysenterCS: UInt64 = 0
        /// IA32_SYSENTER_ESP.
        public var sysenterESP: UInt64 = 0
        /// IA32_SYSENTER_EIP.
        public var sysenterEIP: UInt64 = 0
        /// IA32_FEATURE_CONTROL.
        public var featureControl: UInt64 = 0
        /// IA32_DEBUGCTL.
        public var debugctl: UInt64 = 0
        /// IA32_MISC_ENABLE.
        public var miscEnable: UInt64 = MiscEnable.reset
        /// IA32_PERF_GLOBAL_CTRL, IA32_FIXED_CTR_CTRL and IA32_FIXED_CTR0.
        public var perfGlobalControl: UInt64 = 0, fixedCounterControl: UInt64 = 0, fixedCounter0: UInt64 = 0

        /// The MSRs at their reset values.
        public init() {}
    }

    /// The state at reset values (not a state any guest runs in; start from `CPU.state`).
    public init() {}

    /// A segment register.
    public subscript(segment: SegmentRegister) -> Segment {
        get { segments[segment.rawValue] }
        set { segments[segment.rawValue] = newValue }
    }
}

extension CPU {
    /// The processor's architectural state. Setting it replaces every register and drops the translations and
    /// decoded-instruction window of the current context, as loading CR0, CR3, CR4 and EFER at once may change
    /// every translation; pending events and `controls` are not part of it.
    public var state: CPUState {
        get {
            var s = CPUState()
            s.gpr = Array(UnsafeBufferPointer(start: gpr, count: 16))
            s.rip = rip
            s.rflags = rflags
            s.segments = Array(UnsafeBufferPointer(start: segments, count: 6))
            s.ldtr = ldtr
            s.tr = tr
            s.gdtr = .init(base: gdtrBase, limit: gdtrLimit)
            s.idtr = .init(base: idtrBase, limit: idtrLimit)
            (s.cr0, s.cr2, s.cr3, s.cr4, s.cr8) = (cr0, cr2, cr3, cr4, cr8)
            s.dr = dr
            s.xmm = (0..<16).map { SIMD2(xmm[2 * $0], xmm[2 * $0 + 1]) }
            s.mxcsr = mxcsr
            s.x87 = x87
            (s.msrs.efer, s.msrs.star, s.msrs.lstar, s.msrs.cstar, s.msrs.sfmask) = (efer, star, lstar, cstar, sfmask)
            (s.msrs.kernelGSBase, s.msrs.tscAux, s.msrs.pat) = (kernelGSBase, tscAux, pat)
            (s.msrs.sysenterCS, s.msrs.sysenterESP, s.msrs.sysenterEIP) = (sysenterCS, sysenterESP, sysenterEIP)
            (s.msrs.featureControl, s.msrs.debugctl, s.msrs.miscEnable) = (featureControl, debugctl, miscEnable)
            (s.msrs.perfGlobalControl, s.msrs.fixedCounterControl) = (perfGlobalControl, fixedCounterControl)
            s.msrs.fixedCounter0 = fixedCounter0
            s.interruptShadow = interruptShadow
            s.activityState = isHalted ? .hlt : .active
            s.instructionsRetired = instructionsRetired
            s.tscBase = tscBase
            s.randomState = randomState
            return s
        }
        set {
            setRegisters(newValue)
            flushAllTranslations()
            refreshTranslationTag()
        }
    }

    func setRegisters(_ newValue: CPUState) {
        precondition(
            newValue.gpr.count == 16 && newValue.segments.count == 6 && newValue.dr.count == 8 && newValue.xmm.count == 16
                && newValue.x87.registers.count == 80,
            "CPUState: 16 general registers, 6 segments, 8 debug registers, 16 XMM registers and 80 bytes of x87 registers")
        for k in 0..<16 { gpr[k] = newValue.gpr[k] }
        rip = newValue.rip
        rflags = newValue.rflags
        for k in 0..<6 { segments[k] = newValue.segments[k] }
        ldtr = newValue.ldtr
        tr = newValue.tr
        (gdtrBase, gdtrLimit) = (newValue.gdtr.base, newValue.gdtr.limit)
        (idtrBase, idtrLimit) = (newValue.idtr.base, newValue.idtr.limit)
        (cr0, cr2, cr3, cr4, cr8) = (newValue.cr0, newValue.cr2, newValue.cr3, newValue.cr4, newValue.cr8)
        dr = newValue.dr
        for k in 0..<16 { (xmm[2 * k], xmm[2 * k + 1]) = (newValue.xmm[k][0], newValue.xmm[k][1]) }
        mxcsr = newValue.mxcsr
        x87 = newValue.x87
        let m = newValue.msrs
        (efer, star, lstar, cstar, sfmask) = (m.efer, m.star, m.lstar, m.cstar, m.sfmask)
        (kernelGSBase, tscAux, pat) = (m.kernelGSBase, m.tscAux, m.pat)
        (sysenterCS, sysenterESP, sysenterEIP) = (m.sysenterCS, m.sysenterESP, m.sysenterEIP)
        (featureControl, debugctl, miscEnable) = (m.featureControl, m.debugctl, m.miscEnable)
        interruptShadow = newValue.interruptShadow
        isHalted = newValue.activityState == .hlt
        instructionsRetired = newValue.instructionsRetired
        (perfGlobalControlBits, fixedCounterControlBits) = (m.perfGlobalControl, m.fixedCounterControl)
        fixedCounter0 = m.fixedCounter0  // after the count it is relative to
        tscBase = newValue.tscBase
        randomState = newValue.randomState
    }

    /// Loads `state` and `controls` at once, as VM entry and VM exit do, dropping the new context's cached
    /// translations only when `flushing` (the nested engine decides from VPIDs and the paging registers, SDM
    /// "Caching Translation Information"); the fetch window is always dropped.
    public func load(_ state: CPUState, controls newControls: ExecutionControls, flushing: Bool) {
        setRegisters(state)
        switchContext(controls: newControls, flushing: flushing)
    }

    /// What `load` does after the registers: for a caller that has changed them in place.
    public func switchContext(controls newControls: ExecutionControls, flushing: Bool) {
        controls = newControls
        if flushing { flushAllTranslations() }
        invalidateFetchWindow()
        refreshTranslationTag()
    }
}
