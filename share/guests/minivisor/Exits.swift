/// A nested VM's VM exits, handled as L0 handles an L1's (Sources/Machine/Machine+Exits.swift): the same
/// devices on the same ports, CPUID as L1 sees it with VMX hidden, the MSRs the VMCS holds switched through it,
/// and anything minivisor does not emulate ending that VM alone with a reason.
extension NestedVM {
    /// The PIT's deadlines that have passed raise IRQ 0, a rising COM1 interrupt line raises IRQ 4, a rising line
    /// of any network adapter IRQ 11 (the lines share it, as at L0).
    func raiseDeviceInterrupts(now: UInt64) {
        while let deadline = pit.nextInterrupt, deadline <= now {
            pit.fired()
            pic.raise(PlatformIRQ.timer)
        }
        let level = uart.interruptLine
        if level && !uartLine { pic.raise(PlatformIRQ.com1) }
        uartLine = level
        let network = adapters.contains { $0.device.interruptLine }
        if network && !networkLine { pic.raise(PlatformIRQ.virtioNet) }
        networkLine = network
    }
}

extension NestedProcessor {
    /// What an exit leaves the processor doing.
    enum Step {
        case resume, halted, timerExpired, interrupted, ended
    }

    typealias R = Hypervisor.Registers

    func read(_ field: UInt32) -> UInt64 { nv_vmread(UInt64(field)) }
    func set(_ field: UInt32, _ value: UInt64) { _ = nv_vmwrite(UInt64(field), value) }

    /// The event of the next entry: an exception or re-delivered event first, else (on processor 0, which the PIC
    /// interrupts) the PIC's interrupt when the processor can take it (the acknowledge cycle happens now), else an
    /// interrupt-window exit is asked for (SDM vol. 3, "Event Injection" and "Interrupt-Window Exiting").
    func prepareEntry() {
        var event = pendingEvent
        pendingEvent = 0
        var wantsWindow = false
        if index == 0 && pic.hasInterrupt {
            let open = read(NV_VMCS_GUEST_RFLAGS) & 0x200 != 0 && read(NV_VMCS_GUEST_INTERRUPTIBILITY_INFO) & 3 == 0
            if event == 0 && open {
                event = UInt32(pic.acknowledge()) | 1 << 31
                isHalted = false
            } else {
                wantsWindow = true
            }
        }
        if event & 1 << 11 != 0 { set(NV_VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE, pendingErrorCode) }
        set(NV_VMCS_VM_ENTRY_INTR_INFO_FIELD, UInt64(event))
        let wanted = wantsWindow ? primary | NV_PRIMARY_INTERRUPT_WINDOW_EXITING : primary & ~NV_PRIMARY_INTERRUPT_WINDOW_EXITING
        if wanted != primary {
            primary = wanted
            set(NV_VMCS_CPU_BASED_VM_EXEC_CONTROL, UInt64(wanted))
        }
    }

    /// A hardware exception at the next entry, with the instruction that raised it not completed.
    func inject(vector: UInt32, errorCode: UInt64? = nil) {
        pendingEvent = vector | 3 << 8 | (errorCode != nil ? 1 << 11 : 0) | 1 << 31
        pendingErrorCode = errorCode ?? 0
    }

    /// Past the instruction that exited; an STI or MOV SS shadow it was in ends with it.
    func skip() {
        set(NV_VMCS_GUEST_RIP, read(NV_VMCS_GUEST_RIP) &+ read(NV_VMCS_VM_EXIT_INSTRUCTION_LEN))
        let interruptibility = read(NV_VMCS_GUEST_INTERRUPTIBILITY_INFO)
        if interruptibility & 3 != 0 { set(NV_VMCS_GUEST_INTERRUPTIBILITY_INFO, interruptibility & ~3) }
    }

    /// General register `n` as the exit qualification numbers it (RSP lives in the VMCS).
    func register(_ n: Int) -> UInt64 { n == 4 ? read(NV_VMCS_GUEST_RSP) : registers[n] }

    /// Handles the exit that just happened at machine time `now`.
    func handleExit(now: UInt64) -> Step {
        vm.exits += 1
        let reason = read(NV_VMCS_VM_EXIT_REASON)
        let basic = UInt32(truncatingIfNeeded: reason & 0xFFFF)
        if reason & 1 << 31 != 0 {
            finish(.unsupported("VM entry failed: exit reason \(basic), qualification \(Console.hex(read(NV_VMCS_EXIT_QUALIFICATION)))"))
            return .ended
        }
        // An event whose delivery the exit interrupted is delivered again (SDM vol. 3, "Information for VM Exits
        // That Occur During Event Delivery").
        let vectoring = UInt32(truncatingIfNeeded: read(NV_VMCS_IDT_VECTORING_INFO_FIELD))
        if vectoring & 1 << 31 != 0 {
            pendingEvent = vectoring & ~(1 << 12)
            pendingErrorCode = read(NV_VMCS_IDT_VECTORING_ERROR_CODE)
            set(NV_VMCS_VM_ENTRY_INSTRUCTION_LEN, read(NV_VMCS_VM_EXIT_INSTRUCTION_LEN))
        }
        switch basic {
        case NV_EXIT_PREEMPTION_TIMER: return .timerExpired
        case NV_EXIT_EXTERNAL_INTERRUPT:
            // minivisor's own interrupt (the integration channel, a stop request), acknowledged by the exit: its
            // handler runs now, and the scheduler looks at the channel before the next entry (SDM vol. 3,
            // "Acknowledge interrupt on exit").
            let information = read(NV_VMCS_VM_EXIT_INTR_INFO)
            if information & 1 << 31 != 0 { nv_dispatch_interrupt(UInt8(truncatingIfNeeded: information)) }
            return .interrupted
        case NV_EXIT_INTERRUPT_WINDOW: break
        case NV_EXIT_TRIPLE_FAULT:
            finish(.tripleFault(processor: index))
            return .ended
        case NV_EXIT_CPUID: cpuid()
        case NV_EXIT_HLT:
            skip()
            if read(NV_VMCS_GUEST_RFLAGS) & 0x200 == 0 { state = .stopped } else { isHalted = true }
            // Powered off as at L0 once processor 0 is stopped and every other processor done.
            if vm.isPoweredOff {
                finish(.poweredOff)
                return .ended
            }
            return .halted
        case NV_EXIT_IO_INSTRUCTION: return io(now: now)
        case NV_EXIT_RDMSR: readMSR(now: now)
        case NV_EXIT_WRMSR: writeMSR()
        case NV_EXIT_CR_ACCESS: return crAccess()
        case NV_EXIT_INVD, NV_EXIT_WBINVD: skip()
        case NV_EXIT_VMCALL, NV_EXIT_VMCLEAR, NV_EXIT_VMLAUNCH, NV_EXIT_VMPTRLD, NV_EXIT_VMPTRST, NV_EXIT_VMREAD, NV_EXIT_VMRESUME,
            NV_EXIT_VMWRITE, NV_EXIT_VMXOFF, NV_EXIT_VMXON, NV_EXIT_INVEPT, NV_EXIT_INVVPID, NV_EXIT_GETSEC, NV_EXIT_XSETBV, NV_EXIT_VMFUNC,
            NV_EXIT_MONITOR, NV_EXIT_MWAIT:
            // No VMX for nested VMs, no hypercalls, no SMX, no XSAVE, no MONITOR/MWAIT: #UD, as on a processor without
            // them.
            inject(vector: 6)
        case NV_EXIT_EPT_VIOLATION: return deviceAccess(read(NV_VMCS_GUEST_PHYSICAL_ADDRESS))
        default:
            finish(.unsupported("VM exit \(basic) at RIP \(Console.hex(read(NV_VMCS_GUEST_RIP))), which minivisor does not handle"))
            return .ended
        }
        return .resume
    }

    /// CPUID as this VM's L1 answers it, for the VM's processors (this one's APIC ID, the VM's processor count,
    /// HTT with more than one), VMX and MONITOR hidden (a nested VM cannot run VMs of its own, and waits with HLT)
    /// and leaf 0x40000000 naming minivisor.
    func cpuid() {
        let leaf = UInt32(truncatingIfNeeded: registers[R.rax])
        var r = Processor.cpuid(leaf, UInt32(truncatingIfNeeded: registers[R.rcx]))
        let count = UInt32(vm.processors.count), apicID = UInt32(index)
        switch leaf {
        case 1:
            r.ebx = r.ebx & 0xFFFF | count << 16 | apicID << 24
            r.ecx &= ~(1 << 5 | 1 << 3)
            r.edx = count > 1 ? r.edx | 1 << 28 : r.edx & ~(1 << 28)
        case 5: r = Processor.CPUIDResult(eax: 0, ebx: 0, ecx: 0, edx: 0)
        case 0xB:
            // Extended topology as L0 gives it: one thread per core, the VM's processors as cores.
            r.edx = apicID
            if r.ecx >> 8 & 0xFF == 2 {
                r.eax = count <= 1 ? 0 : UInt32(64 - (UInt64(count) - 1).leadingZeroBitCount)
                r.ebx = count
            }
        default: break
        }
        if leaf == 0x4000_0000 { r = Processor.CPUIDResult(eax: 0x4000_0000, ebx: 0x696E_696D, ecx: 0x6F73_6976, edx: 0x72) }  // "minivisor"
        registers[R.rax] = UInt64(r.eax)
        registers[R.rbx] = UInt64(r.ebx)
        registers[R.rcx] = UInt64(r.ecx)
        registers[R.rdx] = UInt64(r.edx)
        skip()
    }

    /// IN and OUT on the platform's ports; the exit port ends the VM. Wider accesses touch consecutive byte
    /// ports, and a port no device claims reads 0xFF and ignores writes, as on L0's bus.
    func io(now: UInt64) -> Step {
        let qualification = read(NV_VMCS_EXIT_QUALIFICATION)
        let size = Int(qualification & 7) + 1, isIn = qualification & 8 != 0
        let port = UInt16(truncatingIfNeeded: qualification >> 16)
        guard qualification & 0x10 == 0 else {
            let rip = Console.hex(read(NV_VMCS_GUEST_RIP))
            finish(
                .unsupported(
                    "string I/O (\(isIn ? "INS" : "OUTS")) on port \(Console.hex(UInt64(port))) at RIP \(rip) is not emulated; use IN and OUT"
                ))
            return .ended
        }
        let mask: UInt64 = size == 4 ? 0xFFFF_FFFF : (1 << (8 * UInt64(size))) - 1
        let rax = registers[R.rax]
        if isIn {
            var value: UInt64 = 0
            for k in 0..<size { value |= UInt64(readPort(port &+ UInt16(k), now: now)) << (8 * UInt64(k)) }
            registers[R.rax] = size == 4 ? value : rax & ~mask | value  // a 32-bit destination zero-extends
        } else if port == PlatformPorts.exit {
            finish(.guestExit(UInt32(truncatingIfNeeded: rax & mask)))
            return .ended
        } else {
            for k in 0..<size { writePort(port &+ UInt16(k), UInt8(truncatingIfNeeded: rax >> (8 * UInt64(k))), now: now) }
        }
        skip()
        return .resume
    }

    func readPort(_ port: UInt16, now: UInt64) -> UInt8 {
        if PlatformPorts.com1.contains(port) { return uart.read(port - PlatformPorts.com1.lowerBound) }
        if PlatformPorts.masterPIC.contains(port) || PlatformPorts.slavePIC.contains(port) { return pic.read(port) }
        if PlatformPorts.pit.contains(port) { return pit.read(port, now: now) }
        if port == PlatformPorts.power { return isStopRequested ? 1 : 0 }
        return 0xFF
    }

    func writePort(_ port: UInt16, _ value: UInt8, now: UInt64) {
        if PlatformPorts.com1.contains(port) { uart.write(port - PlatformPorts.com1.lowerBound, value) }
        if PlatformPorts.masterPIC.contains(port) || PlatformPorts.slavePIC.contains(port) { pic.write(port, value) }
        if PlatformPorts.pit.contains(port) { pit.write(port, value, now: now) }
    }

    /// RDMSR: the MSRs the VMCS holds from it, the switched ones from their saved values, IA32_FEATURE_CONTROL
    /// locked with VMX off and no VMX capability MSRs (as L0 has them for an L1 without
    /// ExposeVirtualizationExtensions); any other MSR as this processor reads it, or #GP.
    func readMSR(now: UInt64) {
        let msr = UInt32(truncatingIfNeeded: registers[R.rcx])
        var value: UInt64 = 0
        switch msr {
        case 0x3A: value = 1
        case 0x480...0x491: return inject(vector: 13, errorCode: 0)
        case 0x10: value = nv_rdtsc() &+ read(NV_VMCS_TSC_OFFSET)
        default:
            if let field = Self.vmcsField(of: msr) {
                value = read(field)
            } else if let k = Self.switchedMSRs.firstIndex(of: msr) {
                value = msrValues[k]
            } else if nv_try_rdmsr(msr, &value) >= 0 {
                return inject(vector: 13, errorCode: 0)
            }
        }
        registers[R.rax] = value & 0xFFFF_FFFF
        registers[R.rdx] = value >> 32
        skip()
    }

    /// WRMSR of the MSRs a nested VM owns, checked as the processor checks them; anything else is #GP (a nested
    /// VM does not reach minivisor's own processor state).
    func writeMSR() {
        let msr = UInt32(truncatingIfNeeded: registers[R.rcx])
        let value = registers[R.rdx] << 32 | registers[R.rax] & 0xFFFF_FFFF
        let canonical = value &+ (1 << 47) < 1 << 48
        switch msr {
        case 0xC000_0080:  // EFER: SCE, LME, NXE writable (LMA is the processor's); LME fixed while paging is on
            let efer = read(NV_VMCS_GUEST_IA32_EFER)
            guard value & ~0xD01 == 0, value & 0x100 == efer & 0x100 else { return inject(vector: 13, errorCode: 0) }
            set(NV_VMCS_GUEST_IA32_EFER, value & ~0x400 | efer & 0x400)
        case 0x277:  // PAT: each entry one of UC, WC, WT, WP, WB, UC-
            for k in 0..<8 where [2, 3].contains(value >> (8 * UInt64(k)) & 0xFF) || value >> (8 * UInt64(k)) & 0xF8 != 0 {
                return inject(vector: 13, errorCode: 0)
            }
            set(NV_VMCS_GUEST_IA32_PAT, value)
        case 0x174: set(NV_VMCS_GUEST_SYSENTER_CS, value & 0xFFFF_FFFF)
        case 0x175, 0x176, 0xC000_0100, 0xC000_0101:
            guard canonical else { return inject(vector: 13, errorCode: 0) }
            set(Self.vmcsField(of: msr)!, value)
        default:
            guard let k = Self.switchedMSRs.firstIndex(of: msr), nv_try_wrmsr(msr, value) < 0 else {
                return inject(vector: 13, errorCode: 0)
            }
            msrValues[k] = value
        }
        skip()
    }

    /// The guest-state field an MSR lives in.
    static func vmcsField(of msr: UInt32) -> UInt32? {
        switch msr {
        case 0x174: return NV_VMCS_GUEST_SYSENTER_CS
        case 0x175: return NV_VMCS_GUEST_SYSENTER_ESP
        case 0x176: return NV_VMCS_GUEST_SYSENTER_EIP
        case 0x277: return NV_VMCS_GUEST_IA32_PAT
        case 0xC000_0080: return NV_VMCS_GUEST_IA32_EFER
        case 0xC000_0100: return NV_VMCS_GUEST_FS_BASE
        case 0xC000_0101: return NV_VMCS_GUEST_GS_BASE
        default: return nil
        }
    }

    /// MOV to CR4 setting VMXE (the one bit the mask claims): #GP, VMX not being offered; CR3 accesses, when the
    /// processor makes them exit, done through the VMCS.
    func crAccess() -> Step {
        let qualification = read(NV_VMCS_EXIT_QUALIFICATION)
        let cr = qualification & 0xF, type = qualification >> 4 & 3, n = Int(qualification >> 8 & 0xF)
        switch (cr, type) {
        case (4, 0):
            let value = register(n)
            if value & VMXSupport.cr4VMXE != 0 {
                inject(vector: 13, errorCode: 0)
                return .resume
            }
            set(NV_VMCS_GUEST_CR4, value | VMXSupport.cr4VMXE)
        case (3, 0): set(NV_VMCS_GUEST_CR3, register(n))
        case (3, 1):
            if n == 4 { set(NV_VMCS_GUEST_RSP, read(NV_VMCS_GUEST_CR3)) } else { registers[n] = read(NV_VMCS_GUEST_CR3) }
        default:
            finish(.unsupported("a CR\(cr) access exit at RIP \(Console.hex(read(NV_VMCS_GUEST_RIP))), which minivisor does not handle"))
            return .ended
        }
        skip()
        return .resume
    }
}
