/// Specialised forms of the most frequent instructions, chosen at decode time and executed inline by the run
/// loop: no operand-size switch, no second dispatch. Everything else, and every form with prefixes that change
/// meaning (LOCK, REP, 16-bit operands, byte registers), goes through `execute`.
enum FastForm {
    static let none: UInt8 = 0
    static let aluRegisterToRM: UInt8 = 1  // 01, 09 … 39 with a register operand: rm ← rm op reg
    static let aluRMToRegister: UInt8 = 2  // 03, 0B … 3B with a register operand: reg ← reg op rm
    static let aluImmediate: UInt8 = 3  // 81, 83 with a register operand
    static let moveRegister: UInt8 = 4  // 89, 8B register to register
    static let load: UInt8 = 5  // 8B from memory
    static let store: UInt8 = 6  // 89 to memory
    static let lea: UInt8 = 7
    static let jcc: UInt8 = 8
    static let incDec: UInt8 = 9  // FF /0, /1 on a register
    static let push: UInt8 = 10
    static let pop: UInt8 = 11
    static let call: UInt8 = 12
    static let ret: UInt8 = 13
    static let jump: UInt8 = 14
    static let moveImmediate: UInt8 = 15  // B8–BF
    static let test: UInt8 = 16  // 85 register, register
    static let aluLoad: UInt8 = 17  // 03 … 3B from memory
    static let loadZeroExtendByte: UInt8 = 18  // 0F B6 from memory

    /// The specialised form of a decoded instruction.
    static func classify(_ i: Instruction) -> UInt8 {
        guard !i.hasLock, i.repeatPrefix == 0, i.addressSize == 8 else { return none }
        let wide = i.operandSize == 4 || i.operandSize == 8
        let op = i.op
        switch op {
        case 0x50...0x57: return i.operandSize == 8 ? push : none
        case 0x58...0x5F: return i.operandSize == 8 ? pop : none
        case 0x70...0x7F, 0x180...0x18F: return i.operandSize == 8 ? jcc : none
        case 0xE8: return i.operandSize == 8 ? call : none
        case 0xC3: return i.operandSize == 8 ? ret : none
        case 0xE9, 0xEB: return i.operandSize == 8 ? jump : none
        case 0xB8...0xBF: return wide ? moveImmediate : none
        case 0x8D: return wide && i.isMemory ? lea : none
        default: break
        }
        guard wide else { return none }
        if op < 0x40, op & 7 == 1, i.mod == 3 { return aluRegisterToRM }
        if op < 0x40, op & 7 == 3 { return i.mod == 3 ? aluRMToRegister : aluLoad }
        switch op {
        case 0x81, 0x83: return i.mod == 3 ? aluImmediate : none
        case 0x89: return i.mod == 3 ? moveRegister : store
        case 0x8B: return i.mod == 3 ? moveRegister : load
        case 0x85: return i.mod == 3 ? test : none
        case 0xFF: return i.mod == 3 && i.reg & 7 < 2 ? incDec : none
        case 0x1B6: return i.isMemory ? loadZeroExtendByte : none
        default: return none
        }
    }
}

extension CPU {
    /// Executes `i`, inline for the specialised forms.
    @inline(__always)
    func executeFast(_ i: Instruction) throws(Event) {
        let wide = i.operandSize == 8
        let mask: UInt64 = wide ? ~0 : 0xFFFF_FFFF
        let bits: UInt64 = wide ? 64 : 32
        switch i.fast {
        case FastForm.aluRegisterToRM:
            let op = UInt8(truncatingIfNeeded: i.op >> 3) & 7
            let r = alu(op, gpr[Int(i.rm)] & mask, gpr[Int(i.reg)] & mask, bits: bits)
            if op != 7 { gpr[Int(i.rm)] = r }
        case FastForm.aluRMToRegister:
            let op = UInt8(truncatingIfNeeded: i.op >> 3) & 7
            let r = alu(op, gpr[Int(i.reg)] & mask, gpr[Int(i.rm)] & mask, bits: bits)
            if op != 7 { gpr[Int(i.reg)] = r }
        case FastForm.aluLoad:
            let op = UInt8(truncatingIfNeeded: i.op >> 3) & 7
            let value = try read(effectiveAddress(i), Int(i.operandSize))
            let r = alu(op, gpr[Int(i.reg)] & mask, value, bits: bits)
            if op != 7 { gpr[Int(i.reg)] = r }
        case FastForm.aluImmediate:
            let op = i.reg & 7
            let r = alu(op, gpr[Int(i.rm)] & mask, i.immediate & mask, bits: bits)
            if op != 7 { gpr[Int(i.rm)] = r }
        case FastForm.moveRegister:
            if i.op == 0x89 { gpr[Int(i.rm)] = gpr[Int(i.reg)] & mask } else { gpr[Int(i.reg)] = gpr[Int(i.rm)] & mask }
        case FastForm.load:
            gpr[Int(i.reg)] = try read(effectiveAddress(i), Int(i.operandSize))
        case FastForm.store:
            try write(effectiveAddress(i), Int(i.operandSize), gpr[Int(i.reg)])
        case FastForm.lea:
            var address = UInt64(bitPattern: i.displacement)
            if i.base == Instruction.ripBase { address &+= rip } else if i.base != Instruction.noRegister { address &+= gpr[Int(i.base)] }
            if i.index != Instruction.noRegister { address &+= gpr[Int(i.index)] << UInt64(i.scale) }
            gpr[Int(i.reg)] = address & mask
        case FastForm.jcc:
            let cc = UInt8(truncatingIfNeeded: i.op) & 0xF
            // JE/JNE are the most frequent: ZF alone.
            let taken = cc >> 1 == 2 ? zeroFlag != (cc & 1 == 1) : condition(cc)
            if taken { rip &+= i.immediate }
        case FastForm.incDec:
            let value = gpr[Int(i.rm)] & mask
            let increment = i.reg & 7 == 0
            let r = (increment ? value &+ 1 : value &- 1) & mask
            setIncDecFlags(value, r, bits: bits, increment: increment)
            gpr[Int(i.rm)] = r
        case FastForm.push:
            try push(gpr[Int(i.rm)])
        case FastForm.pop:
            let value = try pop()
            gpr[Int(i.rm)] = value
        case FastForm.call:
            try push(rip)
            rip &+= i.immediate
        case FastForm.ret:
            rip = try pop()
        case FastForm.jump:
            rip &+= i.immediate
        case FastForm.moveImmediate:
            gpr[Int(i.rm)] = i.immediate & mask
        case FastForm.test:
            setLogicFlags(gpr[Int(i.rm)] & gpr[Int(i.reg)] & mask, bits: bits)
        case FastForm.loadZeroExtendByte:
            gpr[Int(i.reg)] = try read(effectiveAddress(i), 1) & mask
        default:
            try execute(i)
        }
    }
}
