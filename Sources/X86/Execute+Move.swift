/// Data movement (SDM vol. 2: MOV, MOVSXD, MOVZX, MOVSX, XCHG, MOV with an absolute address, CBW/CWDE/CDQE,
/// CWD/CDQ/CQO, CMOVcc, POPF, ENTER), and LOOPcc/JRCXZ.
extension CPU {
    /// 88–8B.
    @inline(__always)
    func executeMOV(_ i: Instruction) throws(Event) {
        let size = i.opcode & 1 == 0 ? 1 : Int(i.operandSize)
        if i.opcode & 2 == 0 {
            try writeRM(i, size, register(i.reg, size, rex: i.rex))
        } else {
            setRegister(i.reg, size, try readRM(i, size), rex: i.rex)
        }
    }

    /// 63: MOVSXD (with REX.W; otherwise a plain 32-bit move).
    func executeMOVSXD(_ i: Instruction) throws(Event) {
        let value = try readRM(i, 4)
        let size = Int(i.operandSize)
        setRegister(i.reg, size, size == 8 ? UInt64(bitPattern: Self.signExtend(value, bits: 32)) : value, rex: i.rex)
    }

    /// 0F B6/B7/BE/BF: MOVZX and MOVSX.
    @inline(__always)
    func executeMOVExtend(_ i: Instruction) throws(Event) {
        let sourceSize = i.opcode & 1 == 0 ? 1 : 2
        let value = try readRM(i, sourceSize)
        let extended = i.opcode >= 0xBE ? UInt64(bitPattern: Self.signExtend(value, bits: UInt64(sourceSize * 8))) : value
        setRegister(i.reg, Int(i.operandSize), extended & Self.mask(UInt64(i.operandSize) * 8), rex: i.rex)
    }

    /// 86, 87, 90 with REX.B, 91–97.
    func executeXCHG(_ i: Instruction) throws(Event) {
        if i.op >= 0x90 && i.op <= 0x97 {
            let size = Int(i.operandSize)
            let a = register(0, size, rex: i.rex), b = register(i.rm, size, rex: i.rex)
            setRegister(0, size, b, rex: i.rex)
            setRegister(i.rm, size, a, rex: i.rex)
            return
        }
        let size = i.opcode == 0x86 ? 1 : Int(i.operandSize)
        let a = register(i.reg, size, rex: i.rex)
        if i.mod == 3 {
            let b = register(i.rm, size, rex: i.rex)
            setRegister(i.rm, size, a, rex: i.rex)
            setRegister(i.reg, size, b, rex: i.rex)
        } else {
            let address = effectiveAddress(i)
            let b = try read(address, size)
            try write(address, size, a)
            setRegister(i.reg, size, b, rex: i.rex)
        }
    }

    /// A0–A3: MOV between the accumulator and an absolute address.
    func executeMOVOffset(_ i: Instruction) throws(Event) {
        let size = i.opcode & 1 == 0 ? 1 : Int(i.operandSize)
        var address = i.immediate
        if i.segment != Instruction.noSegment { address &+= segments[Int(i.segment)].base }
        if i.opcode < 0xA2 {
            setRegister(0, size, try read(address, size), rex: i.rex)
        } else {
            try write(address, size, register(0, size, rex: i.rex))
        }
    }

    /// 98: CBW, CWDE, CDQE.
    func executeSignExtendAccumulator(_ i: Instruction) {
        let size = Int(i.operandSize)
        let half = UInt64(size * 4)
        setRegister(0, size, UInt64(bitPattern: Self.signExtend(gpr[Reg.rax], bits: half)), rex: i.rex)
    }

    /// 99: CWD, CDQ, CQO.
    func executeSignExtendIntoRDX(_ i: Instruction) {
        let size = Int(i.operandSize)
        let negative = register(0, size, rex: i.rex) & Self.sign(UInt64(size * 8)) != 0
        setRegister(2, size, negative ? ~0 : 0, rex: i.rex)
    }

    /// 0F 40–4F.
    @inline(__always)
    func executeCMOV(_ i: Instruction) throws(Event) {
        let size = Int(i.operandSize)
        let value = try readRM(i, size)  // the source is read (and may fault) whatever the condition
        if condition(i.opcode & 0xF) {
            setRegister(i.reg, size, value, rex: i.rex)
        } else if size == 4 {
            setRegister(i.reg, 4, register(i.reg, 4, rex: i.rex), rex: i.rex)  // a 32-bit CMOV zeroes the upper half
        }
    }

    /// 9D: POPF. IOPL changes only at CPL 0; IF only when CPL ≤ IOPL; VM and RF are cleared.
    func executePOPF(_ i: Instruction) throws(Event) {
        let size = Int(i.operandSize)
        let value = try pop(size)
        var writable = Flag.writable & ~Flag.rf
        if cpl > 0 { writable &= ~Flag.iopl }
        if UInt64(cpl) > (rflags & Flag.iopl) >> 12 { writable &= ~Flag.if }
        if size == 2 { writable &= 0xFFFF }
        rflags = (rflags & ~writable) | (value & writable)
    }

    /// C8: ENTER.
    func executeENTER(_ i: Instruction) throws(Event) {
        let size = Int(i.operandSize)
        let level = UInt64(i.immediate2) & 31
        try push(gpr[Reg.rbp], size)
        let frame = gpr[Reg.rsp]
        if level > 0 {
            var rbp = gpr[Reg.rbp]
            for _ in 1..<level {
                rbp &-= UInt64(size)
                try push(try read(rbp, size), size)
            }
            try push(frame, size)
        }
        setRegister(UInt8(Reg.rbp), size, frame, rex: i.rex)
        gpr[Reg.rsp] &-= i.immediate
    }

    /// E0–E3: LOOPNE, LOOPE, LOOP, JRCXZ.
    func executeLoop(_ i: Instruction) {
        let counterSize = Int(i.addressSize)
        var count = register(1, counterSize, rex: 0)
        if i.opcode == 0xE3 {
            if count == 0 { branch(i.immediate, i) }
            return
        }
        count = (count &- 1) & Self.mask(UInt64(counterSize * 8))
        setRegister(1, counterSize, count, rex: 0)
        let taken =
            switch i.opcode {
            case 0xE0: count != 0 && !zeroFlag
            case 0xE1: count != 0 && zeroFlag
            default: count != 0
            }
        if taken { branch(i.immediate, i) }
    }
}
