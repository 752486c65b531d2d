/// The 0F map's dispatch.
extension CPU {
    func executeTwoByte(_ i: Instruction) throws(Event) {
        switch i.opcode {
        case 0x00: try executeGroup6(i)
        case 0x01: try executeGroup7(i)
        case 0x05: try executeSYSCALL(i)
        case 0x06: try executeCLTS(i)
        case 0x07: try executeSYSRET(i)
        case 0x08: throw .exit(VMExit(reason: ExitReason.invd, instructionLength: UInt32(i.length)))
        case 0x09: try executeWBINVD(i)
        case 0x0B: throw .fault(.invalidOpcode)
        case 0x0D, 0x18...0x1F: _ = i.isMemory ? effectiveAddress(i) : 0  // prefetch and hint NOPs
        case 0x10...0x17, 0x28...0x2F, 0x50...0x77, 0x7C...0x7F, 0xC2, 0xC4...0xC6, 0xD0...0xFF: try executeSSE(i)
        case 0xC3: try executeMOVNTI(i)
        case 0x20, 0x22: try executeMOVCR(i)
        case 0x21, 0x23: try executeMOVDR(i)
        case 0x30: try executeWRMSR(i)
        case 0x31: try executeRDTSC(i, withAux: false)
        case 0x32: try executeRDMSR(i)
        case 0x33:
            if controls.has(primary: ExecutionControls.Primary.rdpmcExiting) {
                throw .exit(VMExit(reason: ExitReason.rdpmc, instructionLength: UInt32(i.length)))
            }
            throw .fault(.generalProtection(0))
        case 0x34: try executeSYSENTER(i)
        case 0x35: try executeSYSEXIT(i)
        case 0x40...0x4F: try executeCMOV(i)
        case 0x78: throw vmxExit(ExitReason.vmread, i)
        case 0x79: throw vmxExit(ExitReason.vmwrite, i)
        case 0x80...0x8F: if condition(i.opcode & 0xF) { branch(i.immediate, i) }
        case 0x90...0x9F: try writeRM(i, 1, condition(i.opcode & 0xF) ? 1 : 0)
        case 0xA0, 0xA8:
            try push(
                UInt64(segments[i.opcode == 0xA0 ? SegmentRegister.fs.rawValue : SegmentRegister.gs.rawValue].selector), Int(i.operandSize))
        case 0xA1, 0xA9:
            let register = i.opcode == 0xA1 ? SegmentRegister.fs.rawValue : SegmentRegister.gs.rawValue
            let selector = try pop(Int(i.operandSize))
            segments[register].selector = UInt16(truncatingIfNeeded: selector)
        case 0xA2: throw .exit(VMExit(reason: ExitReason.cpuid, instructionLength: UInt32(i.length)))
        case 0xA3, 0xAB, 0xB3, 0xBB, 0xBA: try executeBitTest(i)
        case 0xA4, 0xA5, 0xAC, 0xAD: try executeDoubleShift(i)
        case 0xAE: try executeGroup15(i)
        case 0xAF: try executeIMULImmediate(i)
        case 0xB0, 0xB1: try executeCMPXCHG(i)
        case 0xB6, 0xB7, 0xBE, 0xBF: try executeMOVExtend(i)
        case 0xB8:
            guard i.repeatPrefix == 0xF3 else { throw .fault(.invalidOpcode) }
            try executePOPCNT(i)
        case 0xBC, 0xBD: try executeBitScan(i)
        case 0xC0, 0xC1: try executeXADD(i)
        case 0xC7: try executeGroup9(i)
        case 0xC8...0xCF: executeBSWAP(i)
        default: throw .fault(.invalidOpcode)
        }
    }

    /// The 0F 38 and 0F 3A maps: MOVBE, and SSE forms compilers emit.
    func executeThreeByte(_ i: Instruction) throws(Event) {
        switch i.op {
        case 0x2F0, 0x2F1:
            guard i.repeatPrefix == 0, i.isMemory else { throw .fault(.invalidOpcode) }  // MOVBE
            let size = Int(i.operandSize)
            if i.opcode == 0xF0 {
                let value = try read(effectiveAddress(i), size)
                setRegister(i.reg, size, Self.byteSwap(value, size: size), rex: i.rex)
            } else {
                try write(effectiveAddress(i), size, Self.byteSwap(register(i.reg, size, rex: i.rex), size: size))
            }
        case 0x280, 0x281, 0x282:
            throw vmxExit(i.opcode == 0x80 ? ExitReason.invept : (i.opcode == 0x81 ? ExitReason.invvpid : ExitReason.invpcid), i)
        default: try executeSSEThreeByte(i)
        }
    }

    static func byteSwap(_ value: UInt64, size: Int) -> UInt64 {
        switch size {
        case 2: return UInt64(UInt16(truncatingIfNeeded: value).byteSwapped)
        case 4: return UInt64(UInt32(truncatingIfNeeded: value).byteSwapped)
        default: return value.byteSwapped
        }
    }

    /// 0F B0/B1: CMPXCHG. The destination is written back in both cases (a locked RMW on hardware).
    func executeCMPXCHG(_ i: Instruction) throws(Event) {
        let size = i.opcode == 0xB0 ? 1 : Int(i.operandSize)
        let bits = UInt64(size * 8)
        let address = i.isMemory ? effectiveAddress(i) : 0
        let destination = i.isMemory ? try read(address, size) : register(i.rm, size, rex: i.rex)
        let accumulator = register(0, size, rex: i.rex)
        _ = alu(7, accumulator, destination, bits: bits)
        if accumulator == destination {
            let source = register(i.reg, size, rex: i.rex)
            if i.isMemory { try write(address, size, source) } else { setRegister(i.rm, size, source, rex: i.rex) }
        } else {
            if i.isMemory { try write(address, size, destination) }
            setRegister(0, size, destination, rex: i.rex)
        }
    }

    /// 0F C0/C1: XADD.
    func executeXADD(_ i: Instruction) throws(Event) {
        let size = i.opcode == 0xC0 ? 1 : Int(i.operandSize)
        let bits = UInt64(size * 8)
        let address = i.isMemory ? effectiveAddress(i) : 0
        let destination = i.isMemory ? try read(address, size) : register(i.rm, size, rex: i.rex)
        let source = register(i.reg, size, rex: i.rex)
        let sum = alu(0, destination, source, bits: bits)
        setRegister(i.reg, size, destination, rex: i.rex)
        if i.isMemory { try write(address, size, sum) } else { setRegister(i.rm, size, sum, rex: i.rex) }
    }

    /// 0F C7: CMPXCHG8B/16B, RDRAND, RDSEED, and the VMX instructions VMPTRLD, VMCLEAR, VMXON, VMPTRST.
    func executeGroup9(_ i: Instruction) throws(Event) {
        switch (i.reg & 7, i.isMemory) {
        case (1, true):
            let wide = i.operandSize == 8
            let size = wide ? 8 : 4
            let address = effectiveAddress(i)
            if wide && address & 15 != 0 { throw .fault(.generalProtection(0)) }
            let low = try read(address, size), high = try read(address &+ UInt64(size), size)
            let mask = Self.mask(UInt64(size * 8))
            materializeFlags()
            if low == gpr[Reg.rax] & mask && high == gpr[Reg.rdx] & mask {
                try write(address, size, gpr[Reg.rbx])
                try write(address &+ UInt64(size), size, gpr[Reg.rcx])
                flagBits |= Flag.zf
            } else {
                try write(address, size, low)
                try write(address &+ UInt64(size), size, high)
                setRegister(0, size, low, rex: i.rex)
                setRegister(2, size, high, rex: i.rex)
                flagBits &= ~Flag.zf
            }
        case (6, false), (7, false):
            let seed = i.reg & 7 == 7
            if controls.has(secondary: seed ? ExecutionControls.Secondary.rdseedExiting : ExecutionControls.Secondary.rdrandExiting) {
                throw .exit(VMExit(reason: seed ? ExitReason.rdseed : ExitReason.rdrand, instructionLength: UInt32(i.length)))
            }
            setRegister(i.rm, Int(i.operandSize), nextRandom(), rex: i.rex)
            rflags = (rflags & ~Flag.arithmetic) | Flag.cf
        case (6, true):
            if i.repeatPrefix == 0xF3 {
                guard cr4 & CR4.vmxe != 0 else { throw .fault(.invalidOpcode) }
                throw vmxExit(ExitReason.vmxon, i)
            }
            throw vmxExit(i.hasOperandSizePrefix ? ExitReason.vmclear : ExitReason.vmptrld, i)
        case (7, true): throw vmxExit(ExitReason.vmptrst, i)
        default: throw .fault(.invalidOpcode)
        }
    }

    /// The deterministic RDRAND source: a xorshift64* generator seeded by `randomState`.
    func nextRandom() -> UInt64 {
        randomState ^= randomState >> 12
        randomState ^= randomState << 25
        randomState ^= randomState >> 27
        return randomState &* 0x2545_F491_4F6C_DD1D
    }

    /// 0F AE: FXSAVE/FXRSTOR, LDMXCSR/STMXCSR, the fences, CLFLUSH, and RD/WR FS/GS BASE.
    func executeGroup15(_ i: Instruction) throws(Event) {
        switch (i.reg & 7, i.isMemory) {
        case (0, true), (1, true): try executeFXSAVE(i, restore: i.reg & 7 == 1)
        case (2, true):
            let value = UInt32(truncatingIfNeeded: try read(effectiveAddress(i), 4))
            guard value & 0xFFFF_0000 == 0 else { throw .fault(.generalProtection(0)) }
            mxcsr = value
        case (3, true): try write(effectiveAddress(i), 4, UInt64(mxcsr))
        case (7, true): _ = try read(effectiveAddress(i), 1)  // CLFLUSH: caches are coherent here
        case (5, false), (6, false), (7, false): break  // LFENCE, MFENCE, SFENCE
        case (let op, false) where op < 4 && i.repeatPrefix == 0xF3:
            guard cr4 & CR4.fsgsbase != 0 else { throw .fault(.invalidOpcode) }
            let segmentIndex = op & 1 == 0 ? SegmentRegister.fs.rawValue : SegmentRegister.gs.rawValue
            if op < 2 {
                setRegister(i.rm, Int(i.operandSize), segments[segmentIndex].base, rex: i.rex)
            } else {
                segments[segmentIndex].base = register(i.rm, Int(i.operandSize), rex: i.rex)
            }
        default: throw .fault(.invalidOpcode)
        }
    }
}
