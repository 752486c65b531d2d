import X86

/// One logical processor's VMX operation as a guest hypervisor sees it: whether it has executed VMXON, and the
/// VMXON region and current-VMCS pointer that follow. The L0 machine emulates VMXON and VMXOFF here against the
/// SDM's pseudo-code (vol. 3, "VMXON—Enter VMX Operation", "VMXOFF—Leave VMX Operation"); the instructions
/// that work on a VMCS belong to the nested engine.
public struct VMXOperation: Sendable {
    /// The processor is in VMX operation (VMXON succeeded, no VMXOFF since).
    public private(set) var isInVMXOperation = false
    /// The guest-physical address of the VMXON region.
    public private(set) var vmxonRegion: UInt64 = 0
    /// The current-VMCS pointer: all ones when there is none.
    public private(set) var currentVMCS: UInt64 = .max

    /// A processor outside VMX operation.
    public init() {}

    /// VMX is enabled by IA32_FEATURE_CONTROL: the lock bit (0) and "enable VMX outside SMX" (2) both set.
    public static func featureControlAllowsVMXON(_ value: UInt64) -> Bool { value & 0b101 == 0b101 }

    /// VMfail for an instruction error: VMfailValid with the number when a current VMCS exists, else
    /// VMfailInvalid.
    func fail(_ error: VMInstructionError) -> VMXInstructionResult {
        currentVMCS == .max ? .failedInvalid : .failedValid(error)
    }

    /// Emulates VMXON for the guest-physical pointer stored at the operand. `readPhysical` reads 4 bytes of
    /// guest-physical memory (nil when nothing is there).
    public mutating func vmxon(
        cpu: CPU, exit: VMExit, featureControl: UInt64,
        readPhysical: (UInt64) -> UInt64?
    ) -> VMXInstructionResult {
        if VMXOperand.isRegister(exit) { return .fault(.invalidOpcode) }
        if isInVMXOperation {
            if cpu.cpl > 0 { return .fault(.generalProtection(0)) }
            return fail(.vmxonInRootOperation)
        }
        let cr0Fits = cpu.cr0 & VMXCapabilities.cr0Fixed0 == VMXCapabilities.cr0Fixed0 && cpu.cr0 & ~VMXCapabilities.cr0Fixed1 == 0
        let cr4Fits = cpu.cr4 & VMXCapabilities.cr4Fixed0 == VMXCapabilities.cr4Fixed0 && cpu.cr4 & ~VMXCapabilities.cr4Fixed1 == 0
        guard cpu.cpl == 0, cr0Fits, cr4Fits, Self.featureControlAllowsVMXON(featureControl) else {
            return .fault(.generalProtection(0))
        }
        let pointer: UInt64
        do {
            pointer = try cpu.readLinear(VMXOperand.linearAddress(exit, cpu: cpu), size: 8)
        } catch {
            if case .fault(let fault) = error { return .fault(fault) }
            return .fault(.generalProtection(0))
        }
        guard pointer & 0xFFF == 0, pointer >> CPU.physicalAddressBits == 0, let revision = readPhysical(pointer) else {
            return .failedInvalid
        }
        guard revision == UInt64(VMXCapabilities.revisionIdentifier) else { return .failedInvalid }
        isInVMXOperation = true
        vmxonRegion = pointer
        currentVMCS = .max
        return .succeeded
    }

    /// Emulates VMXOFF.
    public mutating func vmxoff(cpu: CPU) -> VMXInstructionResult {
        guard isInVMXOperation else { return .fault(.invalidOpcode) }
        if cpu.cpl > 0 { return .fault(.generalProtection(0)) }
        isInVMXOperation = false
        currentVMCS = .max
        return .succeeded
    }

    /// The other VMX instructions: #UD outside VMX operation, #GP at CPL > 0, and otherwise not emulated here.
    public func unemulated(_ name: String, cpu: CPU) -> VMXInstructionResult {
        guard isInVMXOperation else { return .fault(.invalidOpcode) }
        if cpu.cpl > 0 { return .fault(.generalProtection(0)) }
        return .notEmulated(name)
    }
}
