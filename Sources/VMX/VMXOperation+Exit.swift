import X86

/// VM exits from L2 that L1 handles (SDM vol. 3, "VM Exits"): the exit information is recorded in vmcs12, L2's
/// state saved, the MSR-store list run, L1's host state and MSR-load list loaded, and vmcs01 put back.
extension VMXOperation {
    /// Reflects `exit` to L1; returns a VMX abort's message when the MSR lists cannot be processed.
    /// `halted`: L2 waits in the HLT activity state (L0 halted it), which is saved as such.
    public mutating func exitToL1(_ exit: VMExit, halted: Bool = false, cpu: CPU, memory: L1Memory, msrs: MSRAccess) -> String? {
        var exit = exit
        // An event VM entry injected and L2 has not yet taken (an exit before its first instruction: an
        // interrupt of L1's, the preemption timer at zero) is reported as one whose delivery the exit
        // interrupted, so L1 injects it again rather than losing it (SDM vol. 3, "Information for VM Exits That
        // Occur During Event Delivery").
        if let event = cpu.pendingInjection, exit.idtVectoringInfo >> 31 == 0 {
            exit.idtVectoringInfo =
                UInt32(event.vector) | UInt32(event.kind.rawValue) << 8 | (event.errorCode != nil ? 1 << 11 : 0) | 1 << 31
            exit.idtVectoringErrorCode = event.errorCode ?? 0
            if exit.instructionLength == 0 { exit.instructionLength = UInt32(event.instructionLength) }
        }
        vmcs.withFields { v in
            v[.vmExitReason] = UInt64(exit.reason.rawValue) | (exit.entryFailed ? 1 << 31 : 0)
            v[.exitQualification] = exit.qualification
            v[.guestLinearAddress] = exit.guestLinearAddress ?? 0
            if let physical = exit.guestPhysicalAddress { v[.guestPhysicalAddress] = physical.value }
            v[.vmExitIntrInfo] = UInt64(exit.interruptionInfo)
            v[.vmExitIntrErrorCode] = UInt64(exit.interruptionErrorCode)
            v[.idtVectoringInfoField] = UInt64(exit.idtVectoringInfo)
            v[.idtVectoringErrorCode] = UInt64(exit.idtVectoringErrorCode)
            v[.vmExitInstructionLen] = UInt64(exit.instructionLength)
            v[.vmxInstructionInfo] = UInt64(exit.instructionInfo)
            v[.vmEntryIntrInfoField] &= ~(1 << 31)
        }
        StateTransfer.saveGuest(cpu, into: &vmcs)
        if halted { vmcs[.guestActivityState] = 1 }
        if vmcs.u32(.vmExitControls) & ExitControls.savePreemptionTimer != 0 {
            vmcs[.vmxPreemptionTimerValue] = UInt64(cpu.preemptionTimerRemaining)
        }
        l2Paging = (cpu.cr0, cpu.cr3, cpu.cr4)
        if let abort = Self.storeMSRs(at: vmcs[.vmExitMSRStoreAddr], count: vmcs[.vmExitMSRStoreCount], memory: memory, msrs: msrs) {
            memory.write(currentVMCS + VMCS12Layout.abortIndicator, size: 4, 1)
            return abort
        }
        let tagged = cpu.controls.has(secondary: ExecutionControls.Secondary.enableVPID)
        let flush = !tagged || (vmcs[.hostCR0], vmcs[.hostCR3], vmcs[.hostCR4]) != l1Paging
        return returnToL1(cpu: cpu, memory: memory, msrs: msrs, flushing: flush)
    }

    /// The exit an external interrupt of L1's platform causes while L2 runs with external-interrupt exiting:
    /// with "acknowledge interrupt on exit" the vector is in the interruption information (the caller
    /// acknowledges it), else the interrupt stays pending for L1.
    public func externalInterruptExit(vector: UInt8?) -> VMExit {
        var exit = VMExit(reason: ExitReason.externalInterrupt)
        if let vector { exit.interruptionInfo = UInt32(vector) | 1 << 31 }
        return exit
    }

    /// Whether L1 asked to see external interrupts that arrive while L2 runs, and whether it acknowledges them
    /// on exit.
    public var interceptsExternalInterrupts: (exits: Bool, acknowledges: Bool) {
        (
            vmcs.u32(.pinBasedVMExecControl) & ExecutionControls.PinBased.externalInterruptExiting != 0,
            vmcs.u32(.vmExitControls) & ExitControls.acknowledgeInterruptOnExit != 0
        )
    }
}
