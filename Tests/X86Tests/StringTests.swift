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
