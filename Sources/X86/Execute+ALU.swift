/// Integer arithmetic and logic (SDM vol. 2: ADD, OR, ADC, SBB, AND, SUB, XOR, CMP, TEST, INC, DEC, NEG, NOT,
/// MUL, IMUL, DIV, IDIV), with exact flags.
extension CPU {
    /// Applies ALU operation `op` (0 ADD, 1 OR, 2 ADC, 3 SBB, 4 AND, 5 SUB, 6 XOR, 7 CMP) to operands already
    /// masked to `bits` (`mask` is `CPU.mask(bits)`) and records its flags. The general handlers and the fast
    /// forms both come here; the cases are ordered and grouped by how often compiled code uses them.
    @inline(__always)
    func alu(_ op: UInt8, _ dst: UInt64, _ src: UInt64, bits: UInt64, mask: UInt64) -> UInt64 {
        switch op {
        case 0:
            let r = (dst &+ src) & mask
            setAddFlags(dst, src, r, bits: bits)
            return r
        case 5, 7:  // SUB, CMP
            let r = (dst &- src) & mask
            setSubFlags(dst, src, r, bits: bits)
            return r
        case 1, 4, 6:
            let r = op == 1 ? dst | src : (op == 4 ? dst & src : dst ^ src)
            setLogicFlags(r, bits: bits)
            return r
        case 2:
            let carry: UInt64 = carryFlag ? 1 : 0
            let r = (dst &+ src &+ carry) & mask
            setAddFlags(dst, src, r, bits: bits, carryIn: carry)
            return r
        default:  // SBB
            let borrow: UInt64 = carryFlag ? 1 : 0
            let r = (dst &- src &- borrow) & mask
            setSubFlags(dst, src, r, bits: bits, carryIn: borrow)
            return r
        }
    }

    /// `alu` with the mask derived from `bits`.
    @inline(__always)
    func alu(_ op: UInt8, _ dst: UInt64, _ src: UInt64, bits: UInt64) -> UInt64 {
        alu(op, dst, src, bits: bits, mask: Self.mask(bits))
    }

    /// 00–3D: the six forms of each ALU operation.
    @inline(__always)
    func executeALUForm(_ i: Instruction) throws(Event) {
        let op = (i.opcode >> 3) & 7
        let size = i.opcode & 1 == 0 ? 1 : Int(i.operandSize)
        let bits = UInt64(size * 8)
        switch i.opcode & 7 {
        case 0, 1:  // E, G
            try aluIntoRM(op, i, size: size, source: register(i.reg, size, rex: i.rex))
        case 2, 3:  // G, E
            let r = alu(op, register(i.reg, size, rex: i.rex), try readRM(i, size), bits: bits)
            if op != 7 { setRegister(i.reg, size, r, rex: i.rex) }
        default:  // AL/rAX, immediate
            let r = alu(op, register(0, size, rex: i.rex), i.immediate & Self.mask(bits), bits: bits)
            if op != 7 { setRegister(0, size, r, rex: i.rex) }
        }
    }

    /// 80, 81, 83: group 1 with an immediate.
    @inline(__always)
    func executeGroup1(_ i: Instruction) throws(Event) {
        let size = i.opcode == 0x80 ? 1 : Int(i.operandSize)
        try aluIntoRM(i.reg & 7, i, size: size, source: i.immediate & Self.mask(UInt64(size * 8)))
    }

    /// `r/m ← r/m op source`: a register, or a memory read-modify-write (CMP only reads).
    @inline(__always)
    func aluIntoRM(_ op: UInt8, _ i: Instruction, size: Int, source: UInt64) throws(Event) {
        let bits = UInt64(size * 8)
        if i.mod == 3 {
            let r = alu(op, register(i.rm, size, rex: i.rex), source, bits: bits)
            if op != 7 { setRegister(i.rm, size, r, rex: i.rex) }
        } else {
            let address = effectiveAddress(i)
            if op != 7 { try prepareWrite(address, size) }
            let r = alu(op, try read(address, size), source, bits: bits)
            if op != 7 { try write(address, size, r) }
        }
    }

    /// 84, 85, A8, A9: TEST.
    func executeTEST(_ i: Instruction) throws(Event) {
        let size = i.opcode & 1 == 0 ? 1 : Int(i.operandSize)
        let bits = UInt64(size * 8)
        if i.opcode >= 0xA8 {
            setLogicFlags(register(0, size, rex: i.rex) & i.immediate & Self.mask(bits), bits: bits)
        } else {
            setLogicFlags(try readRM(i, size) & register(i.reg, size, rex: i.rex), bits: bits)
        }
    }

    /// F6, F7: TEST, NOT, NEG, MUL, IMUL, DIV, IDIV.
    func executeGroup3(_ i: Instruction) throws(Event) {
        let size = i.opcode == 0xF6 ? 1 : Int(i.operandSize)
        let bits = UInt64(size * 8)
        let mask = Self.mask(bits)
        switch i.reg & 7 {
        case 0, 1:
            setLogicFlags(try readRM(i, size) & i.immediate & mask, bits: bits)
        case 2:
            try writeRM(i, size, ~(try readRM(i, size)) & mask)
        case 3:
            let value = try readRM(i, size)
            let r = (0 &- value) & mask
            try writeRM(i, size, r)  // before the flags: a faulting write leaves them as they were
            setSubFlags(0, value, r, bits: bits)
        case 4, 5:
            try executeMultiply(i, size: size, signed: i.reg & 7 == 5)
        default:
            try executeDivide(i, size: size, signed: i.reg & 7 == 7)
        }
    }

    /// MUL and one-operand IMUL: rDX:rAX (AH:AL for bytes) = rAX × r/m; CF = OF = the upper half is needed.
    func executeMultiply(_ i: Instruction, size: Int, signed: Bool) throws(Event) {
        let bits = UInt64(size * 8)
        let mask = Self.mask(bits)
        let a = register(0, size, rex: i.rex), b = try readRM(i, size)
        var low: UInt64, high: UInt64
        let overflow: Bool
        if signed {
            let sa = Self.signExtend(a, bits: bits), sb = Self.signExtend(b, bits: bits)
            let product = sa.multipliedFullWidth(by: sb)
            if size == 8 {
                low = product.low
                high = UInt64(bitPattern: product.high)
                overflow = product.high != (Int64(bitPattern: low) >> 63)
            } else {
                let full = sa &* sb
                low = UInt64(bitPattern: full) & mask
                high = UInt64(bitPattern: full >> Int64(bits)) & mask
                overflow = full != Self.signExtend(UInt64(bitPattern: full) & mask, bits: bits)
            }
        } else {
            let product = a.multipliedFullWidth(by: b)
            if size == 8 {
                low = product.low
                high = product.high
            } else {
                low = product.low & mask
                high = product.low >> bits
            }
            overflow = high != 0
        }
        if size == 1 {
            setRegister(0, 2, (high << 8) | low, rex: 0)
        } else {
            setRegister(0, size, low, rex: i.rex)
            setRegister(2, size, high, rex: i.rex)
        }
        setResultFlags(low, bits: bits, cf: overflow, of: overflow)
    }

    /// DIV and IDIV: #DE on a zero divisor or a quotient that does not fit.
    func executeDivide(_ i: Instruction, size: Int, signed: Bool) throws(Event) {
        let bits = UInt64(size * 8)
        let mask = Self.mask(bits)
        let divisor = try readRM(i, size)
        guard divisor != 0 else { throw .fault(.divideError) }
        let high = size == 1 ? (gpr[Reg.rax] >> 8) & 0xFF : register(2, size, rex: i.rex)
        let low = register(0, size, rex: i.rex) & mask
        var quotient: UInt64, remainder: UInt64
        if signed {
            let d = Self.signExtend(divisor, bits: bits)
            if size == 8 {
                let dividendHigh = Int64(bitPattern: high)
                // Signed 128 ÷ 64: divide magnitudes, then fix signs.
                let negative = dividendHigh < 0
                var (h, l) = (UInt64(bitPattern: dividendHigh), low)
                if negative { (h, l) = Self.negate128(h, l) }
                let magnitudeD = d < 0 ? UInt64(bitPattern: 0 &- d) : UInt64(d)
                guard h < magnitudeD else { throw .fault(.divideError) }
                let (q, r) = magnitudeD.dividingFullWidth((h, l))
                let quotientNegative = negative != (d < 0)
                if quotientNegative ? q > 1 << 63 : q > UInt64(Int64.max) { throw .fault(.divideError) }
                quotient = quotientNegative ? 0 &- q : q
                remainder = negative ? 0 &- r : r
            } else {
                let dividend = Self.signExtend((high << bits) | low, bits: bits * 2)
                // EDX:EAX = 0x80000000_00000000 divided by -1 overflows even 64 bits (and would trap the host).
                let (q, overflow) = dividend.dividedReportingOverflow(by: d)
                guard !overflow, q >= -(Int64(1) << (bits - 1)), q < Int64(1) << (bits - 1) else { throw .fault(.divideError) }
                let r = dividend % d
                quotient = UInt64(bitPattern: q) & mask
                remainder = UInt64(bitPattern: r) & mask
            }
        } else {
            guard high < divisor else { throw .fault(.divideError) }
            if size == 8 && high == 0 {
                (quotient, remainder) = (low / divisor, low % divisor)  // a 64-bit division, not a 128-bit one
            } else if size == 8 {
                (quotient, remainder) = divisor.dividingFullWidth((high, low))
            } else {
                let dividend = (high << bits) | low
                quotient = dividend / divisor
                remainder = dividend % divisor
            }
        }
        if size == 1 {
            setRegister(0, 2, (remainder << 8) | (quotient & 0xFF), rex: 0)
        } else {
            setRegister(0, size, quotient, rex: i.rex)
            setRegister(2, size, remainder, rex: i.rex)
        }
    }

    /// 69, 6B, 0F AF: IMUL with two or three operands; CF = OF = the result was truncated.
    func executeIMULImmediate(_ i: Instruction) throws(Event) {
        let size = Int(i.operandSize)
        let bits = UInt64(size * 8)
        let a = Self.signExtend(try readRM(i, size), bits: bits)
        let b = i.op == 0x1AF ? Self.signExtend(register(i.reg, size, rex: i.rex), bits: bits) : Self.signExtend(i.immediate, bits: bits)
        let (product, overflow64) = a.multipliedReportingOverflow(by: b)
        let result = UInt64(bitPattern: product) & Self.mask(bits)
        let overflow = size == 8 ? overflow64 : product != Self.signExtend(result, bits: bits)
        setRegister(i.reg, size, result, rex: i.rex)
        setResultFlags(result, bits: bits, cf: overflow, of: overflow)
    }

    /// INC or DEC of `value` (already masked to `bits`): the result, with OF, SF, ZF, AF and PF set and CF kept.
    @inline(__always)
    func incDec(_ value: UInt64, bits: UInt64, mask: UInt64, increment: Bool) -> UInt64 {
        let r = (increment ? value &+ 1 : value &- 1) & mask
        setIncDecFlags(value, r, bits: bits, increment: increment)
        return r
    }

    /// FE, FF: INC, DEC, CALL, JMP, PUSH (far forms via memory).
    func executeGroup4And5(_ i: Instruction) throws(Event) {
        let byteForm = i.opcode == 0xFE
        let size = byteForm ? 1 : Int(i.operandSize)
        let bits = UInt64(size * 8)
        switch i.reg & 7 {
        case 0, 1:
            let increment = i.reg & 7 == 0
            if i.mod == 3 {
                let value = register(i.rm, size, rex: i.rex)
                setRegister(i.rm, size, incDec(value, bits: bits, mask: Self.mask(bits), increment: increment), rex: i.rex)
            } else {
                let address = effectiveAddress(i)
                let value = try read(address, size)
                try prepareWrite(address, size)
                try write(address, size, incDec(value, bits: bits, mask: Self.mask(bits), increment: increment))
            }
        case 2 where !byteForm:
            let target = try readRM(i, 8)
            try push(rip)
            rip = target
        case 4 where !byteForm:
            rip = try readRM(i, 8)
        case 3 where !byteForm && i.isMemory, 5 where !byteForm && i.isMemory:
            try executeFarCallOrJump(i, call: i.reg & 7 == 3)
        case 6 where !byteForm:
            let size = i.operandSize == 2 ? 2 : 8
            try push(try readRM(i, size), size)
        default:
            throw .fault(.invalidOpcode)
        }
    }

    /// The value of the low `bits` of `value`, sign-extended.
    @inline(__always)
    static func signExtend(_ value: UInt64, bits: UInt64) -> Int64 {
        bits >= 64 ? Int64(bitPattern: value) : Int64(bitPattern: value << (64 - bits)) >> Int64(64 - bits)
    }

    static func negate128(_ high: UInt64, _ low: UInt64) -> (UInt64, UInt64) {
        let l = ~low &+ 1
        return (~high &+ (l == 0 ? 1 : 0), l)
    }
}
