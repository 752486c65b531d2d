import Testing
@testable import X86

@Suite("Exceptions and event delivery")
struct ExceptionTests {
    @Test("#UD, #GP, #DE and #BP are delivered through the 64-bit IDT with the right frame")
    func delivery() {
        for (bytes, vector, hasCode, returnsAfter) in [
            ([UInt8]([0x0F, 0x0B]), Vector.ud, false, false), ([0xF4], Vector.gp, true, false), ([0xF7, 0xF1], Vector.de, false, false),
            ([0xCC], Vector.bp, false, true),
        ] {
            let m = TestMachine()
            m.installIDT()
            m.memory.write(0x2000, size: 1, 0xF4)  // the handler halts
            if vector == Vector.gp { m.cpu.segments[SegmentRegister.cs.rawValue].attributes |= 3 << 5 }  // HLT at CPL 3
            m.cpu.gpr[Reg.rcx] = 0
            m.cpu.rflags = Flag.if
            let outcome = m.run(bytes)
            #expect(TestMachine.reason(outcome) == ExitReason.hlt)
            #expect(m.cpu.rip == 0x2000, "vector \(vector)")
            let rsp = m.cpu.gpr[Reg.rsp]
            let frame = (0..<6).map { m.memory.read(rsp + UInt64($0 * 8), size: 8) }
            let base = hasCode ? 1 : 0
            if hasCode { #expect(frame[0] == 0) }
            #expect(frame[base] == TestMachine.code + (returnsAfter ? UInt64(bytes.count) : 0), "return RIP for vector \(vector)")
            #expect(frame[base + 2] & Flag.if != 0)
            #expect(m.cpu.rflags & Flag.if == 0, "an interrupt gate clears IF")
        }
    }

    @Test("An IST entry switches stacks")
    func ist() {
        let m = TestMachine()
        m.installIDT()
        m.memory.write(0x3000 + 6 * 16 + 4, size: 1, 1)  // #UD gate: IST1
        m.memory.write(0x2000, size: 1, 0xF4)
        m.run([0x0F, 0x0B])
        #expect(m.cpu.gpr[Reg.rsp] == 0x70000 - 5 * 8)
    }

    @Test("A fault while delivering a contributory fault is #DF; a fault delivering #DF is a triple fault")
    func doubleAndTripleFault() {
        let m = TestMachine()
        m.installIDT()
        m.memory.write(0x2000, size: 1, 0xF4)
        // #GP's gate (13) is not present → #NP while delivering #GP → #DF, delivered fine.
        m.memory.write(0x3000 + 13 * 16 + 5, size: 1, 0x0E)
        m.cpu.segments[SegmentRegister.cs.rawValue].attributes |= 3 << 5
        m.run([0xF4])  // HLT at CPL 3 → #GP
        #expect(m.cpu.rip == 0x2000)
        #expect(m.memory.read(m.cpu.gpr[Reg.rsp], size: 8) == 0, "#DF pushes error code 0")
        let t = TestMachine()
        t.cpu.idtrLimit = 0  // no IDT at all: #UD → #GP (vector beyond the limit) → #DF → triple fault
        #expect(TestMachine.reason(t.run([0x0F, 0x0B])) == ExitReason.tripleFault)
    }

    @Test("A page fault while delivering a page fault is #DF")
    func pageFaultDouble() {
        let m = TestMachine()
        m.installIDT()
        var tables = PageTables(m)
        for page in stride(from: UInt64(0), to: 0x90000, by: 0x1000) where page != 0x70000 - 0x1000 { tables.map(page, to: page, flags: 3) }
        m.memory.write(0x2000, size: 1, 0xF4)
        m.memory.write(0x3000 + 14 * 16 + 4, size: 1, 1)  // #PF uses IST1, whose stack is not mapped
        m.memory.write(0x3000 + 8 * 16 + 4, size: 1, 0)  // #DF on the current stack
        m.cpu.gpr[Reg.rsi] = 0x4000_0000
        m.run([0x48, 0x8B, 0x06])
        #expect(m.cpu.rip == 0x2000)
        #expect(m.memory.read(m.cpu.gpr[Reg.rsp] + 8, size: 8) == TestMachine.code, "the #DF frame returns to the faulting instruction")
        #expect(m.cpu.cr2 == 0x6FFF8, "CR2 holds the address of the second fault")
    }
}
