import Testing
@testable import X86

/// Faults in read-modify-write and stack forms leave the architectural state as it was (SDM vol. 3,
/// "Exception and Interrupt Handling": faults are reported before the instruction changes anything).
@Suite("Faulting read-modify-write")
struct FaultingReadModifyWriteTests {
    @Test(
        "ADD/OR/SUB/SHL/NEG to a read-only page: #PF, with memory and the flags unchanged",
        arguments: [
            [UInt8]([0x01, 0x07]),  // add [rdi], eax
            [0x48, 0x83, 0x0F, 0x01],  // or qword [rdi], 1
            [0x80, 0x2F, 0x01],  // sub byte [rdi], 1
            [0xD1, 0x27],  // shl dword [rdi], 1
            [0xF7, 0x1F],  // neg dword [rdi]
        ])
    func readOnly(bytes: [UInt8]) {
        var (m, tables) = PagingTests.machine()
        tables.map(0x4000_0000, to: 0x200000, flags: P)  // present, read-only; CR0.WP is set
        m.memory.write(0x200000, size: 8, 0x7F)
        m.cpu.gpr[Reg.rdi] = 0x4000_0000
        m.cpu.gpr[Reg.rax] = 0x7FFF_FFFF
        m.cpu.rflags = 0x202 | CF | ZF  // flags no operation here would leave as they are
        let outcome = m.run(bytes)
        #expect(PagingTests.pageFault(outcome)?.code == 3, "a write to a present page")
        #expect(m.memory.read(0x200000, size: 8) == 0x7F)
        #expect(m.cpu.rflags & Flag.arithmetic == CF | ZF)
        #expect(m.cpu.rip == TestMachine.code, "RIP at the faulting instruction")
    }

    @Test("LEAVE with RBP on an unmapped page: #PF, RSP and RBP unchanged")
    func leave() {
        let (m, _) = PagingTests.machine()
        m.cpu.gpr[Reg.rbp] = 0x5000_0000
        let outcome = m.run([0xC9])
        #expect(PagingTests.pageFault(outcome)?.address == 0x5000_0000)
        #expect(m.cpu.gpr[Reg.rsp] == TestMachine.stackTop)
        #expect(m.cpu.gpr[Reg.rbp] == 0x5000_0000)
    }
}
