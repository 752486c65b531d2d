/// The dispatch: one case per opcode form, calling the handler of its family (SDM vol. 2, "Opcode Map").
extension CPU {
    @inline(__always)
    func execute(_ i: Instruction) throws(Event) {
        switch i.op {
        // One-byte map.
        case 0x00...0x3F: try executeALUForm(i)
        case 0x50...0x57: try push(gpr[Int(i.rm)], Int(i.operandSize))
        case 0x58...0x5F:
            let size = Int(i.operandSize)
            let value = try pop(size)
            setRegister(i.rm, size, value, rex: i.rex)
        case 0x63: try executeMOVSXD(i)
        case 0x68, 0x6A: try push(i.immediate, Int(i.operandSize))
        case 0x69, 0x6B: try executeIMULImmediate(i)
        case 0x6C...0x6F: try executeStringIO(i)
        case 0x70...0x7F: if condition(i.opcode & 0xF) { branch(i.immediate, i) }
        case 0x80, 0x81, 0x83: try executeGroup1(i)
        case 0x84, 0x85: try executeTEST(i)
        case 0x86, 0x87: try executeXCHG(i)
        case 0x88...0x8B: try executeMOV(i)
        case 0x8C: try writeRM(i, i.isMemory ? 2 : Int(i.operandSize), UInt64(segments[Int(i.reg & 7) % 6].selector))
        case 0x8D:
            guard i.isMemory else { throw .fault(.invalidOpcode) }
            let address = addressOffset(i)
            setRegister(i.reg, Int(i.operandSize), i.addressSize == 4 ? address & 0xFFFF_FFFF : address, rex: i.rex)
        case 0x8E: try executeLoadSegment(i)
        case 0x8F:
            guard i.reg & 7 == 0 else { throw .fault(.invalidOpcode) }
            let size = Int(i.operandSize)
            let value = try read(gpr[Reg.rsp], size)
            // The address is computed after RSP is incremented (SDM POP: "If the ESP register is used as a base ...").
            gpr[Reg.rsp] &+= UInt64(size)
            do { try writeRM(i, size, value) } catch { gpr[Reg.rsp] &-= UInt64(size); throw error }
        case 0x90:
            if i.rex & 1 != 0 { try executeXCHG(i) } else if i.repeatPrefix == 0xF3 { try executePAUSE(i) }
        case 0x91...0x97: try executeXCHG(i)
        case 0x98: executeSignExtendAccumulator(i)
        case 0x99: executeSignExtendIntoRDX(i)
        case 0x9B: try executeWAIT()
        case 0x9C: try push(rflags & ~(Flag.vm | Flag.rf), Int(i.operandSize))
        case 0x9D: try executePOPF(i)
        case 0x9E: rflags = (rflags & ~0xD5) | ((gpr[Reg.rax] >> 8) & 0xD5)
        case 0x9F: setRegister(4, 1, rflags & 0xFF, rex: 0)
        case 0xA0...0xA3: try executeMOVOffset(i)
        case 0xA4...0xA7, 0xAA...0xAF: try executeString(i)
        case 0xA8, 0xA9: try executeTEST(i)
        case 0xB0...0xB7: setRegister(i.rm, 1, i.immediate, rex: i.rex)
        case 0xB8...0xBF: setRegister(i.rm, Int(i.operandSize), i.immediate, rex: i.rex)
        case 0xC0, 0xC1, 0xD0...0xD3: try executeShiftGroup(i)
        case 0xC2, 0xC3:
            let target = try pop(Int(i.operandSize))
            gpr[Reg.rsp] &+= i.op == 0xC2 ? i.immediate : 0
            rip = i.operandSize == 2 ? target & 0xFFFF : target
        case 0xC6, 0xC7:
            guard i.reg & 7 == 0 else { throw .fault(.invalidOpcode) }
            try writeRM(i, i.opcode & 1 == 0 ? 1 : Int(i.operandSize), i.immediate)
        case 0xC8: try executeENTER(i)
        case 0xC9:
            gpr[Reg.rsp] = gpr[Reg.rbp]
            let size = Int(i.operandSize)
            setRegister(UInt8(Reg.rbp), size, try pop(size), rex: i.rex)
        case 0xCA, 0xCB: try executeFarReturn(i)
        case 0xCC: try executeINT3(i)
        case 0xCD: try executeINT(i)
        case 0xCF: try executeIRET(i)
        case 0xD7:
            let address = (gpr[Reg.rbx] &+ (gpr[Reg.rax] & 0xFF)) & (i.addressSize == 4 ? 0xFFFF_FFFF : ~0)
            let segmentBase = i.segment != Instruction.noSegment ? segments[Int(i.segment)].base : 0
            setRegister(0, 1, try read(address &+ segmentBase, 1), rex: 0)
        case 0xD8...0xDF: try executeX87(i)
        case 0xE0...0xE3: executeLoop(i)
        case 0xE4...0xE7, 0xEC...0xEF: try executeIO(i)
        case 0xE8:
            try push(rip, Int(i.operandSize))
            branch(i.immediate, i)
        case 0xE9, 0xEB: branch(i.immediate, i)
        case 0xF1: throw .fault(Fault(Vector.db))
        case 0xF4: try executeHLT(i)
        case 0xF5: materializeFlags(); flagBits ^= Flag.cf
        case 0xF6, 0xF7: try executeGroup3(i)
        case 0xF8: materializeFlags(); flagBits &= ~Flag.cf
        case 0xF9: materializeFlags(); flagBits |= Flag.cf
        case 0xFA: try executeCLI(i)
        case 0xFB: try executeSTI(i)
        case 0xFC: flagBits &= ~Flag.df
        case 0xFD: flagBits |= Flag.df
        case 0xFE, 0xFF: try executeGroup4And5(i)
        // Two-byte map.
        case 0x100...0x1FF: try executeTwoByte(i)
        default: try executeThreeByte(i)
        }
    }

    /// A relative branch to the next instruction + `displacement` (truncated for 16-bit operand size).
    @inline(__always)
    func branch(_ displacement: UInt64, _ i: Instruction) {
        let target = rip &+ displacement
        rip = i.operandSize == 2 ? target & 0xFFFF : target
    }

    /// Puts every status flag into `flagBits`.
    @inline(__always)
    func materializeFlags() {
        if lazy.kind != .materialized { rflags = rflags }
    }
}
