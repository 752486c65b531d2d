import X86

/// What L0 reads and writes MSRs with for the VM-entry and VM-exit MSR lists: the same MSRs RDMSR and WRMSR of
/// L1 reach (L0's and the processor's). Nil and false mean the access would raise #GP.
public struct MSRAccess {
    /// Reads an MSR; nil for #GP.
    public var read: (UInt32) -> UInt64?
    /// Writes an MSR; false for #GP.
    public var write: (UInt32, UInt64) -> Bool

    /// Access through these two functions.
    public init(read: @escaping (UInt32) -> UInt64?, write: @escaping (UInt32, UInt64) -> Bool) {
        self.read = read
        self.write = write
    }
}

/// What VMLAUNCH or VMRESUME came to.
public enum EntryOutcome: Equatable {
    /// The instruction completed without entering: an exception, VMfailInvalid or VMfailValid.
    case instruction(VMXInstructionResult)
    /// A check on the controls or the host state failed: VMfailValid(7) or (8), with the failed check.
    case failedChecks(VMXInstructionResult, EntryFailure)
    /// A check on the guest state or the MSR-load list failed: L1 continues at HOST_RIP after an exit with
    /// reason 33 or 34 (bit 31 set).
    case failureExit(EntryFailure)
    /// L2 runs; `halted` when it was entered in the HLT activity state.
    case entered(halted: Bool)
    /// Loading the host's MSRs after a failed entry failed too: a VMX abort, and the processor stops.
    case aborted(String)
}

/// VMLAUNCH and VMRESUME (SDM vol. 3, "VMLAUNCH/VMRESUME—Launch/Resume Virtual Machine", and "VM Entries").
extension VMXOperation {
    /// Enters L2 from the current VMCS, or fails as the SDM says.
    public mutating func enter(
        launch: Bool, cpu: CPU, memory: L1Memory, msrs: MSRAccess
    ) -> EntryOutcome {
        if let result = prologue(cpu) { return .instruction(result) }
        guard currentVMCS != .max else { return .instruction(.failedInvalid) }
        if launch && vmcs.isLaunched { return .instruction(fail(.vmlaunchNonClearVMCS)) }
        if !launch && !vmcs.isLaunched { return .instruction(fail(.vmresumeNonLaunchedVMCS)) }
        let inputs = EntryInputs(
            vmcs: vmcs, inIA32eMode: cpu.efer & EFER.lma != 0,
            readWord: { memory.read($0, size: 4).map { UInt32(truncatingIfNeeded: $0) } })
        if let failure = EntryCheck.firstFailure(inputs, memo: &entryMemo) {
            switch failure.result {
            case .failValid(let error): return .failedChecks(fail(error), failure)
            case .failureExit(let reason, let qualification):
                controls01 = cpu.controls
                if let abort = failEntry(reason: reason, qualification: qualification, cpu: cpu, memory: memory, msrs: msrs) {
                    return .aborted(abort)
                }
                return .failureExit(failure)
            }
        }
        controls01 = cpu.controls
        l1Paging = (cpu.cr0, cpu.cr3, cpu.cr4)
        var processor = cpu
        StateTransfer.loadGuest(vmcs, into: &processor)
        let controls02 = Composition.controls(l0: controls01, vmcs12: vmcs, l0WantsInterruptWindow: l0WantsInterruptWindow)
        let tagged = controls02.has(secondary: ExecutionControls.Secondary.enableVPID)
        let flush = !tagged || l2Paging.map { $0 != (cpu.cr0, cpu.cr3, cpu.cr4) } ?? true
        let halted = cpu.isHalted
        cpu.isHalted = false  // L0 keeps the vCPU halted itself
        cpu.switchContext(controls: controls02, flushing: flush)
        if let (index, complaint) = Self.loadMSRs(
            at: vmcs[.vmEntryMSRLoadAddr], count: vmcs[.vmEntryMSRLoadCount], memory: memory, msrs: msrs, entering: true)
        {
            let failure = EntryFailure(
                id: "msr-load.entry", section: .loadingMSRs, field: .vmEntryMSRLoadAddr, value: vmcs[.vmEntryMSRLoadAddr],
                complaint: complaint,
                result: .failureExit(reason: ExitReason.entryFailureMSRLoading, qualification: UInt64(index)))
            if let abort = failEntry(
                reason: ExitReason.entryFailureMSRLoading, qualification: UInt64(index), cpu: cpu, memory: memory, msrs: msrs)
            {
                return .aborted(abort)
            }
            return .failureExit(failure)
        }
        if launch { vmcs.isLaunched = true }
        isInL2 = true
        injectEvent(cpu)
        return .entered(halted: halted)
    }

    /// Event injection from the VM-entry interruption-information field (SDM "Event Injection"), or the single-step
    /// trap that GUEST_PENDING_DBG_EXCEPTIONS.BS holds pending (SDM "Delivery of Pending Debug Exceptions after VM
    /// Entry").
    func injectEvent(_ cpu: CPU) {
        let info = vmcs.u32(.vmEntryIntrInfoField)
        if info >> 31 != 0 {
            let kind = InjectedEvent.Kind(rawValue: UInt8(info >> 8 & 7)) ?? .hardwareException
            cpu.pendingInjection = InjectedEvent(
                vector: UInt8(info & 0xFF), kind: kind, errorCode: info & 1 << 11 != 0 ? vmcs.u32(.vmEntryExceptionErrorCode) : nil,
                instructionLength: UInt8(truncatingIfNeeded: vmcs[.vmEntryInstructionLen]))
        } else if vmcs[.guestPendingDBGExceptions] & 1 << 14 != 0 {
            cpu.dr[6] |= 1 << 14
            cpu.pendingInjection = InjectedEvent(vector: Vector.db, kind: .hardwareException)
        }
    }

    /// An entry that fails after the controls and host state passed: the exit reason with bit 31, the
    /// qualification, the host state and the VM-exit MSR-load list (SDM "VM-Entry Failures During or After
    /// Loading Guest State"). The guest state is not saved. Returns a VMX abort's message.
    mutating func failEntry(
        reason: ExitReason, qualification: UInt64, cpu: CPU, memory: L1Memory, msrs: MSRAccess
    ) -> String? {
        vmcs[.vmExitReason] = UInt64(reason.rawValue) | 1 << 31
        vmcs[.exitQualification] = qualification
        return returnToL1(cpu: cpu, memory: memory, msrs: msrs, flushing: true)
    }

    /// Loads L1's host state and its VM-exit MSR-load list, and puts vmcs01 back in force.
    mutating func returnToL1(cpu: CPU, memory: L1Memory, msrs: MSRAccess, flushing: Bool) -> String? {
        var processor = cpu
        StateTransfer.loadHost(vmcs, into: &processor)
        cpu.switchContext(controls: controls01, flushing: flushing)
        cpu.pendingInjection = nil
        isInL2 = false
        if let (index, complaint) = Self.loadMSRs(
            at: vmcs[.vmExitMSRLoadAddr], count: vmcs[.vmExitMSRLoadCount], memory: memory, msrs: msrs, entering: false)
        {
            memory.write(currentVMCS + VMCS12Layout.abortIndicator, size: 4, 4)
            return "VMX abort 4 (loading host MSRs failed): VM-exit MSR-load entry \(index) \(complaint)"
        }
        return nil
    }

    /// Runs an MSR-load list (SDM "Loading MSRs", "Loading Host MSRs"): nil, or the 1-based index of the entry
    /// that failed and why. A list longer than IA32_VMX_MISC's 512 entries fails at entry 513.
    static func loadMSRs(
        at address: UInt64, count: UInt64, memory: L1Memory, msrs: MSRAccess, entering: Bool
    ) -> (Int, String)? {
        for k in 0..<min(count, VMXCapabilities.msrListLimit + 1) {
            let index = Int(k) + 1
            if k == VMXCapabilities.msrListLimit {
                return (index, "is past the \(VMXCapabilities.msrListLimit) entries IA32_VMX_MISC allows")
            }
            let entry = address &+ 16 &* k
            guard let word = memory.read(entry, size: 8), let value = memory.read(entry &+ 8, size: 8) else {
                return (index, "lies outside the guest hypervisor's memory")
            }
            let msr = UInt32(truncatingIfNeeded: word)
            let name = "(MSR 0x\(String(msr, radix: 16)))"
            if word >> 32 != 0 { return (index, "\(name) sets reserved bits 63:32") }
            if msr >> 8 == 0x8 { return (index, "\(name) is an x2APIC MSR") }
            if msr == 0x9B || msr == 0x9E { return (index, "\(name) is an SMM MSR") }
            if entering && (msr == MSR.fsBase || msr == MSR.gsBase) {
                return (index, "\(name) is IA32_FS_BASE or IA32_GS_BASE, which the guest-state area loads")
            }
            guard msrs.write(msr, value) else { return (index, "\(name) cannot be written with 0x\(String(value, radix: 16))") }
        }
        return nil
    }

    /// Runs the VM-exit MSR-store list (SDM "Saving MSRs"): nil, or a VMX abort's message.
    static func storeMSRs(at address: UInt64, count: UInt64, memory: L1Memory, msrs: MSRAccess) -> String? {
        for k in 0..<min(count, VMXCapabilities.msrListLimit) {
            let entry = address &+ 16 &* k
            guard let word = memory.read(entry, size: 8) else {
                return "VMX abort 1 (saving guest MSRs failed): VM-exit MSR-store entry \(k + 1) lies outside the guest hypervisor's memory"
            }
            let msr = UInt32(truncatingIfNeeded: word)
            guard word >> 32 == 0, msr >> 8 != 0x8, msr != 0x9E, let value = msrs.read(msr) else {
                return
                    "VMX abort 1 (saving guest MSRs failed): VM-exit MSR-store entry \(k + 1) (MSR 0x\(String(msr, radix: 16))) cannot be read"
            }
            memory.write(entry &+ 8, size: 8, value)
        }
        return nil
    }
}
