import VMX
import X86

/// One logical processor of a machine: the processor itself and what L0 keeps beside it.
public final class VCPU {
    /// The processor index, which is also its APIC ID.
    public let index: Int
    /// The processor.
    public let cpu: CPU
    /// VMXON/VMXOFF state as the guest hypervisor sees it.
    var vmx = VMXOperation()
    /// IA32_FEATURE_CONTROL as the guest sees it.
    var featureControl: UInt64
    /// A secondary processor waiting in its mailbox for a start address (nestvm(7), "Secondary processors").
    public internal(set) var isParked: Bool
    /// The processor executed HLT and waits for an interrupt.
    public internal(set) var isHalted = false
    /// While halted in MWAIT: the monitored line, whose change wakes it too.
    var monitorWait: MonitoredLine? = nil

    init(index: Int, cpu: CPU, featureControl: UInt64) {
        self.index = index
        self.cpu = cpu
        self.featureControl = featureControl
        isParked = index != 0
    }

    /// Machine time and this processor's retired count when it last stopped running.
    var lastNow: UInt64 = 0
    var lastRetired: UInt64 = 0

    /// The TSC counts machine time, not only this processor's instructions: time that passed while it was
    /// halted, parked or waiting for its slice is added before it runs again (additively, so a TSC the guest
    /// wrote keeps its offset).
    func catchUpTimeStampCounter(now: UInt64) {
        let elapsed = now &- lastNow, ran = cpu.instructionsRetired &- lastRetired
        if elapsed > ran { cpu.tscBase &+= elapsed - ran }
        noteTime(now: now)
    }

    func noteTime(now: UInt64) {
        lastNow = now
        lastRetired = cpu.instructionsRetired
    }

    /// Runs again after HLT or MWAIT.
    func wake() {
        isHalted = false
        monitorWait = nil
    }

    /// Whether an external interrupt would be taken now (RFLAGS.IF set, no STI/MOV SS shadow, nothing queued).
    var acceptsInterrupt: Bool {
        cpu.rflags & Flag.if != 0 && !cpu.interruptShadow && cpu.pendingInjection == nil
    }
}
