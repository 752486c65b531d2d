/// Shifts and rotates (SDM vol. 2: SAL/SAR/SHL/SHR, ROL/ROR/RCL/RCR, SHLD, SHRD). A masked count of 0 changes
/// nothing, flags included; rotates change only CF and OF.
extension CPU {
    /// C0, C1, D0–D3: group 2.
    func executeShiftGroup(_ i: Instruction) throws(Event) {
        let size = i.opcode & 1 == 0 ? 1 : Int(i.operandSize)
        let bits = UInt64(size * 8)
        let countSource: UInt64 =
            switch i.opcode {
            case 0xC0, 0xC1: i.immediate
            case 0xD0, 0xD1: 1
            default: gpr[Reg.rcx]
            }
        let count = countSource & (size == 8 ? 0x3F : 0x1F)
        if count == 0 {
            // The operand is still accessed, and a 32-bit register destination is written (zero-extended).
            let value = try readRM(i, size)
            if size == 4 && !i.isMemory { setRegister(i.rm, 4, value, rex: i.rex) }
            return
        }
        let address = i.isMemory ? effectiveAddress(i) : 0
        // A memory operand is read with write intent: a faulting write must leave the flags as they were.
        if i.isMemory { try prepareWrite(address, size) }
        let value = i.isMemory ? try read(address, size) : register(i.rm, size, rex: i.rex)
        let result = shiftOrRotate(i.reg & 7, value, count: count, bits: bits)
        if i.isMemory { try write(address, size, result) } else { setRegister(i.rm, size, result, rex: i.rex) }
    }

    /// Performs group-2 operation `op` on `value` and records the flags.
    func shiftOrRotate(_ op: UInt8, _ value: UInt64, count: UInt64, bits: UInt64) -> UInt64 {
        let mask = Self.mask(bits), sign = Self.sign(bits)
        switch op {
        case 0, 1, 2, 3:  // ROL, ROR, RCL, RCR: only CF and OF change
            materializeFlags()
            let oldCarry: UInt64 = flagBits & Flag.cf != 0 ? 1 : 0
            var result = value
            var carry = oldCarry
            var overflow: Bool
            switch op {
            case 0:
                let n = count % bits
                result = n == 0 ? value : ((value << n) | (value >> (bits - n))) & mask
                carry = result & 1
                overflow = ((result & sign != 0) ? 1 : 0) ^ carry != 0
            case 1:
                let n = count % bits
                result = n == 0 ? value : ((value >> n) | (value << (bits - n))) & mask
                carry = result & sign != 0 ? 1 : 0
                overflow = (result & sign != 0) != (result & (sign >> 1) != 0)
            case 2:
                let n = bits < 32 ? count % (bits + 1) : count
                for _ in 0..<n {
                    let out: UInt64 = result & sign != 0 ? 1 : 0
                    result = ((result << 1) | carry) & mask
                    carry = out
                }
                overflow = ((result & sign != 0) ? 1 : 0) ^ carry != 0
            default:
                let n = bits < 32 ? count % (bits + 1) : count
                overflow = ((value & sign != 0) ? 1 : 0) ^ oldCarry != 0
                for _ in 0..<n {
                    let out = result & 1
                    result = (result >> 1) | (carry << (bits - 1))
                    carry = out
                }
            }
            flagBits = (flagBits & ~(Flag.cf | Flag.of)) | (carry != 0 ? Flag.cf : 0) | (overflow ? Flag.of : 0)
            return result
        case 4, 6:  // SHL/SAL
            let result = count >= 64 ? 0 : (value << count) & mask
            let carry = count <= bits ? (value >> (bits - count)) & 1 != 0 : false
            setResultFlags(result, bits: bits, cf: carry, of: (result & sign != 0) != carry)
            return result
        case 5:  // SHR
            let result = count >= 64 ? 0 : value >> count
            let carry = count <= bits ? (value >> (count - 1)) & 1 != 0 : false
            setResultFlags(result, bits: bits, cf: carry, of: value & sign != 0)
            return result
        default:  // SAR
            let signed = Self.signExtend(value, bits: bits)
            let result = UInt64(bitPattern: signed >> Int64(min(count, 63))) & mask
            let carry = (signed >> Int64(min(count - 1, 63))) & 1 != 0
            setResultFlags(result, bits: bits, cf: carry, of: false)
            return result
        }
    }

    /// 0F A4/A5 (SHLD) and 0F AC/AD (SHRD).
    func executeDoubleShift(_ i: Instruction) throws(Event) {
        let size = Int(i.operandSize)
        let bits = UInt64(size * 8)
        let mask = Self.mask(bits)
        let count = (i.opcode == 0xA4 || i.opcode == 0xAC ? i.immediate : gpr[Reg.rcx]) & (size == 8 ? 0x3F : 0x1F)
        let address = i.isMemory ? effectiveAddress(i) : 0
        let dst = i.isMemory ? try read(address, size) : register(i.rm, size, rex: i.rex)
        if count == 0 {
            if size == 4 && !i.isMemory { setRegister(i.rm, 4, dst, rex: i.rex) }  // still written, zero-extended
            return
        }
        let src = register(i.reg, size, rex: i.rex)
        let left = i.opcode <= 0xA5
        var result: UInt64, carry: Bool
        if bits == 16 && count > 16 {
            // Undefined result in the SDM; this follows what Intel processors do: shift through a 48-bit concat.
            let wide = left ? (dst << 32 | src << 16 | dst) : (dst << 32 | src << 16 | dst)
            result = left ? (wide << count) >> 32 & mask : (wide >> count) & mask
            carry = left ? (wide << (count - 1)) >> 47 & 1 != 0 : (wide >> (count - 1)) & 1 != 0
        } else if left {
            result = ((dst << count) | (src >> (bits - count))) & mask
            carry = (dst >> (bits - count)) & 1 != 0
        } else {
            result = ((dst >> count) | (src << (bits - count))) & mask
            carry = (dst >> (count - 1)) & 1 != 0
        }
        let overflow = (result ^ dst) & Self.sign(bits) != 0
        setResultFlags(result, bits: bits, cf: carry, of: overflow)
        if i.isMemory { try write(address, size, result) } else { setRegister(i.rm, size, result, rex: i.rex) }
    }
}
