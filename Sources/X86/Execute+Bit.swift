/// Bit operations (SDM vol. 2: BT, BTS, BTR, BTC, BSF, BSR, TZCNT, LZCNT, POPCNT, BSWAP).
extension CPU {
    /// 0F A3/AB/B3/BB (register bit offset) and 0F BA (immediate): BT, BTS, BTR, BTC. With a register offset
    /// and a memory operand, the offset reaches beyond the addressed word (a signed bit string).
    func executeBitTest(_ i: Instruction) throws(Event) {
        let size = Int(i.operandSize)
        let bits = UInt64(size * 8)
        let op: UInt8
        var offset: Int64
        if i.opcode == 0xBA {
            guard i.reg & 7 >= 4 else { throw .fault(.invalidOpcode) }
            op = i.reg & 3
            offset = Int64(i.immediate & (bits - 1))
        } else {
            op = (i.opcode >> 3) & 3  // A3 → 0 BT, AB → 1 BTS, B3 → 2 BTR, BB → 3 BTC
            offset = Self.signExtend(register(i.reg, size, rex: i.rex), bits: bits)
        }
        materializeFlags()
        if i.isMemory {
            var address = effectiveAddress(i)
            if i.opcode != 0xBA {
                address = address &+ UInt64(bitPattern: (offset >> Int64(bits == 64 ? 6 : (bits == 32 ? 5 : 4))) * Int64(size))
            }
            let bit = UInt64(bitPattern: offset) & (bits - 1)
            let value = try read(address, size)
            flagBits = (flagBits & ~Flag.cf) | ((value >> bit) & 1 != 0 ? Flag.cf : 0)
            if op != 0 { try write(address, size, Self.applyBit(op, value, bit)) }
        } else {
            let bit = UInt64(bitPattern: offset) & (bits - 1)
            let value = register(i.rm, size, rex: i.rex)
            flagBits = (flagBits & ~Flag.cf) | ((value >> bit) & 1 != 0 ? Flag.cf : 0)
            if op != 0 { setRegister(i.rm, size, Self.applyBit(op, value, bit), rex: i.rex) }
        }
    }

    static func applyBit(_ op: UInt8, _ value: UInt64, _ bit: UInt64) -> UInt64 {
        switch op {
        case 1: return value | (1 << bit)
        case 2: return value & ~(1 << bit)
        default: return value ^ (1 << bit)
        }
    }

    /// 0F BC/BD: BSF/BSR, or TZCNT/LZCNT with F3.
    func executeBitScan(_ i: Instruction) throws(Event) {
        let size = Int(i.operandSize)
        let bits = UInt64(size * 8)
        let value = try readRM(i, size)
        let forward = i.opcode == 0xBC
        if i.repeatPrefix == 0xF3 {
            let count: UInt64 =
                value == 0
                ? bits
                : UInt64(forward ? value.trailingZeroBitCount : value.leadingZeroBitCount - (64 - Int(bits)))
            setRegister(i.reg, size, count, rex: i.rex)
            materializeFlags()
            flagBits = (flagBits & ~(Flag.cf | Flag.zf)) | (value == 0 ? Flag.cf : 0) | (count == 0 ? Flag.zf : 0)
            return
        }
        materializeFlags()
        if value == 0 {
            flagBits |= Flag.zf  // the destination is left unchanged (as Intel processors do)
            return
        }
        flagBits &= ~Flag.zf
        let index = forward ? UInt64(value.trailingZeroBitCount) : UInt64(63 - value.leadingZeroBitCount)
        setRegister(i.reg, size, index, rex: i.rex)
    }

    /// F3 0F B8: POPCNT.
    func executePOPCNT(_ i: Instruction) throws(Event) {
        let size = Int(i.operandSize)
        let value = try readRM(i, size)
        setRegister(i.reg, size, UInt64(value.nonzeroBitCount), rex: i.rex)
        rflags = (rflags & ~Flag.arithmetic) | (value == 0 ? Flag.zf : 0)
    }

    /// 0F C8–CF: BSWAP.
    func executeBSWAP(_ i: Instruction) {
        if i.operandSize == 8 {
            gpr[Int(i.rm)] = gpr[Int(i.rm)].byteSwapped
        } else if i.operandSize == 4 {
            gpr[Int(i.rm)] = UInt64(UInt32(truncatingIfNeeded: gpr[Int(i.rm)]).byteSwapped)
        } else {
            setRegister(i.rm, 2, 0, rex: i.rex)  // undefined in the SDM; Intel processors clear the word
        }
    }
}
