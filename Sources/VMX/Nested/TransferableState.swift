import X86

/// The processor state that VM entry and VM exit move between a VMCS and the processor: what `StateTransfer`
/// reads and writes. `CPUState` has it, and so does the processor itself, so the engine moves state in place
/// without copying every register.
public protocol TransferableState {
    /// CR0.
    var cr0: UInt64 { get set }
    /// CR3.
    var cr3: UInt64 { get set }
    /// CR4.
    var cr4: UInt64 { get set }
    /// DR7.
    var dr7: UInt64 { get set }
    /// IA32_DEBUGCTL.
    var debugctl: UInt64 { get set }
    /// IA32_EFER.
    var efer: UInt64 { get set }
    /// IA32_PAT.
    var pat: UInt64 { get set }
    /// IA32_PERF_GLOBAL_CTRL.
    var perfGlobalControl: UInt64 { get set }
    /// IA32_SYSENTER_CS.
    var sysenterCS: UInt64 { get set }
    /// IA32_SYSENTER_ESP.
    var sysenterESP: UInt64 { get set }
    /// IA32_SYSENTER_EIP.
    var sysenterEIP: UInt64 { get set }
    /// A segment register.
    subscript(segment: SegmentRegister) -> Segment { get set }
    /// LDTR.
    var ldtr: Segment { get set }
    /// TR.
    var tr: Segment { get set }
    /// GDTR.
    var gdtr: CPUState.DescriptorTable { get set }
    /// IDTR.
    var idtr: CPUState.DescriptorTable { get set }
    /// RSP.
    var rsp: UInt64 { get set }
    /// RIP.
    var rip: UInt64 { get set }
    /// RFLAGS.
    var rflags: UInt64 { get set }
    /// INTERRUPTSHADOW.
    var interruptShadow: Bool { get set }
    /// Active or halted.
    var activityState: CPUState.ActivityState { get set }
}

extension CPUState: TransferableState {
    /// DR7.
    public var dr7: UInt64 {
        get { dr[7] }
        set { dr[7] = newValue }
    }
    /// IA32_EFER.
    public var efer: UInt64 {
        get { msrs.efer }
        set { msrs.efer = newValue }
    }
    /// IA32_PAT.
    public var pat: UInt64 {
        get { msrs.pat }
        set { msrs.pat = newValue }
    }
    /// IA32_PERF_GLOBAL_CTRL.
    public var perfGlobalControl: UInt64 {
        get { msrs.perfGlobalControl }
        set { msrs.perfGlobalControl = newValue }
    }
    /// IA32_DEBUGCTL.
    public var debugctl: UInt64 {
        get { msrs.debugctl }
        set { msrs.debugctl = newValue }
    }
    /// IA32_SYSENTER_CS.
    public var sysenterCS: UInt64 {
        get { msrs.sysenterCS }
        set { msrs.sysenterCS = newValue }
    }
    /// IA32_SYSENTER_ESP.
    public var sysenterESP: UInt64 {
        get { msrs.sysenterESP }
        set { msrs.sysenterESP = newValue }
    }
    /// IA32_SYSENTER_EIP.
    public var sysenterEIP: UInt64 {
        get { msrs.sysenterEIP }
        set { msrs.sysenterEIP = newValue }
    }
    /// RSP.
    public var rsp: UInt64 {
        get { gpr[Reg.rsp] }
        set { gpr[Reg.rsp] = newValue }
    }
}

extension CPU: TransferableState {
    /// DR7.
    public var dr7: UInt64 {
        get { dr[7] }
        set { dr[7] = newValue }
    }
    /// A segment register.
    public subscript(segment: SegmentRegister) -> Segment {
        get { segments[segment.rawValue] }
        set { segments[segment.rawValue] = newValue }
    }
    /// GDTR.
    public var gdtr: CPUState.DescriptorTable {
        get { .init(base: gdtrBase, limit: gdtrLimit) }
        set { (gdtrBase, gdtrLimit) = (newValue.base, newValue.limit) }
    }
    /// IDTR.
    public var idtr: CPUState.DescriptorTable {
        get { .init(base: idtrBase, limit: idtrLimit) }
        set { (idtrBase, idtrLimit) = (newValue.base, newValue.limit) }
    }
    /// RSP.
    public var rsp: UInt64 {
        get { gpr[Reg.rsp] }
        set { gpr[Reg.rsp] = newValue }
    }
    /// Active or halted.
    public var activityState: CPUState.ActivityState {
        get { isHalted ? .hlt : .active }
        set { isHalted = newValue == .hlt }
    }
}
