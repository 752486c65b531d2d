import VMX
import X86

/// The nested engine in the machine: L1's VMX instructions, entries into L2, and the exits of L2, each going to
/// L1 when its vmcs12 asks for it and handled by L0 as L1's platform otherwise (DESIGN.md, "VMX, the L0 nested
/// engine").
extension Machine {
    /// L1's RAM as the engine reaches it.
    var l1Memory: L1Memory { L1Memory(memory: memory, size: configuration.memoryBytes) }

    /// The MSRs the VM-entry and VM-exit MSR lists read and write: those L1's RDMSR and WRMSR reach.
    func msrAccess(_ vcpu: VCPU) -> MSRAccess { msrAccesses[vcpu.index] }

    /// VMXON, VMXOFF and the instructions on VMCSs and cached translations.
    func handleVMXInstruction(_ exit: VMExit, on vcpu: VCPU) {
        let cpu = vcpu.cpu, memory = l1Memory
        let result: VMXInstructionResult
        switch exit.reason {
        case ExitReason.vmxon: result = vcpu.vmx.vmxon(cpu: cpu, exit: exit, featureControl: vcpu.featureControl, memory: memory)
        case ExitReason.vmxoff: result = vcpu.vmx.vmxoff(cpu: cpu, memory: memory)
        case ExitReason.vmclear: result = vcpu.vmx.vmclear(cpu: cpu, exit: exit, memory: memory)
        case ExitReason.vmptrld: result = vcpu.vmx.vmptrld(cpu: cpu, exit: exit, memory: memory)
        case ExitReason.vmptrst: result = vcpu.vmx.vmptrst(cpu: cpu, exit: exit)
        case ExitReason.vmread: result = vcpu.vmx.vmread(cpu: cpu, exit: exit)
        case ExitReason.vmwrite: result = vcpu.vmx.vmwrite(cpu: cpu, exit: exit)
        case ExitReason.invept: result = vcpu.vmx.invept(cpu: cpu, exit: exit)
        default: result = vcpu.vmx.invvpid(cpu: cpu, exit: exit)
        }
        result.complete(on: cpu, instructionLength: exit.instructionLength)
    }

    /// VMLAUNCH and VMRESUME: L2 runs next, or the entry fails and says which check failed.
    func enter(_ exit: VMExit, on vcpu: VCPU) {
        let cpu = vcpu.cpu, rip = cpu.rip, launch = exit.reason == ExitReason.vmlaunch
        let outcome = vcpu.vmx.enter(launch: launch, cpu: cpu, memory: l1Memory, msrs: msrAccess(vcpu))
        traceEntry(outcome, launch: launch, rip: rip, on: vcpu)
        switch outcome {
        case .instruction(let result): result.complete(on: cpu, instructionLength: exit.instructionLength)
        case .failedChecks(let result, let failure):
            result.complete(on: cpu, instructionLength: exit.instructionLength)
            noteEntryFailure(failure, on: vcpu)
        case .failureExit(let failure): noteEntryFailure(failure, on: vcpu)
        case .entered(let halted): vcpu.isHalted = halted && cpu.pendingInjection == nil  // an injected event wakes it
        case .aborted(let message): stop = .vmxAbort(processor: vcpu.index, message)
        }
    }

    func noteEntryFailure(_ failure: EntryFailure, on vcpu: VCPU) {
        diagnostics.append("VM entry failed on processor \(vcpu.index): \(failure.diagnostic)")
    }

    /// An exit of L2: to L1 when vmcs12 asks for it, else L0's own.
    func handleNested(_ exit: VMExit, on vcpu: VCPU) {
        let cpu = vcpu.cpu
        var register: UInt64 = 0
        switch exit.reason {
        case ExitReason.crAccess: register = cpu.gpr[Int(exit.qualification >> 8 & 0xF)]
        case ExitReason.rdmsr, ExitReason.wrmsr: register = cpu.gpr[Reg.rcx]
        default: break
        }
        let toL1 = ExitRouting.exitsToL1(exit, vmcs12: vcpu.vmx.vmcs, memory: l1Memory, register: register)
        traceExit(exit, level: 2, on: vcpu, handledBy: toL1 ? .l1 : .l0)
        if toL1 { return reflect(exit, on: vcpu) }
        switch exit.reason {
        case ExitReason.crAccess:
            // Only CR4.VMXE is left, which is fixed to 1 in VMX operation: clearing it is #GP.
            inject(.generalProtection(0), vcpu)
        case ExitReason.eptViolation, ExitReason.eptMisconfiguration:
            let address = exit.guestPhysicalAddress?.value ?? 0
            stop = .unsupported(
                "processor \(vcpu.index)'s L2 guest reached guest-physical 0x\(hex(address)) at RIP 0x\(hex(cpu.rip)), which maps outside the L1 guest's \(configuration.memoryBytes >> 20) MiB of memory"
            )
        default: handleOwn(exit, on: vcpu)
        }
    }

    /// Reflects an exit to L1, which continues at its HOST_RIP.
    func reflect(_ exit: VMExit, on vcpu: VCPU) {
        // A wait in MWAIT is saved as the active state: L2 goes on after its MWAIT (SDM vol. 3, "Guest
        // Non-Register State").
        let halted = vcpu.isHalted && vcpu.monitorWait == nil
        vcpu.wake()
        if let abort = vcpu.vmx.exitToL1(exit, halted: halted, cpu: vcpu.cpu, memory: l1Memory, msrs: msrAccess(vcpu)) {
            stop = .vmxAbort(processor: vcpu.index, abort)
        }
    }

    /// An interrupt of L1's platform arriving while L2 runs with external-interrupt exiting set: an exit to L1
    /// (with the vector, acknowledged, when vmcs12 says "acknowledge interrupt on exit").
    func interruptExitsToL1(_ vcpu: VCPU) -> Bool {
        let intercept = vcpu.vmx.interceptsExternalInterrupts
        guard vcpu.vmx.isInL2, intercept.exits else { return false }
        let exit = vcpu.vmx.externalInterruptExit(vector: intercept.acknowledges ? pic.acknowledge() : nil)
        traceExit(exit, level: 2, on: vcpu, handledBy: .l1)
        reflect(exit, on: vcpu)
        return true
    }

    /// Bytes of text about nested entries since the last call (one line each, without the tool's prefix):
    /// which entry check failed, and why.
    public func takeDiagnostics() -> [String] {
        defer { diagnostics.removeAll() }
        return diagnostics
    }
}
