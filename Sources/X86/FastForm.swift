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
        case 0x110...0x117, 0x128, 0x129, 0x12B, 0x150...0x177, 0x17C...0x17F, 0x1C2, 0x1C4...0x1C6, 0x1D0...0x1FF: break
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
        case 0x60...0x6D, 0x74...0x76, 0xD4, 0xD5, 0xD8...0xDA, 0xDC...0xDE, 0xE0, 0xE3...0xE5, 0xE8...0xEA, 0xEC...0xEE, 0xF4...0xF6,
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
