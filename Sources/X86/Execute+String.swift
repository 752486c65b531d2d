/// String instructions (SDM vol. 2: MOVS, CMPS, STOS, LODS, SCAS) with REP/REPE/REPNE.
///
/// A repeated instruction moves at most `stringBytesPerStep` bytes per step (one iteration with RFLAGS.TF set),
/// then leaves RIP at itself with RCX, RSI and RDI updated, as the SDM allows ("a repeating string operation can
/// be suspended by an exception or interrupt" and resumes where it stopped): each such step retires, so budgets,
/// slices, the clock, interrupts and `vmrun stop` all get their turn during a long REP. A fault part way leaves
/// the registers at the element that faulted, as the SDM's restartable semantics require.
extension CPU {
    /// The most bytes a repeated string instruction moves, stores or compares in one step: a page, which the
    /// fast path fills or copies at memory speed.
    public static let stringBytesPerStep: UInt64 = 4096

    func executeString(_ i: Instruction) throws(Event) {
        let size = i.opcode & 1 == 0 ? 1 : Int(i.operandSize)
        let step = UInt64(size)
        let backward = flagBits & Flag.df != 0
        let addressMask: UInt64 = i.addressSize == 4 ? 0xFFFF_FFFF : ~0
        let sourceBase = i.segment != Instruction.noSegment ? segments[Int(i.segment)].base : 0
        let repeated = i.repeatPrefix != 0
        let kind = i.opcode & 0xFE
        @inline(__always) func advance(_ r: Int) {
            gpr[r] =
                i.addressSize == 4
                ? (backward ? gpr[r] &- step : gpr[r] &+ step) & addressMask
                : (backward ? gpr[r] &- step : gpr[r] &+ step)
        }
        if repeated && (gpr[Reg.rcx] & addressMask) == 0 { return }
        var allowance = flagBits & Flag.tf != 0 ? 1 : Self.stringBytesPerStep / step
        // Suspends the instruction between iterations: it runs again from here on the next step.
        @inline(__always) func suspend() { rip &-= UInt64(i.length) }
        // Fast path: forward REP MOVSB/STOSB/MOVSQ… within single pages, done a page run at a time.
        if repeated && !backward && (kind == 0xA4 || kind == 0xAA) && i.addressSize == 8 {
            try fastRepeat(i, size: size, kind: kind, sourceBase: sourceBase, allowance: &allowance)
            if gpr[Reg.rcx] == 0 { return }
            if allowance == 0 { return suspend() }
        }
        while true {
            switch kind {
            case 0xA4:  // MOVS
                let value = try read((gpr[Reg.rsi] & addressMask) &+ sourceBase, size)
                try write(gpr[Reg.rdi] & addressMask, size, value)
                advance(Reg.rsi); advance(Reg.rdi)
            case 0xA6:  // CMPS
                let a = try read((gpr[Reg.rsi] & addressMask) &+ sourceBase, size)
                let b = try read(gpr[Reg.rdi] & addressMask, size)
                _ = alu(7, a, b, bits: step * 8)
                advance(Reg.rsi); advance(Reg.rdi)
            case 0xAA:  // STOS
                try write(gpr[Reg.rdi] & addressMask, size, gpr[Reg.rax])
                advance(Reg.rdi)
            case 0xAC:  // LODS
                setRegister(0, size, try read((gpr[Reg.rsi] & addressMask) &+ sourceBase, size), rex: i.rex)
                advance(Reg.rsi)
            default:  // SCAS
                let b = try read(gpr[Reg.rdi] & addressMask, size)
                _ = alu(7, register(0, size, rex: i.rex), b, bits: step * 8)
                advance(Reg.rdi)
            }
            guard repeated else { return }
            let count = (gpr[Reg.rcx] &- 1) & addressMask
            gpr[Reg.rcx] = i.addressSize == 4 ? count : gpr[Reg.rcx] &- 1
            if count == 0 { return }
            if kind == 0xA6 || kind == 0xAE {
                if i.repeatPrefix == 0xF3 && !zeroFlag { return }
                if i.repeatPrefix == 0xF2 && zeroFlag { return }
            }
            allowance -= 1
            if allowance == 0 { return suspend() }
        }
    }

    /// REP MOVS/STOS forward with 64-bit addresses: copies whole runs that stay within a source and a
    /// destination page with one translation each, at most `allowance` iterations (which it reduces).
    func fastRepeat(_ i: Instruction, size: Int, kind: UInt8, sourceBase: UInt64, allowance: inout UInt64) throws(Event) {
        let step = UInt64(size)
        while gpr[Reg.rcx] > 0 && allowance > 0 {
            let destination = gpr[Reg.rdi]
            let source = gpr[Reg.rsi] &+ sourceBase
            var run = min(gpr[Reg.rcx], allowance, (0x1000 - (destination & 0xFFF)) / step)
            if kind == 0xA4 { run = min(run, (0x1000 - (source & 0xFFF)) / step) }
            if run == 0 { return }  // an element crosses a page: the general loop handles it
            let destinationHost = try translate(destination, .write)
            let bytes = Int(run * step)
            guard memory.contains(destinationHost, count: bytes) else { return }
            if kind == 0xA4 {
                let sourceHost = try translate(source, .read)
                guard memory.contains(sourceHost, count: bytes) else { return }
                memory.noteWrite(destinationHost, size: bytes)
                // Element-by-element semantics for overlapping forward copies (memmove would differ).
                if sourceHost < destinationHost && sourceHost + UInt64(bytes) > destinationHost {
                    for k in 0..<bytes {
                        (memory.bytes + Int(destinationHost) + k).storeBytes(
                            of: (memory.bytes + Int(sourceHost) + k).load(as: UInt8.self), as: UInt8.self)
                    }
                } else {
                    (memory.bytes + Int(destinationHost)).copyMemory(from: memory.bytes + Int(sourceHost), byteCount: bytes)
                }
                gpr[Reg.rsi] &+= UInt64(bytes)
            } else {
                memory.noteWrite(destinationHost, size: bytes)
                let value = gpr[Reg.rax]
                if size == 1 {
                    (memory.bytes + Int(destinationHost)).initializeMemory(
                        as: UInt8.self, repeating: UInt8(truncatingIfNeeded: value), count: bytes)
                } else {
                    for k in 0..<Int(run) { memory.write(destinationHost + UInt64(k * size), size: size, value) }
                }
            }
            gpr[Reg.rdi] &+= UInt64(bytes)
            gpr[Reg.rcx] &-= run
            allowance -= run
        }
    }
}
