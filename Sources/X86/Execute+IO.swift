/// Port I/O (SDM vol. 2: IN, OUT, INS, OUTS) and its VM exits (SDM vol. 3, "Instructions That Cause VM Exits
/// Conditionally": unconditional I/O exiting, I/O bitmaps; "Exit Qualification for I/O Instructions").
extension CPU {
    /// Whether an access of `size` bytes at `port` exits.
    func ioExits(port: UInt64, size: Int) -> Bool {
        if controls.has(primary: ExecutionControls.Primary.useIOBitmaps) {
            for p in port..<(port + UInt64(size)) {
                if p > 0xFFFF { return true }  // wrapping past 0xFFFF exits
                let bitmap = p < 0x8000 ? controls.ioBitmapA.value : controls.ioBitmapB.value
                let bit = p & 0x7FFF
                if memory.read(bitmap + bit / 8, size: 1) >> (bit % 8) & 1 != 0 { return true }
            }
            return false
        }
        return controls.has(primary: ExecutionControls.Primary.unconditionalIOExiting)
    }

    /// IOPL/CPL check: I/O at CPL > IOPL is #GP (there is no TSS I/O permission bitmap here).
    func checkIOPrivilege() throws(Event) {
        if UInt64(cpl) > (rflags & Flag.iopl) >> 12 { throw .fault(.generalProtection(0)) }
    }

    /// E4–E7, EC–EF.
    func executeIO(_ i: Instruction) throws(Event) {
        try checkIOPrivilege()
        let size = i.opcode & 1 == 0 ? 1 : (i.operandSize == 2 ? 2 : 4)
        let immediatePort = i.opcode < 0xEC
        let port = immediatePort ? i.immediate & 0xFF : gpr[Reg.rdx] & 0xFFFF
        let isIn = i.opcode & 2 == 0
        if ioExits(port: port, size: size) {
            var exit = VMExit(reason: ExitReason.ioInstruction, instructionLength: UInt32(i.length))
            exit.qualification = UInt64(size - 1) | (isIn ? 1 << 3 : 0) | (immediatePort ? 1 << 6 : 0) | port << 16
            throw .exit(exit)
        }
        // Nothing answers on this processor's own bus: reads float high, writes are dropped.
        if isIn { setRegister(0, size, Self.mask(UInt64(size * 8)), rex: 0) }
    }

    /// 6C–6F: INS and OUTS.
    func executeStringIO(_ i: Instruction) throws(Event) {
        try checkIOPrivilege()
        let size = i.opcode & 1 == 0 ? 1 : (i.operandSize == 2 ? 2 : 4)
        let port = gpr[Reg.rdx] & 0xFFFF
        let isIn = i.opcode < 0x6E
        if ioExits(port: port, size: size) {
            var exit = VMExit(reason: ExitReason.ioInstruction, instructionLength: UInt32(i.length))
            exit.qualification = UInt64(size - 1) | (isIn ? 1 << 3 : 0) | 1 << 4 | (i.repeatPrefix != 0 ? 1 << 5 : 0) | port << 16
            let addressSizeCode: UInt32 = i.addressSize == 4 ? 1 : 2
            let segment = UInt32(
                isIn ? SegmentRegister.es.rawValue : (i.segment != Instruction.noSegment ? Int(i.segment) : SegmentRegister.ds.rawValue))
            exit.instructionInfo = addressSizeCode << 7 | segment << 15
            exit.guestLinearAddress =
                isIn ? gpr[Reg.rdi] : gpr[Reg.rsi] &+ (i.segment != Instruction.noSegment ? segments[Int(i.segment)].base : 0)
            throw .exit(exit)
        }
        let step = UInt64(size)
        let backward = flagBits & Flag.df != 0
        repeat {
            if i.repeatPrefix != 0 && gpr[Reg.rcx] == 0 { return }
            if isIn {
                try write(gpr[Reg.rdi], size, Self.mask(UInt64(size * 8)))
                gpr[Reg.rdi] = backward ? gpr[Reg.rdi] &- step : gpr[Reg.rdi] &+ step
            } else {
                gpr[Reg.rsi] = backward ? gpr[Reg.rsi] &- step : gpr[Reg.rsi] &+ step
            }
            if i.repeatPrefix != 0 { gpr[Reg.rcx] &-= 1 }
        } while i.repeatPrefix != 0
    }
}
