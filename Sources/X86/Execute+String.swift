/// String instructions (SDM vol. 2: MOVS, CMPS, STOS, LODS, SCAS) with REP/REPE/REPNE.
///
/// A repeated instruction moves at most `stringBytesPerStep` bytes per step (one iteration with RFLAGS.TF set),
/// then leaves RIP at itself with RCX, RSI and RDI updated, as the SDM allows ("a repeating string operation can
/// be suspended by an exception or interrupt" and resumes where it stopped): each such step retires, so budgets,
/// slices, the clock, interrupts and `vmrun stop` all get their turn during a long REP. A fault part way leaves
/// the registers at the element that faulted, as the SDM's restartable semantics require.
extension CPU {
    /// The most bytes a repeated string instruction moves, stores or compares in one step: a page, which
    /// `repeatedRuns` fills, copies or scans at memory speed.
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
        // Page runs unless alignment checking applies (the general path checks each element), and for the rest
        // of this step none once memory outside RAM was met (each element would be translated twice).
        var pageRuns = repeated && !(cr0 & CR0.am != 0 && rflags & Flag.ac != 0 && cpl == 3)
        while true {
            // Page runs as far as they go; then one element by the general path (one across a page boundary,
            // outside RAM, or under alignment checking), and page runs again.
            if pageRuns {
                let finished = try repeatedRuns(
                    i, size: size, kind: kind, backward: backward, addressMask: addressMask, sourceBase: sourceBase,
                    allowance: &allowance, inRAM: &pageRuns)
                if finished { return }
                if allowance == 0 { return suspend() }
            }
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

    /// Repeated iterations done a page run at a time: each run stays within one source and one destination page,
    /// is translated once per page, and moves, fills, compares or loads its elements straight in guest RAM, as
    /// the element-by-element loop would (an overlapping copy element by element, a REPE/REPNE stopping at its
    /// element with the flags of its last comparison). Any form, either direction, 32- or 64-bit addresses. It
    /// leaves what it cannot do that way — an element across a page boundary, or memory outside RAM (then
    /// clearing `inRAM`) — to the general loop, and does at most `allowance` iterations, which it reduces. The
    /// caller keeps it from running under alignment checking.
    func repeatedRuns(
        _ i: Instruction, size: Int, kind: UInt8, backward: Bool, addressMask: UInt64, sourceBase: UInt64,
        allowance: inout UInt64, inRAM: inout Bool
    ) throws(Event) -> Bool {
        let step = UInt64(size)
        let readsSource = kind == 0xA4 || kind == 0xA6 || kind == 0xAC
        let usesDestination = kind != 0xAC
        // Elements from `linear` on, in the direction of the copy, that lie wholly within its page.
        @inline(__always) func elementsInPage(_ linear: UInt64) -> UInt64 {
            let offset = linear & 0xFFF
            if !backward { return (0x1000 - offset) / step }
            return offset + step <= 0x1000 ? offset / step + 1 : 0
        }
        // The host address of the run's lowest byte, given the element at `linear` (its first in copy order).
        @inline(__always) func runBase(_ linear: UInt64, _ access: Access, _ run: UInt64) throws(Event) -> UInt64? {
            let host = try translate(linear, access)
            let low = backward ? host &- (run - 1) * step : host
            return memory.contains(low, count: Int(run * step)) ? low : nil
        }
        while allowance > 0 {
            let count = gpr[Reg.rcx] & addressMask
            if count == 0 { return true }
            let source = (gpr[Reg.rsi] & addressMask) &+ sourceBase
            let destination = gpr[Reg.rdi] & addressMask
            var run = min(count, allowance)
            if readsSource { run = min(run, elementsInPage(source)) }
            if usesDestination { run = min(run, elementsInPage(destination)) }
            if run == 0 { return false }
            let sourceHost = readsSource ? try runBase(source, .read, run) : 0
            let destinationHost = usesDestination ? try runBase(destination, kind == 0xA4 || kind == 0xAA ? .write : .read, run) : 0
            guard let sourceHost, let destinationHost else {
                inRAM = false
                return false
            }
            // The host offset of element k (0 is the first in copy order) from a run's lowest byte.
            @inline(__always) func at(_ base: UInt64, _ k: UInt64) -> UInt64 { backward ? base &+ (run - 1 - k) * step : base &+ k * step }
            var done = run, ended = false
            switch kind {
            case 0xA4:  // MOVS
                let bytes = Int(run * step)
                let gap = destinationHost &- sourceHost, reverseGap = sourceHost &- destinationHost
                // A copy whose destination lies ahead of its source, in copy order, within the run reads bytes it
                // has just written: element by element, as the processor does (memmove would differ).
                if backward ? reverseGap > 0 && reverseGap < UInt64(bytes) : gap > 0 && gap < UInt64(bytes) {
                    for k in 0..<run {
                        memory.writeResident(at(destinationHost, k), size: size, memory.readResident(at(sourceHost, k), size: size))
                    }
                } else {
                    memory.noteWrite(destinationHost, size: bytes)
                    (memory.bytes + Int(destinationHost)).copyMemory(from: memory.bytes + Int(sourceHost), byteCount: bytes)
                }
            case 0xAA:  // STOS
                if size == 1 {
                    memory.noteWrite(destinationHost, size: Int(run))
                    (memory.bytes + Int(destinationHost)).initializeMemory(
                        as: UInt8.self, repeating: UInt8(truncatingIfNeeded: gpr[Reg.rax]), count: Int(run))
                } else {
                    for k in 0..<run { memory.writeResident(destinationHost &+ k * step, size: size, gpr[Reg.rax]) }
                }
            case 0xAC:  // LODS: only the last element loaded stays
                setRegister(0, size, memory.readResident(at(sourceHost, run - 1), size: size), rex: i.rex)
            default:  // CMPS, SCAS: up to the element that ends the repetition
                let stopsOnEqual = i.repeatPrefix == 0xF2
                var a: UInt64 = 0, b: UInt64 = 0
                let accumulator = register(0, size, rex: i.rex)
                for k in 0..<run {
                    a = kind == 0xA6 ? memory.readResident(at(sourceHost, k), size: size) : accumulator
                    b = memory.readResident(at(destinationHost, k), size: size)
                    if (a == b) == stopsOnEqual {
                        done = k + 1
                        ended = true
                        break
                    }
                }
                _ = alu(7, a, b, bits: step * 8)
            }
            let moved = done * step
            @inline(__always) func advance(_ r: Int) {
                let value = backward ? gpr[r] &- moved : gpr[r] &+ moved
                gpr[r] = i.addressSize == 4 ? value & addressMask : value
            }
            if readsSource { advance(Reg.rsi) }
            if usesDestination { advance(Reg.rdi) }
            gpr[Reg.rcx] = i.addressSize == 4 ? count - done : gpr[Reg.rcx] &- done
            allowance -= done
            if ended { return true }  // REPE/REPNE ended on this element
        }
        return gpr[Reg.rcx] & addressMask == 0
    }
}
