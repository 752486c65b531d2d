import VMX
import X86

/// L0's exit handlers: what the machine does for each VM exit of its guest (SDM vol. 3, "VM Exits", with the
/// exit qualifications of "Exit Qualification for …" for each reason).
extension Machine {
    func handle(_ exit: VMExit, on vcpu: VCPU) {
        if vcpu.vmx.isInL2 { return handleNested(exit, on: vcpu) }
        traceExit(exit, level: 1, on: vcpu, handledBy: .l0)
        handleOwn(exit, on: vcpu)
    }

    /// The exits the processor lets L0 handle without leaving its run loop: L1's VMREAD, VMWRITE and CPUID, the
    /// commonest instructions of an exit handler, which touch only vmcs12, registers and memory. Handled exactly
    /// as `handle` would (traced too); true when it was one of them.
    func handleInline(_ exit: VMExit, on vcpu: VCPU) -> Bool {
        guard !vcpu.vmx.isInL2 else { return false }
        switch exit.reason {
        case ExitReason.vmread, ExitReason.vmwrite, ExitReason.cpuid:
            traceExit(exit, level: 1, on: vcpu, handledBy: .l0)
            handleOwn(exit, on: vcpu)
            return true
        default: return false
        }
    }

    /// An exit L0 handles itself: every exit of L1, and the exits of L2 that only L0's controls caused.
    func handleOwn(_ exit: VMExit, on vcpu: VCPU) {
        let cpu = vcpu.cpu
        switch exit.reason {
        case ExitReason.ioInstruction: handleIO(exit, cpu: cpu)
        case ExitReason.cpuid:
            let r = cpuid.query(
                leaf: UInt32(truncatingIfNeeded: cpu.gpr[Reg.rax]), subleaf: UInt32(truncatingIfNeeded: cpu.gpr[Reg.rcx]),
                apicID: vcpu.index)
            cpu.gpr[Reg.rax] = UInt64(r.eax)
            cpu.gpr[Reg.rbx] = UInt64(r.ebx)
            cpu.gpr[Reg.rcx] = UInt64(r.ecx)
            cpu.gpr[Reg.rdx] = UInt64(r.edx)
            skip(exit, cpu)
        case ExitReason.rdmsr:
            let msr = UInt32(truncatingIfNeeded: cpu.gpr[Reg.rcx])
            guard let value = readMSR(msr, vcpu: vcpu) ?? cpu.readMSR(msr) else { return inject(.generalProtection(0), vcpu) }
            cpu.gpr[Reg.rax] = value & 0xFFFF_FFFF
            cpu.gpr[Reg.rdx] = value >> 32
            skip(exit, cpu)
        case ExitReason.wrmsr:
            let msr = UInt32(truncatingIfNeeded: cpu.gpr[Reg.rcx])
            let value = cpu.gpr[Reg.rdx] << 32 | cpu.gpr[Reg.rax] & 0xFFFF_FFFF
            guard writeMSR(msr, value, vcpu: vcpu) ?? cpu.writeMSR(msr, value) else { return inject(.generalProtection(0), vcpu) }
            skip(exit, cpu)
        case ExitReason.hlt:
            skip(exit, cpu)
            vcpu.isHalted = true
        case ExitReason.mwait:
            // MWAIT's operand checks come after the exit (SDM vol. 3, "Relative Priority of Faults and VM Exits"):
            // ECX has no extension to ask for. It waits when the monitor was armed and its line is as it was;
            // a store to the line or an interrupt (as for HLT) wakes it.
            guard cpu.gpr[Reg.rcx] & 0xFFFF_FFFF == 0 else { return inject(.generalProtection(0), vcpu) }
            skip(exit, cpu)
            if exit.qualification & 1 != 0, let line = cpu.monitor, !line.hasChanged(in: memory) {
                vcpu.isHalted = true
                vcpu.monitorWait = line
            }
            cpu.monitor = nil
        case ExitReason.crAccess: handleCRAccess(exit, vcpu: vcpu)
        case ExitReason.vmxon, ExitReason.vmxoff, ExitReason.vmclear, ExitReason.vmptrld, ExitReason.vmptrst,
            ExitReason.vmread, ExitReason.vmwrite, ExitReason.invept, ExitReason.invvpid:
            handleVMXInstruction(exit, on: vcpu)
        case ExitReason.vmlaunch, ExitReason.vmresume: enter(exit, on: vcpu)
        case ExitReason.vmcall, ExitReason.xsetbv, ExitReason.vmfunc:
            // No hypercall interface, no XSAVE, no VM functions: #UD, as on a processor without them.
            inject(.invalidOpcode, vcpu)
        case ExitReason.invd, ExitReason.wbinvd, ExitReason.pause: skip(exit, cpu)
        case ExitReason.interruptWindow, ExitReason.preemptionTimer: break
        case ExitReason.tripleFault: stop = .tripleFault(processor: vcpu.index)
        case ExitReason.eptViolation:
            if handleDeviceAccess(exit, on: vcpu) { return }
            let address = exit.guestPhysicalAddress?.value ?? 0
            let access = exit.qualification & 4 != 0 ? "fetched from" : (exit.qualification & 2 != 0 ? "wrote to" : "read from")
            stop = .unsupported(
                "processor \(vcpu.index) \(access) guest-physical 0x\(hex(address)) at RIP 0x\(hex(cpu.rip)), outside the VM's \(configuration.memoryBytes >> 20) MiB of memory and any device"
            )
        default:
            stop = .unsupported(
                "processor \(vcpu.index) made a \(exit.reasonName) exit at RIP 0x\(hex(cpu.rip)) that the machine does not handle")
        }
    }

    /// Moves RIP past the instruction that exited. Completing it ends any blocking by STI or MOV SS, as the
    /// instruction itself would have (SDM vol. 3, "Interruptibility State"): `sti; hlt` wakes for the next
    /// interrupt.
    func skip(_ exit: VMExit, _ cpu: CPU) {
        cpu.rip &+= UInt64(exit.instructionLength)
        cpu.interruptShadow = false
    }

    /// Raises a hardware exception at the instruction that exited, as the processor would have: in L2 an
    /// exception that vmcs12's exception bitmap selects exits to L1 instead of being delivered.
    func inject(_ fault: Fault, _ vcpu: VCPU) {
        if vcpu.vmx.isInL2, let exit = vcpu.cpu.exceptionExit(fault, kind: .hardwareException) {
            traceExit(exit, level: 2, on: vcpu, handledBy: .l1)
            return reflect(exit, on: vcpu)
        }
        vcpu.cpu.pendingInjection = InjectedEvent(vector: fault.vector, kind: .hardwareException, errorCode: fault.errorCode)
    }

    /// Port I/O (exit qualification: size 2:0, direction 3, string 4, port 31:16), through the port bus.
    func handleIO(_ exit: VMExit, cpu: CPU) {
        let size = Int(exit.qualification & 7) + 1
        let isIn = exit.qualification & 8 != 0
        let port = UInt16(truncatingIfNeeded: exit.qualification >> 16)
        guard exit.qualification & 0x10 == 0 else {
            stop = .unsupported(
                "string I/O (\(isIn ? "INS" : "OUTS")) on port 0x\(hex(UInt64(port))) at RIP 0x\(hex(cpu.rip)) is not emulated; use IN and OUT"
            )
            return
        }
        if isIn {
            let value = ports.read(port, size: size, now: now)
            switch size {
            case 1: cpu.gpr[Reg.rax] = cpu.gpr[Reg.rax] & ~0xFF | value
            case 2: cpu.gpr[Reg.rax] = cpu.gpr[Reg.rax] & ~0xFFFF | value
            default: cpu.gpr[Reg.rax] = value  // a 32-bit destination zero-extends
            }
        } else {
            ports.write(port, size: size, value: cpu.gpr[Reg.rax], now: now)
            if let status = debugExit.requestedStatus {
                stop = .guestExit(status)
                return
            }
        }
        skip(exit, cpu)
    }

    /// MSRs L0 answers itself: IA32_FEATURE_CONTROL and the VMX capability MSRs. Nil: the processor's own, or #GP.
    func readMSR(_ msr: UInt32, vcpu: VCPU) -> UInt64? {
        if msr == MSR.featureControl { return vcpu.featureControl }
        if VMXCapabilities.MSRNumber.range.contains(msr) {
            // Without exposed virtualization extensions the capability MSRs do not exist: #GP, as on Hyper-V.
            return configuration.exposeVirtualizationExtensions ? VMXCapabilities.value(of: msr) ?? 0 : nil
        }
        return nil
    }

    /// Writes L0 handles: nil when not L0's MSR, false for #GP.
    func writeMSR(_ msr: UInt32, _ value: UInt64, vcpu: VCPU) -> Bool? {
        if msr == MSR.featureControl {
            // Writable until locked (bit 0); only lock and "VMX outside SMX" exist, and only with VMX exposed.
            guard vcpu.featureControl & 1 == 0, value & ~0b101 == 0 else { return false }
            vcpu.featureControl = value
            return true
        }
        if VMXCapabilities.MSRNumber.range.contains(msr) { return false }  // read-only
        return nil
    }

    /// MOV to CR4 that changes VMXE (the only bit L0 owns): refused without exposed VMX and while in VMX
    /// operation when clearing it (CR4_FIXED0), else done as the processor would.
    func handleCRAccess(_ exit: VMExit, vcpu: VCPU) {
        let cpu = vcpu.cpu
        let cr = exit.qualification & 0xF, type = exit.qualification >> 4 & 3, register = Int(exit.qualification >> 8 & 0xF)
        guard cr == 4, type == 0 else {
            stop = .unsupported(
                "processor \(vcpu.index) made a CR\(cr) access exit at RIP 0x\(hex(cpu.rip)) that the machine does not handle")
            return
        }
        let value = cpu.gpr[register]
        let setsVMXE = value & CR4.vmxe != 0
        if setsVMXE && !configuration.exposeVirtualizationExtensions { return inject(.generalProtection(0), vcpu) }
        if !setsVMXE && vcpu.vmx.isInVMXOperation { return inject(.generalProtection(0), vcpu) }
        do {
            try cpu.writeCR4(value)
        } catch {
            if case .fault(let fault) = error { inject(fault, vcpu) }
            return
        }
        cpu.controls.cr4ReadShadow = value & CR4.vmxe
        skip(exit, cpu)
    }
}
