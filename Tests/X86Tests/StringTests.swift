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
}
