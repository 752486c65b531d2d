/// Specialised forms of the most frequent instructions, chosen at decode time and executed inline by the run
/// loop: no operand-size switch, no second dispatch. Everything else, and every form with prefixes that change
/// meaning (LOCK, REP, 16-bit operands, byte registers), goes through `execute`.
enum FastForm: UInt8 {
    case none = 0
    case aluRegisterToRM = 1  // 01, 09 … 39 with a register operand: rm ← rm op reg
    case aluRMToRegister = 2  // 03, 0B … 3B with a register operand: reg ← reg op rm
    case aluImmediate = 3  // 81, 83 with a register operand
    case moveRegister = 4  // 89, 8B register to register
    case load = 5  // 8B from memory
    case store = 6  // 89 to memory
    case lea = 7
    case jcc = 8
    case incDec = 9  // FF /0, /1 on a register
    case push = 10
    case pop = 11
    case call = 12
    case ret = 13
    case jump = 14
    case moveImmediate = 15  // B8–BF
    case test = 16  // 85 register, register
    case aluLoad = 17  // 03 … 3B from memory
    case loadZeroExtendByte = 18  // 0F B6 from memory
    case storeByte = 19  // 88 to memory
    case moveSignExtend32 = 20  // 63 with REX.W
    case shiftImmediate = 21  // C1 /0, /1, /4, /5, /7 on a register
    case multiply = 22  // 0F AF
    case nop = 23  // 90, 0F 1F
    case zeroExtendByteRegister = 24  // 0F B6 from a register
    case aluAccumulator = 25  // 05, 0D … 3D
    case signExtendAccumulator = 26  // 98 (CWDE, CDQE)
    case aluRegisterToMemory = 27  // 01, 09 … 39 to memory: read-modify-write
    case aluImmediateToMemory = 28  // 81, 83 to memory
    case storeImmediate = 29  // C7 /0 to memory
    case leave = 30  // C9
    case shiftRegister = 31  // D1, D3 /0, /1, /4, /5, /7 on a register
    case aluImmediateByte = 32  // 80, register or memory
    case testImmediate = 33  // F6 /0, F7 /0
    case testByte = 34  // 84
    case testMemory = 35  // 85 with memory
    case group3 = 36  // F7 /2 … /7 (NOT, NEG, MUL, IMUL, DIV, IDIV)
    case conditionalMove = 37  // 0F 40 … 4F
    case setByte = 38  // 0F 90 … 9F
    case extend = 39  // 0F B7, BE, BF
    case multiplyImmediate = 40  // 69, 6B
    case sse = 41  // the rest of the SSE/SSE2 forms of the 0F map, straight to their handler
    case sseLoad = 42  // MOVAPS/MOVAPD, MOVUPS/MOVUPD, MOVDQA/MOVDQU into a register
    case sseStore = 43  // the same, and MOVNTPS/MOVNTDQ, from a register
    case sseLogic = 44  // ANDPS … XORPS, PAND, PANDN, POR, PXOR
    case ssePacked = 45  // 66 0F packed-integer arithmetic, comparisons, unpacks and packs
    case indirect = 46  // FF /2, FF /4: CALL and JMP through a register or memory
    case sseShiftImmediate = 47  // 66 0F 71, 72, 73 on a register

    /// The form of an SSE instruction (nil for the rest of the 0F map); only valid prefix combinations get a
    /// specialised form, the others go to `executeSSE`, which raises their #UD.
    static func classifySSE(_ i: Instruction) -> FastForm? {
        let opcode = UInt8(truncatingIfNeeded: i.op)
        switch i.op {
        case 0x110...0x117, 0x128, 0x129, 0x12B, 0x150...0x177, 0x17C...0x17F, 0x1C2...0x1C6, 0x1D0...0x1FF: break
        default: return nil
        }
        if i.hasLock { return none }
        let p66 = i.hasOperandSizePrefix, repeatPrefix = i.repeatPrefix
        let plain = repeatPrefix == 0, dqPrefix = p66 != (repeatPrefix == 0xF3) && repeatPrefix != 0xF2
        switch opcode {
        case 0x10, 0x28: return plain ? sseLoad : sse
        case 0x6F: return dqPrefix ? sseLoad : sse
        case 0x11, 0x29: return plain ? sseStore : sse
        case 0x2B: return plain && i.isMemory ? sseStore : sse
        case 0x7F: return dqPrefix ? sseStore : sse
        case 0x54...0x57: return plain ? sseLogic : sse
        case 0xDB, 0xDF, 0xEB, 0xEF: return p66 && plain ? sseLogic : sse
        case 0x71...0x73: return p66 && plain && i.mod == 3 && CPU.isShiftImmediate(i) ? sseShiftImmediate : sse
        case 0x60...0x6D, 0x74...0x76, 0xD4, 0xD5, 0xD8...0xDA, 0xDC...0xDE, 0xE0, 0xE3...0xE5, 0xE8...0xEA, 0xEC...0xEE, 0xF4, 0xF6,
            0xF8...0xFE:
            return p66 && plain ? ssePacked : sse
        default: return sse
        }
    }

    /// The specialised form of a decoded instruction.
    static func classify(_ i: Instruction) -> FastForm {
        let op = i.op
        // Hint NOPs (0F 1E is also ENDBR64 with F3, a NOP without CET): any prefix but LOCK.
        if op == 0x11E || op == 0x11F { return i.hasLock ? none : nop }
        if op >= 0x110 { if let form = classifySSE(i) { return form } }
        guard !i.hasLock, i.repeatPrefix == 0, i.addressSize == 8 else { return none }
        let wide = i.operandSize == 4 || i.operandSize == 8
        switch op {
        case 0x50...0x57: return i.operandSize == 8 ? push : none
        case 0x58...0x5F: return i.operandSize == 8 ? pop : none
        case 0x70...0x7F, 0x180...0x18F: return i.operandSize == 8 ? jcc : none
        case 0xE8: return i.operandSize == 8 ? call : none
        case 0xC3: return i.operandSize == 8 ? ret : none
        case 0xC9: return i.operandSize == 8 ? leave : none
        case 0xE9, 0xEB: return i.operandSize == 8 ? jump : none
        case 0xB8...0xBF: return wide ? moveImmediate : none
        case 0x8D: return wide && i.isMemory ? lea : none
        case 0x88: return i.isMemory ? storeByte : none
        case 0x80: return aluImmediateByte
        case 0x84: return testByte
        case 0xF6: return i.reg & 7 == 0 ? testImmediate : none
        case 0x190...0x19F: return setByte
        case 0x90: return i.rex & 1 == 0 ? nop : none
        default: break
        }
        guard wide else { return none }
        if op < 0x40, op & 7 == 1 { return i.mod == 3 ? aluRegisterToRM : aluRegisterToMemory }
        if op < 0x40, op & 7 == 3 { return i.mod == 3 ? aluRMToRegister : aluLoad }
        switch op {
        case 0x81, 0x83: return i.mod == 3 ? aluImmediate : aluImmediateToMemory
        case 0x89: return i.mod == 3 ? moveRegister : store
        case 0x8B: return i.mod == 3 ? moveRegister : load
        case 0x85: return i.mod == 3 ? test : testMemory
        case 0xC7: return i.reg & 7 == 0 && i.isMemory ? storeImmediate : none
        case 0xF7: return i.reg & 7 == 0 ? testImmediate : (i.reg & 7 == 1 ? none : group3)
        case 0xFF:
            switch i.reg & 7 {
            case 0, 1: return i.mod == 3 ? incDec : none
            case 2, 4: return indirect  // 64-bit whatever the operand size, as the general path does
            default: return none
            }
        case 0x1B6: return i.isMemory ? loadZeroExtendByte : zeroExtendByteRegister
        case 0x1B7, 0x1BE, 0x1BF: return extend
        case 0x140...0x14F: return conditionalMove
        case 0x63: return i.operandSize == 8 ? moveSignExtend32 : none
        case 0xC1: return i.mod == 3 && [0, 1, 4, 5, 7].contains(i.reg & 7) ? shiftImmediate : none
        case 0xD1, 0xD3: return i.mod == 3 && [0, 1, 4, 5, 7].contains(i.reg & 7) ? shiftRegister : none
        case 0x1AF: return multiply
        case 0x69, 0x6B: return multiplyImmediate
        case 0x98: return signExtendAccumulator
        default:
            if op < 0x40, op & 7 == 5 { return aluAccumulator }
            return none
        }
    }
}

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
                let r = fastALU(op, gpr[Int(i.rm)] & mask, gpr[Int(i.reg)] & mask, bits: bits, mask: mask)
                if op != 7 { gpr[Int(i.rm)] = r }
            case .aluRMToRegister:
                let op = UInt8(truncatingIfNeeded: i.op >> 3) & 7
                let r = fastALU(op, gpr[Int(i.reg)] & mask, gpr[Int(i.rm)] & mask, bits: bits, mask: mask)
                if op != 7 { gpr[Int(i.reg)] = r }
            case .aluLoad:
                let op = UInt8(truncatingIfNeeded: i.op >> 3) & 7
                let value = try read(effectiveAddress(i), Int(i.operandSize))
                let r = fastALU(op, gpr[Int(i.reg)] & mask, value, bits: bits, mask: mask)
                if op != 7 { gpr[Int(i.reg)] = r }
            case .aluImmediate:
                let op = i.reg & 7
                let r = fastALU(op, gpr[Int(i.rm)] & mask, i.immediate & mask, bits: bits, mask: mask)
                if op != 7 { gpr[Int(i.rm)] = r }
            case .moveRegister:
                if i.op == 0x89 { gpr[Int(i.rm)] = gpr[Int(i.reg)] & mask } else { gpr[Int(i.reg)] = gpr[Int(i.rm)] & mask }
            case .load:
                gpr[Int(i.reg)] = try read(effectiveAddress(i), Int(i.operandSize))
            case .store:
                try write(effectiveAddress(i), Int(i.operandSize), gpr[Int(i.reg)])
            case .lea:
                var address = UInt64(bitPattern: i.displacement)
                if i.base == Instruction.ripBase {
                    address &+= rip
                } else if i.base != Instruction.noRegister {
                    address &+= gpr[Int(i.base)]
                }
                if i.index != Instruction.noRegister { address &+= gpr[Int(i.index)] << UInt64(i.scale) }
                gpr[Int(i.reg)] = address & mask
            case .jcc:
                if fastCondition(UInt8(truncatingIfNeeded: i.op) & 0xF) { rip &+= i.immediate }
            case .incDec:
                let value = gpr[Int(i.rm)] & mask
                let increment = i.reg & 7 == 0
                let r = (increment ? value &+ 1 : value &- 1) & mask
                setIncDecFlags(value, r, bits: bits, increment: increment)
                gpr[Int(i.rm)] = r
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
                let r = fastALU(op, gpr[Reg.rax] & mask, i.immediate & mask, bits: bits, mask: mask)
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
                let r = fastALU(op, try read(address, Int(i.operandSize)), gpr[Int(i.reg)] & mask, bits: bits, mask: mask)
                if op != 7 { try write(address, Int(i.operandSize), r) }
            case .aluImmediateToMemory:
                let op = i.reg & 7
                let address = effectiveAddress(i)
                if op != 7 { try prepareWrite(address, Int(i.operandSize)) }
                let r = fastALU(op, try read(address, Int(i.operandSize)), i.immediate & mask, bits: bits, mask: mask)
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
                    let r = fastALU(op, try read(address, 1), i.immediate & 0xFF, bits: 8, mask: 0xFF)
                    if op != 7 { try write(address, 1, r) }
                } else {
                    let r = fastALU(op, register(i.rm, 1, rex: i.rex), i.immediate & 0xFF, bits: 8, mask: 0xFF)
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
                if flagBits & Flag.tf != 0 || interruptShadow || isHalted {
                    instructionsRetired &+= 1
                    return
                }
            }
            instructionsRetired &+= 1
        }
    }
}
