/// The interpreter's inner loop: fast forms executed inline, everything else through `execute`.
extension CPU {
    /// Runs instructions until `stop` have retired, an instruction that began with RFLAGS.TF set has completed
    /// (`stepped`), or HLT; the specialised forms are executed right here, the rest through `execute`. `start` is
    /// kept at the address of the instruction being executed, for fault and exit reporting.
    ///
    /// Only instructions of the general dispatch can set TF, start an interrupt shadow (STI, MOV SS) or halt, so
    /// the loop checks for those after them alone, and returns: the caller then runs the next instruction on
    /// its own (TF or a shadow at entry), where the trap and the end of the shadow are handled.
    func runInstructions(until stop: UInt64, start: inout UInt64, stepped: inout Bool) throws(Event) {
        refreshTranslationTag()
        if flagBits & Flag.tf != 0 || interruptShadow {
            let singleStep = flagBits & Flag.tf != 0
            start = rip
            let i = try fetch()
            rip = start &+ UInt64(i.length)
            try execute(i)
            instructionsRetired &+= 1
            interruptShadow = false
            stepped = singleStep
            return
        }
        while instructionsRetired < stop {
            start = rip
            let i = try fetch()
            rip = start &+ UInt64(i.length)
            let wide = i.operandSize == 8
            let mask: UInt64 = wide ? ~0 : 0xFFFF_FFFF
            let bits: UInt64 = wide ? 64 : 32
            // `fast` only ever holds a FastForm's raw value (set from `classify`), so the conversion needs no
            // check; the checked initialiser was an out-of-line call per instruction.
            switch unsafeBitCast(i.fast, to: FastForm.self) {
            case .aluRegisterToRM:
                let op = UInt8(truncatingIfNeeded: i.op >> 3) & 7
                let r = alu(op, gpr[Int(i.rm)] & mask, gpr[Int(i.reg)] & mask, bits: bits, mask: mask)
                if op != 7 { gpr[Int(i.rm)] = r }
            case .aluRMToRegister:
                let op = UInt8(truncatingIfNeeded: i.op >> 3) & 7
                let r = alu(op, gpr[Int(i.reg)] & mask, gpr[Int(i.rm)] & mask, bits: bits, mask: mask)
                if op != 7 { gpr[Int(i.reg)] = r }
            case .aluLoad:
                let op = UInt8(truncatingIfNeeded: i.op >> 3) & 7
                let value = try read(effectiveAddress(i), Int(i.operandSize))
                let r = alu(op, gpr[Int(i.reg)] & mask, value, bits: bits, mask: mask)
                if op != 7 { gpr[Int(i.reg)] = r }
            case .aluImmediate:
                let op = i.reg & 7
                let r = alu(op, gpr[Int(i.rm)] & mask, i.immediate & mask, bits: bits, mask: mask)
                if op != 7 { gpr[Int(i.rm)] = r }
            case .moveRegister:
                if i.op == 0x89 { gpr[Int(i.rm)] = gpr[Int(i.reg)] & mask } else { gpr[Int(i.reg)] = gpr[Int(i.rm)] & mask }
            case .load:
                gpr[Int(i.reg)] = try read(effectiveAddress(i), Int(i.operandSize))
            case .store:
                try write(effectiveAddress(i), Int(i.operandSize), gpr[Int(i.reg)])
            case .lea:
                gpr[Int(i.reg)] = addressOffset(i) & mask
            case .jcc:
                if fastCondition(UInt8(truncatingIfNeeded: i.op) & 0xF) { rip &+= i.immediate }
            case .incDec:
                gpr[Int(i.rm)] = incDec(gpr[Int(i.rm)] & mask, bits: bits, mask: mask, increment: i.reg & 7 == 0)
            case .push:
                try push(gpr[Int(i.rm)])
            case .pop:
                let value = try pop()
                gpr[Int(i.rm)] = value
            case .call:
                try push(rip)
                rip &+= i.immediate
            case .ret:
                rip = try pop()
            case .jump:
                rip &+= i.immediate
            case .moveImmediate:
                gpr[Int(i.rm)] = i.immediate & mask
            case .test:
                setLogicFlags(gpr[Int(i.rm)] & gpr[Int(i.reg)] & mask, bits: bits)
            case .loadZeroExtendByte:
                gpr[Int(i.reg)] = try read(effectiveAddress(i), 1) & mask
            case .storeByte:
                try write(effectiveAddress(i), 1, register(i.reg, 1, rex: i.rex))
            case .moveSignExtend32:
                let value = i.isMemory ? try read(effectiveAddress(i), 4) : gpr[Int(i.rm)]
                gpr[Int(i.reg)] = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: value)))
            case .shiftImmediate:
                let count = i.immediate & (wide ? 0x3F : 0x1F)
                let value = gpr[Int(i.rm)] & mask
                gpr[Int(i.rm)] = count == 0 ? value : shiftOrRotate(i.reg & 7, value, count: count, bits: bits)
            case .multiply:
                try executeIMULImmediate(i)
            case .nop:
                break
            case .zeroExtendByteRegister:
                gpr[Int(i.reg)] = register(i.rm, 1, rex: i.rex)
            case .aluAccumulator:
                let op = UInt8(truncatingIfNeeded: i.op >> 3) & 7
                let r = alu(op, gpr[Reg.rax] & mask, i.immediate & mask, bits: bits, mask: mask)
                if op != 7 { gpr[Reg.rax] = r }
            case .signExtendAccumulator:
                gpr[Reg.rax] =
                    wide
                    ? UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: gpr[Reg.rax])))
                    : UInt64(UInt32(bitPattern: Int32(Int16(truncatingIfNeeded: gpr[Reg.rax]))))
            case .aluRegisterToMemory:
                let op = UInt8(truncatingIfNeeded: i.op >> 3) & 7
                let address = effectiveAddress(i)
                if op != 7 { try prepareWrite(address, Int(i.operandSize)) }
                let r = alu(op, try read(address, Int(i.operandSize)), gpr[Int(i.reg)] & mask, bits: bits, mask: mask)
                if op != 7 { try write(address, Int(i.operandSize), r) }
            case .aluImmediateToMemory:
                let op = i.reg & 7
                let address = effectiveAddress(i)
                if op != 7 { try prepareWrite(address, Int(i.operandSize)) }
                let r = alu(op, try read(address, Int(i.operandSize)), i.immediate & mask, bits: bits, mask: mask)
                if op != 7 { try write(address, Int(i.operandSize), r) }
            case .storeImmediate:
                try write(effectiveAddress(i), Int(i.operandSize), i.immediate & mask)
            case .leave:
                // RSP ← RBP, then POP RBP; nothing changes if the load faults.
                let frame = gpr[Reg.rbp]
                try checkStackAddress(frame)
                let value = try read(frame, 8)
                gpr[Reg.rsp] = frame &+ 8
                gpr[Reg.rbp] = value
            case .shiftRegister:
                let count = i.op == 0xD1 ? 1 : gpr[Reg.rcx] & (wide ? 0x3F : 0x1F)
                let value = gpr[Int(i.rm)] & mask
                gpr[Int(i.rm)] = count == 0 ? value : shiftOrRotate(i.reg & 7, value, count: count, bits: bits)
            case .aluImmediateByte:
                let op = i.reg & 7
                if i.isMemory {
                    let address = effectiveAddress(i)
                    if op != 7 { try prepareWrite(address, 1) }
                    let r = alu(op, try read(address, 1), i.immediate & 0xFF, bits: 8, mask: 0xFF)
                    if op != 7 { try write(address, 1, r) }
                } else {
                    let r = alu(op, register(i.rm, 1, rex: i.rex), i.immediate & 0xFF, bits: 8, mask: 0xFF)
                    if op != 7 { setRegister(i.rm, 1, r, rex: i.rex) }
                }
            case .testImmediate:
                let size = i.op == 0xF6 ? 1 : Int(i.operandSize)
                let value = i.isMemory ? try read(effectiveAddress(i), size) : register(i.rm, size, rex: i.rex)
                setLogicFlags(value & i.immediate & Self.mask(UInt64(size * 8)), bits: UInt64(size * 8))
            case .testByte:
                let value = i.isMemory ? try read(effectiveAddress(i), 1) : register(i.rm, 1, rex: i.rex)
                setLogicFlags(value & register(i.reg, 1, rex: i.rex), bits: 8)
            case .testMemory:
                setLogicFlags(try read(effectiveAddress(i), Int(i.operandSize)) & gpr[Int(i.reg)] & mask, bits: bits)
            case .group3:
                try executeGroup3(i)
            case .conditionalMove:
                // The source is read whatever the condition; a 32-bit CMOV zeroes the upper half either way.
                let value = i.isMemory ? try read(effectiveAddress(i), Int(i.operandSize)) : gpr[Int(i.rm)]
                gpr[Int(i.reg)] = (fastCondition(UInt8(truncatingIfNeeded: i.op) & 0xF) ? value : gpr[Int(i.reg)]) & mask
            case .setByte:
                let value: UInt64 = fastCondition(UInt8(truncatingIfNeeded: i.op) & 0xF) ? 1 : 0
                if i.isMemory { try write(effectiveAddress(i), 1, value) } else { setRegister(i.rm, 1, value, rex: i.rex) }
            case .extend:
                let size = i.op == 0x1BE ? 1 : 2
                let value = i.isMemory ? try read(effectiveAddress(i), size) : register(i.rm, size, rex: i.rex)
                let extended = i.op == 0x1B7 ? value : UInt64(bitPattern: Self.signExtend(value, bits: UInt64(size * 8)))
                gpr[Int(i.reg)] = extended & mask
            case .multiplyImmediate:
                try executeIMULImmediate(i)
            case .indirect:
                let target = i.isMemory ? try read(effectiveAddress(i), 8) : gpr[Int(i.rm)]
                if i.reg & 7 == 2 { try push(rip) }
                rip = target
            case .sse:
                try executeSSE(i)
            case .sseLoad:
                try checkSSE()
                // MOVAPS/MOVAPD and MOVDQA require alignment; MOVUPS/MOVUPD and MOVDQU do not.
                setXMM(i.reg, try readXMMOperand(i, aligned: i.opcode == 0x28 || (i.opcode == 0x6F && i.hasOperandSizePrefix)))
            case .sseStore:
                try checkSSE()
                let value = xmmValue(i.reg)
                if !i.isMemory {
                    setXMM(i.rm, value)
                } else {
                    // MOVAPS/MOVAPD, MOVNTPS/MOVNTPD and MOVDQA require alignment; MOVUPS/MOVUPD and MOVDQU do not.
                    let address = effectiveAddress(i)
                    if address & 15 != 0 && i.opcode != 0x11 && (i.opcode != 0x7F || i.hasOperandSizePrefix) {
                        throw .fault(.generalProtection(0))
                    }
                    try write128(address, value)
                }
            case .sseLogic:
                try checkSSE()
                setXMM(i.reg, Self.bitwise(i.opcode, xmmValue(i.reg), try readXMMOperand(i, aligned: true)))
            case .sseShiftImmediate:
                try checkSSE()
                shiftImmediate(i)
            case .ssePacked:
                try checkSSE()
                let a = xmmValue(i.reg), b = try readXMMOperand(i, aligned: true)
                setXMM(i.reg, try Self.packedInteger(i.opcode, a, b))
            default:
                try execute(i)
                refreshTranslationTag()
                if flagBits & Flag.tf != 0 || interruptShadow || isHalted || interruptMayBeRecognized {
                    instructionsRetired &+= 1
                    return
                }
            }
            instructionsRetired &+= 1
        }
    }
}
