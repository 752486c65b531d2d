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

    init(index: Int, cpu: CPU, featureControl: UInt64) {
        self.index = index
        self.cpu = cpu
        self.featureControl = featureControl
        isParked = index != 0
    }

    /// Whether an external interrupt would be taken now (RFLAGS.IF set, no STI/MOV SS shadow, nothing queued).
    var acceptsInterrupt: Bool {
        cpu.rflags & Flag.if != 0 && !cpu.interruptShadow && cpu.pendingInjection == nil
    }
}
