import TestSupport
import Testing
@testable import X86

@Suite("String instructions")
struct StringTests {
    @Test("REP STOSQ, REP MOVSD and REPNE SCASB")
    func repeated() {
        let m = TestMachine()
        m.cpu.gpr[Reg.rdi] = 0x10000; m.cpu.gpr[Reg.rcx] = 4; m.cpu.gpr[Reg.rax] = 0x0101_0101_0101_0101
        m.run([0xF3, 0x48, 0xAB])
        #expect(m.memory.read(0x10018, size: 8) == 0x0101_0101_0101_0101 && m.memory.read(0x10020, size: 8) == 0)
        #expect(m.cpu.gpr[Reg.rcx] == 0 && m.cpu.gpr[Reg.rdi] == 0x10020)
        m.cpu.gpr[Reg.rsi] = 0x10000; m.cpu.gpr[Reg.rdi] = 0x20000; m.cpu.gpr[Reg.rcx] = 8
        m.run([0xF3, 0xA5])
        #expect(m.memory.read(0x2001C, size: 4) == 0x0101_0101)
        m.memory.load(Array("hello\u{0}world".utf8), at: 0x30000)
        m.cpu.gpr[Reg.rdi] = 0x30000; m.cpu.gpr[Reg.rcx] = 100; m.cpu.gpr[Reg.rax] = 0
        m.run([0xF2, 0xAE])  // repne scasb: find the NUL
        #expect(m.cpu.gpr[Reg.rdi] == 0x30006 && m.cpu.gpr[Reg.rcx] == 94)
    }

    @Test("Backward copies with DF set, and overlapping forward MOVSB copies element by element")
    func directionAndOverlap() {
        let m = TestMachine()
        m.memory.load([1, 2, 3, 4, 5, 6, 7, 8], at: 0x10000)
        m.cpu.gpr[Reg.rsi] = 0x10000; m.cpu.gpr[Reg.rdi] = 0x10002; m.cpu.gpr[Reg.rcx] = 4
        m.run([0xF3, 0xA4])  // overlapping forward copy replicates the first two bytes
        #expect((0..<8).map { m.memory.read(0x10000 + UInt64($0), size: 1) } == [1, 2, 1, 2, 1, 2, 7, 8])
        m.cpu.rflags = Flag.df
        m.cpu.gpr[Reg.rsi] = 0x10007; m.cpu.gpr[Reg.rdi] = 0x20007; m.cpu.gpr[Reg.rcx] = 3
        m.run([0xF3, 0xA4])
        #expect(m.memory.read(0x20005, size: 1) == 2 && m.memory.read(0x20007, size: 1) == 8 && m.cpu.gpr[Reg.rdi] == 0x20004)
    }

    @Test("REPE CMPSB stops at the first difference")
    func compare() {
        let m = TestMachine()
        m.memory.load(Array("abcdef".utf8), at: 0x10000)
        m.memory.load(Array("abcxef".utf8), at: 0x20000)
        m.cpu.gpr[Reg.rsi] = 0x10000; m.cpu.gpr[Reg.rdi] = 0x20000; m.cpu.gpr[Reg.rcx] = 6
        m.run([0xF3, 0xA6])
        #expect(m.cpu.gpr[Reg.rcx] == 2 && m.cpu.rflags & ZF == 0 && m.cpu.gpr[Reg.rsi] == 0x10004)
    }

    @Test("A long REP STOSQ is suspended between iterations: each step does a page, RIP stays on it, a budget ends it")
    func suspendedByBudget() {
        let m = TestMachine()
        let count: UInt64 = 100_000  // 800,000 bytes: 196 steps of 512 iterations
        m.cpu.gpr[Reg.rdi] = 0x10_0000; m.cpu.gpr[Reg.rcx] = count; m.cpu.gpr[Reg.rax] = 0xAB
        let outcome = m.run([0xF3, 0x48, 0xAB], limit: 10)
        #expect(outcome == .instructionLimit)
        #expect(m.cpu.rip == TestMachine.code, "suspended at the instruction itself")
        #expect(m.cpu.gpr[Reg.rcx] == count - 10 * 512 && m.cpu.gpr[Reg.rdi] == 0x10_0000 + 10 * 4096)
        #expect(m.memory.read(0x10_0000 + 10 * 4096 - 8, size: 8) == 0xAB && m.memory.read(0x10_0000 + 10 * 4096, size: 8) == 0)
        // Resumed, it finishes where it left off and reaches the HLT after it.
        #expect(TestMachine.reason(m.cpu.run(maxInstructions: 1_000)) == .hlt)
        #expect(m.cpu.gpr[Reg.rcx] == 0 && m.cpu.gpr[Reg.rdi] == 0x10_0000 + count * 8)
        #expect(m.memory.read(0x10_0000 + count * 8 - 8, size: 8) == 0xAB && m.memory.read(0x10_0000 + count * 8, size: 8) == 0)
    }

    @Test("An interrupt is taken between iterations of a REP MOVSB, with the instruction's own address pushed")
    func interruptedByInterrupt() {
        let m = TestMachine()
        m.installIDT(handler: 0x2000)
        m.memory.load([0xF4, 0x48, 0xCF], at: 0x2000)  // the handler: HLT (an exit here), then IRETQ
        for k in 0..<20_000 { m.memory.write(0x10_0000 + UInt64(k), size: 1, UInt64(k & 0xFF)) }
        m.cpu.gpr[Reg.rsi] = 0x10_0000; m.cpu.gpr[Reg.rdi] = 0x20_0000; m.cpu.gpr[Reg.rcx] = 20_000
        m.cpu.rflags = Flag.reserved1 | Flag.if
        m.memory.load([0xF3, 0xA4, 0xF4], at: TestMachine.code)
        m.cpu.rip = TestMachine.code
        _ = m.cpu.run(maxInstructions: 1)  // one step: a page of the copy
        #expect(m.cpu.gpr[Reg.rcx] == 20_000 - 4096 && m.cpu.rip == TestMachine.code)
        m.cpu.pendingExternalInterrupt = 0x40
        // The interrupt is delivered before the copy goes on; its handler's HLT exits.
        #expect(TestMachine.reason(m.cpu.run(maxInstructions: 1)) == .hlt)
        #expect(m.cpu.rip == 0x2000 && m.cpu.gpr[Reg.rcx] == 20_000 - 4096)
        #expect(m.memory.read(m.cpu.gpr[Reg.rsp], size: 8) == TestMachine.code, "the return address is the REP MOVSB")
        m.cpu.rip = 0x2001  // past the HLT: IRETQ back into the copy, which finishes, then the HLT after it
        #expect(TestMachine.reason(m.cpu.run(maxInstructions: 100)) == .hlt)
        #expect(m.cpu.rip == TestMachine.code + 2)
        #expect(m.cpu.gpr[Reg.rcx] == 0)
        #expect((0..<20_000).allSatisfy { m.memory.read(0x20_0000 + UInt64($0), size: 1) == UInt64($0 & 0xFF) })
    }

    @Test("With RFLAGS.TF set a REP does one iteration per step; REPE, backward and 32-bit forms suspend too")
    func singleStepAndGeneralForms() {
        let m = TestMachine()
        m.cpu.gpr[Reg.rdi] = 0x10_0000; m.cpu.gpr[Reg.rcx] = 5; m.cpu.gpr[Reg.rax] = 7
        m.cpu.rflags = Flag.reserved1 | Flag.tf
        m.memory.load([0xF3, 0xAA, 0xF4], at: TestMachine.code)
        m.cpu.rip = TestMachine.code
        _ = m.cpu.run(maxInstructions: 1)
        #expect(m.cpu.gpr[Reg.rcx] == 4 && m.cpu.gpr[Reg.rdi] == 0x10_0001)
        // REPE SCASB over 10,000 equal bytes: the general loop, suspended every 4096 iterations.
        let n = TestMachine()
        for k in 0..<10_000 { n.memory.write(0x10_0000 + UInt64(k), size: 1, 0x5A) }
        n.cpu.gpr[Reg.rdi] = 0x10_0000; n.cpu.gpr[Reg.rcx] = 10_000; n.cpu.gpr[Reg.rax] = 0x5A
        #expect(n.run([0xF3, 0xAE], limit: 2) == .instructionLimit)
        #expect(n.cpu.gpr[Reg.rcx] == 10_000 - 2 * 4096 && n.cpu.rip == TestMachine.code)
        #expect(TestMachine.reason(n.cpu.run(maxInstructions: 10)) == .hlt)
        #expect(n.cpu.gpr[Reg.rcx] == 0 && n.cpu.gpr[Reg.rdi] == 0x10_0000 + 10_000)
        // Backward REP STOSD with DF: 4096 bytes per step as well.
        n.cpu.rflags = Flag.reserved1 | Flag.df
        n.cpu.gpr[Reg.rdi] = 0x20_0000; n.cpu.gpr[Reg.rcx] = 3_000
        #expect(n.run([0xF3, 0xAB], limit: 1) == .instructionLimit)
        #expect(n.cpu.gpr[Reg.rcx] == 3_000 - 1024 && n.cpu.gpr[Reg.rdi] == 0x20_0000 - 1024 * 4)
    }
}

/// Every repeated string form, run by the processor and by a model of the SDM's one-element-at-a-time loop, over
/// linear pages mapped to shuffled physical pages (so runs break at linear page boundaries) with one unmapped page
/// beyond them (so some runs fault part way).
@Suite("String instructions against a one-element-at-a-time model")
struct RepeatedStringModelTests {
    static let linearBase: UInt64 = 0x20_0000, physicalBase: UInt64 = 0x30_0000, pages: UInt64 = 8

    /// The model: registers, physical memory and the four arithmetic flags a comparison sets.
    struct Model {
        var rsi: UInt64, rdi: UInt64, rcx: UInt64, rax: UInt64
        var flags: UInt64
        var memory: [UInt8]
        var page: [UInt64: UInt64]  // linear page → physical page
        var faulted = false

        func physical(_ linear: UInt64, _ size: Int) -> Int? {
            var first: Int?
            for k in 0..<UInt64(size) {
                guard let frame = page[(linear + k) >> 12] else { return nil }
                if k == 0 { first = Int(frame << 12 | (linear & 0xFFF)) }
            }
            return first
        }
        func load(_ linear: UInt64, _ size: Int) -> UInt64? {
            var value: UInt64 = 0
            for k in 0..<size {
                guard let p = physical(linear + UInt64(k), 1) else { return nil }
                value |= UInt64(memory[p]) << UInt64(8 * k)
            }
            return value
        }
        mutating func store(_ linear: UInt64, _ size: Int, _ value: UInt64) -> Bool {
            guard physical(linear, size) != nil else { return false }
            for k in 0..<size { memory[physical(linear + UInt64(k), 1)!] = UInt8(truncatingIfNeeded: value >> UInt64(8 * k)) }
            return true
        }

        mutating func run(kind: UInt8, size: Int, prefix: UInt8, backward: Bool, address32: Bool) {
            let mask: UInt64 = address32 ? 0xFFFF_FFFF : ~0
            let step = UInt64(size), valueMask: UInt64 = size == 8 ? ~0 : (1 << (step * 8)) - 1
            func advance(_ r: inout UInt64) { r = (backward ? r &- step : r &+ step) & mask }
            while rcx & mask != 0 {
                switch kind {
                case 0xA4:
                    guard let v = load(rsi & mask, size) else { faulted = true; return }
                    guard store(rdi & mask, size, v) else { faulted = true; return }
                    advance(&rsi); advance(&rdi)
                case 0xAA:
                    guard store(rdi & mask, size, rax) else { faulted = true; return }
                    advance(&rdi)
                case 0xAC:
                    guard let v = load(rsi & mask, size) else { faulted = true; return }
                    rax = size == 4 ? v : size == 8 ? v : rax & ~valueMask | v
                    advance(&rsi)
                default:
                    let a: UInt64, b: UInt64
                    if kind == 0xA6 {
                        guard let x = load(rsi & mask, size), let y = load(rdi & mask, size) else { faulted = true; return }
                        (a, b) = (x, y)
                        advance(&rsi); advance(&rdi)
                    } else {
                        guard let y = load(rdi & mask, size) else { faulted = true; return }
                        (a, b) = (rax & valueMask, y)
                        advance(&rdi)
                    }
                    let r = (a &- b) & valueMask, top: UInt64 = 1 << (step * 8 - 1)
                    flags = flags & ~(CF | ZF | SF | OF)
                    if a < b { flags |= CF }
                    if r == 0 { flags |= ZF }
                    if r & top != 0 { flags |= SF }
                    if (a ^ b) & (a ^ r) & top != 0 { flags |= OF }
                }
                rcx = address32 ? (rcx &- 1) & mask : rcx &- 1
                if kind == 0xA6 || kind == 0xAE {
                    if prefix == 0xF3 && flags & ZF == 0 { return }
                    if prefix == 0xF2 && flags & ZF != 0 { return }
                }
            }
        }
    }

    @Test("MOVS, CMPS, STOS, LODS and SCAS, REP/REPE/REPNE, every size, both directions, 32- and 64-bit addresses", arguments: 0..<4)
    func agreesWithModel(batch: Int) {
        var random = SplitMix64(seed: 0x5EED_0000 + UInt64(batch))
        for trial in 0..<150 {
            let (m, tables) = PagingTests.machine()
            var tablesCopy = tables
            var order = Array(0..<Self.pages)
            for k in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(k, Int(below(&random, UInt64(k + 1)))) }
            var pageMap: [UInt64: UInt64] = [:]
            for (k, physicalPage) in order.enumerated() {
                let linear = Self.linearBase + UInt64(k) * 0x1000, physical = Self.physicalBase + physicalPage * 0x1000
                tablesCopy.map(linear, to: physical, flags: P | RW)
                pageMap[linear >> 12] = physical >> 12
            }
            // Data: a small alphabet (comparisons end early) or long equal stretches with a few odd bytes.
            let alphabet = below(&random, 2) == 0
            for k in 0..<Self.pages * 0x1000 {
                let byte = alphabet ? below(&random, 4) : (below(&random, 3000) == 0 ? below(&random, 256) : 0x5A)
                m.memory.write(Self.physicalBase + k, size: 1, byte)
            }
            let kind = [UInt8(0xA4), 0xA6, 0xAA, 0xAC, 0xAE][Int(below(&random, 5))]
            let size = [1, 2, 4, 8][Int(below(&random, 4))]
            let prefix: UInt8 = below(&random, 2) == 0 ? 0xF3 : 0xF2
            let backward = below(&random, 2) == 0
            let address32 = below(&random, 3) == 0
            let junk: UInt64 = address32 ? random.next() << 32 : 0  // upper bits a 32-bit address ignores
            let source = Self.linearBase + below(&random, Self.pages * 0x1000)
            // The destination is sometimes just ahead of or behind the source, for overlapping copies.
            let destination =
                below(&random, 3) == 0
                ? source &+ below(&random, 24) &- 12 : Self.linearBase + below(&random, Self.pages * 0x1000)
            let count = below(&random, 4) == 0 ? below(&random, 8) : below(&random, 2500)
            let accumulator = below(&random, 2) == 0 ? 0x5A5A_5A5A_5A5A_5A5A : random.next() & 0x0303_0303_0303_0303
            m.cpu.gpr[Reg.rsi] = source | junk
            m.cpu.gpr[Reg.rdi] = destination | junk
            m.cpu.gpr[Reg.rcx] = count | junk
            m.cpu.gpr[Reg.rax] = accumulator
            m.cpu.rflags = Flag.reserved1 | (backward ? Flag.df : 0)
            var model = Model(
                rsi: source | junk, rdi: destination | junk, rcx: count | junk, rax: accumulator, flags: m.cpu.rflags,
                memory: (0..<Int(Self.pages * 0x1000)).map { UInt8(m.memory.read(Self.physicalBase + UInt64($0), size: 1)) },
                page: pageMap.mapValues { $0 - (Self.physicalBase >> 12) })
            model.run(kind: kind, size: size, prefix: prefix, backward: backward, address32: address32)

            var bytes: [UInt8] = address32 ? [0x67] : []
            bytes.append(prefix)
            if size == 2 { bytes.append(0x66) }
            if size == 8 { bytes.append(0x48) }
            bytes.append(kind | (size == 1 ? 0 : 1))
            let outcome = m.run(bytes, limit: 10_000)
            let label = "batch \(batch) trial \(trial): \(bytes.map { String($0, radix: 16) }) count \(count)"
            #expect((PagingTests.pageFault(outcome) != nil) == model.faulted, "\(label)")
            #expect(model.faulted || TestMachine.reason(outcome) == .hlt, "\(label)")
            #expect(m.cpu.gpr[Reg.rsi] == model.rsi && m.cpu.gpr[Reg.rdi] == model.rdi, "\(label)")
            #expect(m.cpu.gpr[Reg.rcx] == model.rcx && m.cpu.gpr[Reg.rax] == model.rax, "\(label)")
            #expect(m.cpu.rflags & (CF | ZF | SF | OF) == model.flags & (CF | ZF | SF | OF), "\(label)")
            let physical = (0..<Int(Self.pages * 0x1000)).map { UInt8(m.memory.read(Self.physicalBase + UInt64($0), size: 1)) }
            #expect(physical == model.memory, "\(label)")
        }
    }
}

/// A number below `n` from `random`.
private func below(_ random: inout SplitMix64, _ n: UInt64) -> UInt64 { random.next() % n }
