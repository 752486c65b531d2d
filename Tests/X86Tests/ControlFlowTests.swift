import Testing
@testable import X86

@Suite("Control flow and stack")
struct ControlFlowTests {
    @Test("CALL pushes the return address; POP and RET use it; RET imm16 releases arguments")
    func callReturn() {
        let m = TestMachine()
        // call +0; pop rax  → rax = address after the call
        m.run([0xE8, 0x00, 0x00, 0x00, 0x00, 0x58])
        #expect(m.cpu.gpr[Reg.rax] == TestMachine.code + 5)
        #expect(m.cpu.gpr[Reg.rsp] == TestMachine.stackTop)
        // push 0x1010 (the HLT after `ret 8`); push 0; ... set up so RET 8 lands on the HLT
        let m2 = TestMachine()
        m2.cpu.gpr[Reg.rsp] = 0x7FF0
        m2.memory.write(0x7FF0, size: 8, TestMachine.code + 3)
        m2.run([0xC2, 0x08, 0x00])
        #expect(m2.cpu.rip == TestMachine.code + 3)
        #expect(m2.cpu.gpr[Reg.rsp] == 0x7FF0 + 16)
    }

    @Test(
        "Jcc, LOOP and JRCXZ take the right branches",
        arguments: [
            // (bytes, rcx before, rax after): `mov eax, 1; jcc +5; mov eax, 2; hlt` style sequences
            ([UInt8]([0xB8, 1, 0, 0, 0, 0x48, 0x85, 0xC0, 0x75, 0x05, 0xB8, 2, 0, 0, 0]), UInt64(0), UInt64(1)),  // test rax,rax; jne taken
            ([UInt8]([0xB8, 1, 0, 0, 0, 0x48, 0x85, 0xC0, 0x74, 0x05, 0xB8, 2, 0, 0, 0]), UInt64(0), UInt64(2)),  // je not taken
            ([UInt8]([0x31, 0xC0, 0xFF, 0xC0, 0xE2, 0xFC]), UInt64(5), UInt64(5)),  // xor eax,eax; inc eax; loop -4
            ([UInt8]([0xB8, 7, 0, 0, 0, 0xE3, 0x05, 0xB8, 2, 0, 0, 0]), UInt64(0), UInt64(7)),  // jrcxz taken
        ])
    func branches(bytes: [UInt8], rcx: UInt64, rax: UInt64) {
        let m = TestMachine()
        m.cpu.gpr[Reg.rcx] = rcx
        #expect(TestMachine.reason(m.run(bytes)) == ExitReason.hlt)
        #expect(m.cpu.gpr[Reg.rax] == rax)
    }

    @Test("ENTER and LEAVE build and drop a frame")
    func enterLeave() {
        let m = TestMachine()
        m.cpu.gpr[Reg.rbp] = 0xABCD
        m.run([0xC8, 0x10, 0x00, 0x00, 0x48, 0x89, 0xE0, 0xC9])  // enter 16,0; mov rax, rsp; leave
        #expect(m.cpu.gpr[Reg.rax] == TestMachine.stackTop - 8 - 16)
        #expect(m.cpu.gpr[Reg.rbp] == 0xABCD && m.cpu.gpr[Reg.rsp] == TestMachine.stackTop)
    }

    @Test("PUSHF/POPF round-trip the flags; POPF keeps reserved bits")
    func pushfPopf() {
        let m = TestMachine()
        m.cpu.rflags = CF | ZF | Flag.df
        m.run([0x9C, 0x48, 0x83, 0x24, 0x24, 0xFE, 0x9D])  // pushf; and qword [rsp], ~1; popf
        #expect(m.cpu.rflags & (CF | ZF | Flag.df) == ZF | Flag.df)
        #expect(m.cpu.rflags & Flag.reserved1 != 0)
    }

    @Test("RIP-relative, FS-relative and absolute addressing")
    func addressing() {
        let m = TestMachine()
        m.memory.write(TestMachine.code + 7 + 0x100, size: 8, 0x1111)
        m.run([0x48, 0x8B, 0x05, 0x00, 0x01, 0x00, 0x00])  // mov rax, [rip+0x100]
        #expect(m.cpu.gpr[Reg.rax] == 0x1111)
        m.cpu.segments[SegmentRegister.fs.rawValue].base = 0x9000
        m.memory.write(0x9010, size: 8, 0x2222)
        m.run([0x64, 0x48, 0x8B, 0x04, 0x25, 0x10, 0x00, 0x00, 0x00])  // mov rax, fs:[0x10]
        #expect(m.cpu.gpr[Reg.rax] == 0x2222)
        m.run([0x48, 0xB8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11])  // movabs
        #expect(m.cpu.gpr[Reg.rax] == 0x1122_3344_5566_7788)
    }
}
