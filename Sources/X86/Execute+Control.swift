/// Interrupts and privileged control flow (SDM vol. 2: INT n, IRET, far CALL/JMP/RET, MOV to segment registers,
/// CLI, STI, HLT, PAUSE, SYSCALL, SYSRET, SWAPGS).
extension CPU {
    /// CD: INT n, delivered through the IDT as a software interrupt (gate DPL checked against CPL).
    func executeINT(_ i: Instruction) throws(Event) {
        try deliverSoftware(vector: UInt8(truncatingIfNeeded: i.immediate), kind: .softwareInterrupt, i)
    }

    /// CC: INT3, a software exception (#BP): it exits under the exception bitmap, reporting its length.
    func executeINT3(_ i: Instruction) throws(Event) {
        try deliverSoftware(vector: Vector.bp, kind: .softwareException, i)
    }

    /// Delivers INT n or INT3 with the return address after the instruction.
    func deliverSoftware(vector: UInt8, kind: InjectedEvent.Kind, _ i: Instruction) throws(Event) {
        rip &-= UInt64(i.length)
        if kind == .softwareException, var exit = exceptionExit(Fault(vector), kind: kind) {
            exit.instructionLength = UInt32(i.length)
            throw .exit(exit)
        }
        if let exit = deliver(vector: vector, kind: kind, errorCode: nil, instructionLength: i.length) {
            throw .exit(exit)
        }
    }

    /// CF: IRETQ (and IRETD/IRET) in 64-bit mode, to the same or an outer privilege level.
    func executeIRET(_ i: Instruction) throws(Event) {
        let size = Int(i.operandSize)
        let rsp = gpr[Reg.rsp]
        let newRIP = try read(rsp, size)
        let newCS = UInt16(truncatingIfNeeded: try read(rsp &+ UInt64(size), size))
        let newFlags = try read(rsp &+ UInt64(2 * size), size)
        let newRSP = try read(rsp &+ UInt64(3 * size), size)
        let newSS = UInt16(truncatingIfNeeded: try read(rsp &+ UInt64(4 * size), size))
        let returnCPL = Int(newCS & 3)
        guard returnCPL >= cpl else { throw .fault(.generalProtection(UInt32(newCS & 0xFFFC))) }
        let codeSegment = try loadCodeDescriptor(newCS)
        var writable = Flag.writable | Flag.rf
        if cpl > 0 { writable &= ~Flag.iopl }
        if UInt64(cpl) > (rflags & Flag.iopl) >> 12 { writable &= ~Flag.if }
        if size < 8 { writable &= Self.mask(UInt64(size * 8)) }
        rflags = (rflags & ~writable) | (newFlags & writable)
        segments[SegmentRegister.cs.rawValue] = codeSegment
        segments[SegmentRegister.cs.rawValue].selector = newCS
        invalidateFetchWindow()
        segments[SegmentRegister.ss.rawValue].selector = newSS
        segments[SegmentRegister.ss.rawValue].attributes =
            (segments[SegmentRegister.ss.rawValue].attributes & ~(3 << 5)) | UInt32(returnCPL) << 5
        gpr[Reg.rsp] = newRSP
        rip = newRIP
    }

    /// CA, CB: far return (RETF) in 64-bit mode, same privilege.
    func executeFarReturn(_ i: Instruction) throws(Event) {
        let size = Int(i.operandSize)
        let target = try read(gpr[Reg.rsp], size)
        let selector = UInt16(truncatingIfNeeded: try read(gpr[Reg.rsp] &+ UInt64(size), size))
        let codeSegment = try loadCodeDescriptor(selector)
        guard Int(selector & 3) == cpl else { throw .fault(.generalProtection(UInt32(selector & 0xFFFC))) }
        gpr[Reg.rsp] &+= UInt64(2 * size) &+ (i.opcode == 0xCA ? i.immediate : 0)
        segments[SegmentRegister.cs.rawValue] = codeSegment
        invalidateFetchWindow()
        rip = target
    }

    /// FF /3 and /5: far CALL and JMP through a memory pointer (offset, then selector).
    func executeFarCallOrJump(_ i: Instruction, call: Bool) throws(Event) {
        let offsetSize = Int(i.operandSize)
        let address = effectiveAddress(i)
        let offset = try read(address, offsetSize)
        let selector = UInt16(truncatingIfNeeded: try read(address &+ UInt64(offsetSize), 2))
        let codeSegment = try loadCodeDescriptor(selector)
        if call {
            try push(UInt64(segments[SegmentRegister.cs.rawValue].selector), offsetSize)
            try push(rip, offsetSize)
        }
        segments[SegmentRegister.cs.rawValue] = codeSegment
        segments[SegmentRegister.cs.rawValue].selector = (selector & ~3) | UInt16(cpl)
        invalidateFetchWindow()
        rip = offset
    }

    /// 8E: MOV to a segment register. In 64-bit mode only the selector and, for FS and GS, nothing of the
    /// base changes the flat model; descriptors are checked for presence and type.
    func executeLoadSegment(_ i: Instruction) throws(Event) {
        let register = Int(i.reg & 7)
        guard register != SegmentRegister.cs.rawValue, register < 6 else { throw .fault(.invalidOpcode) }
        let selector = UInt16(truncatingIfNeeded: try readRM(i, 2))
        if selector & 0xFFFC == 0 {
            guard register != SegmentRegister.ss.rawValue || cpl == 3 else { throw .fault(.generalProtection(0)) }
            segments[register] = Segment(
                selector: selector, base: register >= 4 ? segments[register].base : 0, limit: 0, attributes: 1 << 16)
            return
        }
        let table = selector & 4 != 0 ? ldtr : Segment(base: gdtrBase, limit: gdtrLimit)
        let index = UInt64(selector & ~7)
        guard index + 7 <= UInt64(table.limit) else { throw .fault(.generalProtection(UInt32(selector & 0xFFFC))) }
        let descriptor = try readSystem(table.base &+ index, 8)
        let attributes = UInt32((descriptor >> 40) & 0xFF) | UInt32((descriptor >> 52) & 0xF) << 12
        guard attributes & 0x10 != 0 else { throw .fault(.generalProtection(UInt32(selector & 0xFFFC))) }
        guard attributes & 0x80 != 0 else {
            throw .fault(Fault(register == SegmentRegister.ss.rawValue ? Vector.ss : Vector.np, errorCode: UInt32(selector & 0xFFFC)))
        }
        let base = (descriptor >> 16) & 0xFF_FFFF | ((descriptor >> 56) & 0xFF) << 24
        let rawLimit = UInt32(descriptor & 0xFFFF) | UInt32((descriptor >> 48) & 0xF) << 16
        let limit = attributes & (1 << 15) != 0 ? rawLimit << 12 | 0xFFF : rawLimit
        let keepBase = register == SegmentRegister.fs.rawValue || register == SegmentRegister.gs.rawValue
        segments[register] = Segment(selector: selector, base: keepBase ? base : 0, limit: limit, attributes: attributes)
        if register == SegmentRegister.ss.rawValue { interruptShadow = true }
    }

    /// FA: CLI.
    func executeCLI(_ i: Instruction) throws(Event) {
        if UInt64(cpl) > (rflags & Flag.iopl) >> 12 { throw .fault(.generalProtection(0)) }
        flagBits &= ~Flag.if
    }

    /// FB: STI, which blocks interrupts until the next instruction has completed.
    func executeSTI(_ i: Instruction) throws(Event) {
        if UInt64(cpl) > (rflags & Flag.iopl) >> 12 { throw .fault(.generalProtection(0)) }
        if flagBits & Flag.if == 0 { interruptShadow = true }
        flagBits |= Flag.if
    }

    /// F4: HLT, exiting when HLT exiting is on, else halting until an interrupt.
    func executeHLT(_ i: Instruction) throws(Event) {
        guard cpl == 0 else { throw .fault(.generalProtection(0)) }
        if controls.has(primary: ExecutionControls.Primary.hltExiting) {
            throw .exit(VMExit(reason: ExitReason.hlt, instructionLength: UInt32(i.length)))
        }
        isHalted = true
    }

    /// F3 90: PAUSE, exiting when PAUSE exiting is on.
    func executePAUSE(_ i: Instruction) throws(Event) {
        if controls.has(primary: ExecutionControls.Primary.pauseExiting) {
            throw .exit(VMExit(reason: ExitReason.pause, instructionLength: UInt32(i.length)))
        }
    }

    /// 0F 05: SYSCALL (SDM: RCX ← RIP, R11 ← RFLAGS, CS/SS from STAR, RIP from LSTAR, RFLAGS &= ~SFMASK).
    func executeSYSCALL(_ i: Instruction) throws(Event) {
        guard efer & EFER.sce != 0 else { throw .fault(.invalidOpcode) }
        gpr[Reg.rcx] = rip
        gpr[Reg.r11] = rflags & ~Flag.rf
        let selector = UInt16(truncatingIfNeeded: star >> 32) & 0xFFFC
        segments[SegmentRegister.cs.rawValue] = Segment(selector: selector, base: 0, limit: 0xFFFF_FFFF, attributes: 0xA09B)
        invalidateFetchWindow()
        segments[SegmentRegister.ss.rawValue] = Segment(selector: selector &+ 8, base: 0, limit: 0xFFFF_FFFF, attributes: 0xC093)
        rflags = rflags & ~sfmask & ~Flag.rf
        rip = lstar
    }

    /// 0F 07: SYSRET to 64-bit (REX.W) or compatibility code at CPL 3.
    func executeSYSRET(_ i: Instruction) throws(Event) {
        guard efer & EFER.sce != 0 else { throw .fault(.invalidOpcode) }
        guard cpl == 0 else { throw .fault(.generalProtection(0)) }
        let to64 = i.operandSize == 8
        let base = UInt16(truncatingIfNeeded: star >> 48)
        let target = to64 ? gpr[Reg.rcx] : gpr[Reg.rcx] & 0xFFFF_FFFF
        guard ProcessorFeatures.isCanonical(target, bits: linearAddressWidth) else { throw .fault(.generalProtection(0)) }
        segments[SegmentRegister.cs.rawValue] = Segment(
            selector: (to64 ? base &+ 16 : base) | 3, base: 0, limit: 0xFFFF_FFFF, attributes: to64 ? 0xA0FB : 0xC0FB)
        invalidateFetchWindow()
        segments[SegmentRegister.ss.rawValue] = Segment(selector: (base &+ 8) | 3, base: 0, limit: 0xFFFF_FFFF, attributes: 0xC0F3)
        rflags = (gpr[Reg.r11] & Flag.writable) | Flag.reserved1
        rip = target
    }

    /// 0F 34: SYSENTER (SDM vol. 2, "SYSENTER—Fast System Call"): CPL 0 code at IA32_SYSENTER_EIP with the stack
    /// at IA32_SYSENTER_ESP, CS from IA32_SYSENTER_CS (RPL cleared) and SS the next selector, flat; 64-bit code
    /// in IA-32e mode, 32-bit otherwise. VM, IF and RF are cleared. #GP(0) in real mode or when
    /// IA32_SYSENTER_CS[15:2] is 0.
    func executeSYSENTER(_ i: Instruction) throws(Event) {
        guard cr0 & CR0.pe != 0, sysenterCS & 0xFFFC != 0 else { throw .fault(.generalProtection(0)) }
        let longMode = efer & EFER.lma != 0
        let selector = UInt16(truncatingIfNeeded: sysenterCS) & 0xFFFC
        rflags &= ~(Flag.vm | Flag.if | Flag.rf)
        segments[SegmentRegister.cs.rawValue] = Segment(
            selector: selector, base: 0, limit: 0xFFFF_FFFF, attributes: longMode ? 0xA09B : 0xC09B)
        invalidateFetchWindow()
        segments[SegmentRegister.ss.rawValue] = Segment(selector: selector &+ 8, base: 0, limit: 0xFFFF_FFFF, attributes: 0xC093)
        gpr[Reg.rsp] = longMode ? sysenterESP : sysenterESP & 0xFFFF_FFFF
        rip = longMode ? sysenterEIP : sysenterEIP & 0xFFFF_FFFF
    }

    /// 0F 35: SYSEXIT (SDM vol. 2, "SYSEXIT—Fast Return from Fast System Call"): CPL 3 code at RDX with the stack
    /// at RCX. With REX.W, 64-bit code with CS = IA32_SYSENTER_CS + 32 and SS + 40 (RCX and RDX must be
    /// canonical); otherwise 32-bit code at EDX with CS + 16 and SS + 24. #GP(0) outside CPL 0, in real mode or
    /// when IA32_SYSENTER_CS[15:2] is 0.
    func executeSYSEXIT(_ i: Instruction) throws(Event) {
        guard cr0 & CR0.pe != 0, sysenterCS & 0xFFFC != 0, cpl == 0 else { throw .fault(.generalProtection(0)) }
        let to64 = i.operandSize == 8
        let base = UInt16(truncatingIfNeeded: sysenterCS)
        let stack = to64 ? gpr[Reg.rcx] : gpr[Reg.rcx] & 0xFFFF_FFFF, target = to64 ? gpr[Reg.rdx] : gpr[Reg.rdx] & 0xFFFF_FFFF
        if to64 {
            let width = linearAddressWidth
            guard ProcessorFeatures.isCanonical(stack, bits: width), ProcessorFeatures.isCanonical(target, bits: width) else {
                throw .fault(.generalProtection(0))
            }
        }
        segments[SegmentRegister.cs.rawValue] = Segment(
            selector: (base &+ (to64 ? 32 : 16)) | 3, base: 0, limit: 0xFFFF_FFFF, attributes: to64 ? 0xA0FB : 0xC0FB)
        invalidateFetchWindow()
        segments[SegmentRegister.ss.rawValue] = Segment(
            selector: (base &+ (to64 ? 40 : 24)) | 3, base: 0, limit: 0xFFFF_FFFF, attributes: 0xC0F3)
        gpr[Reg.rsp] = stack
        rip = target
    }
}
