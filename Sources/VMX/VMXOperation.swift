import X86

/// One logical processor's VMX operation as a guest hypervisor (L1) sees it: VMXON state, the current VMCS
/// (vmcs12, cached here while current, as KVM does), and whether L2 runs. The L0 machine emulates L1's VMX
/// instructions here against the SDM's pseudo-code (vol. 3, "VMX Instruction Reference").
///
/// The cache is the VMCS's truth while it is current: VMCLEAR of it, VMPTRLD of another VMCS and VMXOFF write it
/// back to its region in L1's memory (nestvm(7), "NESTED VIRTUALIZATION", for the layout).
public struct VMXOperation: Sendable {
    /// The processor is in VMX operation (VMXON succeeded, no VMXOFF since).
    public private(set) var isInVMXOperation = false
    /// The guest-physical address of the VMXON region.
    public private(set) var vmxonRegion: UInt64 = 0
    /// The current-VMCS pointer: all ones when there is none.
    public internal(set) var currentVMCS: UInt64 = .max
    /// The current VMCS's fields.
    public internal(set) var vmcs = VMCS12()
    /// L2 runs on the processor: L1 is in VMX root operation of its own, its guest in non-root operation.
    public internal(set) var isInL2 = false
    /// L1's controls (vmcs01) while L2 runs, restored at every exit to L1.
    public internal(set) var controls01 = ExecutionControls()
    /// L0 wants an exit when L2 can take an interrupt of L1's platform.
    public var l0WantsInterruptWindow = false
    /// The paging registers (CR0, CR3, CR4) L1 had when L2 was entered, and L2's at its last exit: a context
    /// whose paging registers change on the way back has its cached translations dropped.
    var l1Paging: (UInt64, UInt64, UInt64) = (0, 0, 0)
    var l2Paging: (UInt64, UInt64, UInt64)? = nil
    /// What the entry checks read when they last passed with the current VMCS (forgotten when another becomes
    /// current): the next entry re-runs only the checks whose fields changed.
    var entryMemo = EntryCheckMemo()

    /// A processor outside VMX operation.
    public init() {}

    /// VMX is enabled by IA32_FEATURE_CONTROL: the lock bit (0) and "enable VMX outside SMX" (2) both set.
    public static func featureControlAllowsVMXON(_ value: UInt64) -> Bool { value & 0b101 == 0b101 }

    /// VMfail for an instruction error: VMfailValid with the number written to the current VMCS's
    /// VM-instruction error field when there is one, else VMfailInvalid.
    mutating func fail(_ error: VMInstructionError) -> VMXInstructionResult {
        guard currentVMCS != .max else { return .failedInvalid }
        vmcs[.vmInstructionError] = UInt64(error.rawValue)
        return .failedValid(error)
    }

    /// The checks every VMX instruction but VMXON makes first: #UD outside VMX operation, #GP(0) at CPL > 0.
    func prologue(_ cpu: CPU) -> VMXInstructionResult? {
        guard isInVMXOperation else { return .fault(.invalidOpcode) }
        if cpu.cpl > 0 { return .fault(.generalProtection(0)) }
        return nil
    }

    /// Emulates VMXON for the guest-physical pointer stored at the operand.
    public mutating func vmxon(cpu: CPU, exit: VMExit, featureControl: UInt64, memory: L1Memory) -> VMXInstructionResult {
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
        switch VMXOperand.read(exit, cpu: cpu, size: 8) {
        case .failure(let fault): return .fault(fault)
        case .success(let value): pointer = value
        }
        guard Self.isRegionAddress(pointer, memory), let revision = memory.read(pointer, size: 4) else {
            return .failedInvalid
        }
        guard revision == UInt64(VMXCapabilities.revisionIdentifier) else { return .failedInvalid }
        isInVMXOperation = true
        vmxonRegion = pointer
        currentVMCS = .max
        return .succeeded
    }

    /// Emulates VMXOFF; the current VMCS is written back to its region first.
    public mutating func vmxoff(cpu: CPU, memory: L1Memory) -> VMXInstructionResult {
        if let result = prologue(cpu) { return result }
        writeBack(memory)
        isInVMXOperation = false
        currentVMCS = .max
        return .succeeded
    }

    /// A VMCS or VMXON region address L0 accepts: 4 KiB-aligned, within the physical-address width, and the
    /// whole region inside L1's memory (an address beyond L1's RAM is refused as invalid rather than written
    /// into nothing).
    static func isRegionAddress(_ address: UInt64, _ memory: L1Memory) -> Bool {
        address & 0xFFF == 0 && address >> CPU.physicalAddressBits == 0 && memory.contains(address, count: VMXCapabilities.regionSize)
    }

    /// Writes the cached current VMCS back to its region.
    func writeBack(_ memory: L1Memory) {
        if currentVMCS != .max { vmcs.store(region: currentVMCS, in: memory) }
    }
}
