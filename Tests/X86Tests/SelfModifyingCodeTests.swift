import Testing
@testable import X86

/// Self-modifying code (SDM vol. 3, "Self-Modifying Code" and "Cross-Modifying Code"): a store to the bytes of
/// an instruction is seen the next time that instruction is fetched, whoever made the store and through
/// whichever address. Each test first runs the code once, so that its instructions are decoded and cached,
/// then changes the bytes and runs it again.
@Suite("Self-modifying code")
struct SelfModifyingCodeTests {
    static let incEAX: [UInt8] = [0xFF, 0xC0]
    /// The ModRM byte that turns `inc eax` (FF C0) into `dec eax` (FF C8).
    static let decModRM: UInt64 = 0xC8

    /// Runs the code at `address` (already in memory) until HLT.
    static func rerun(_ m: TestMachine, at address: UInt64 = TestMachine.code) {
        m.cpu.rip = address
        _ = m.cpu.run(maxInstructions: 1000)
    }

    @Test("A store into the next instruction, already decoded, changes what runs")
    func nextInstruction() {
        let m = TestMachine()
        // mov [rip+1], bl ; inc eax ; hlt: the store's target is the ModRM byte of the INC right after it.
        m.cpu.gpr[Reg.rbx] = 0xC0  // the first run stores the byte that is already there
        m.run([0x88, 0x1D, 0x01, 0x00, 0x00, 0x00] + Self.incEAX)
        #expect(m.cpu.gpr[Reg.rax] == 1)
        m.cpu.gpr[Reg.rbx] = Self.decModRM
        Self.rerun(m)
        #expect(m.cpu.gpr[Reg.rax] == 0, "the INC was patched into DEC by the instruction before it")
    }

    @Test("A store into the tail of the current instruction takes effect from its next execution")
    func tailOfCurrent() {
        let m = TestMachine()
        // mov [rip-4], ebx: six bytes whose last four (its own displacement) are the store's target.
        m.cpu.gpr[Reg.rbx] = 0x100
        m.run([0x89, 0x1D, 0xFC, 0xFF, 0xFF, 0xFF])
        #expect(m.memory.read(TestMachine.code + 2, size: 4) == 0x100, "the first execution used the displacement it was fetched with")
        Self.rerun(m)
        #expect(m.memory.read(TestMachine.code + 6 + 0x100, size: 4) == 0x100, "the second used the displacement it stored")
    }

    @Test("Stores across a page boundary reach an instruction that spans the two pages")
    func acrossPageBoundary() {
        let m = TestMachine()
        // mov eax, 0x11223344 at 0x1FFD: its immediate's last three bytes lie on the next page.
        m.run([0xB8, 0x44, 0x33, 0x22, 0x11], at: 0x1FFD)
        #expect(m.cpu.gpr[Reg.rax] == 0x1122_3344)
        m.cpu.gpr[Reg.rdi] = 0x2000
        m.run([0xC6, 0x07, 0x99], at: 0x1800)  // mov byte [rdi], 0x99: the second page only
        Self.rerun(m, at: 0x1FFD)
        #expect(m.cpu.gpr[Reg.rax] == 0x1199_3344)
        // An eight-byte store that itself crosses the boundary, over the whole instruction.
        m.cpu.gpr[Reg.rdi] = 0x1FFC
        m.cpu.gpr[Reg.rbx] = 0x00F4_5566_7788_B890  // from 0x1FFC: nop ; mov eax, 0x55667788 ; hlt
        m.run([0x48, 0x89, 0x1F], at: 0x1800)  // mov [rdi], rbx
        Self.rerun(m, at: 0x1FFC)
        #expect(m.cpu.gpr[Reg.rax] == 0x5566_7788)
    }

    @Test("REP MOVSB and REP STOSB over decoded code")
    func repeatedStringOverCode() {
        let m = TestMachine()
        m.run(Self.incEAX)
        #expect(m.cpu.gpr[Reg.rax] == 1)
        // Copy `dec eax ; hlt` over it with REP MOVSB from 0x3000.
        m.memory.load([0xFF, 0xC8, 0xF4], at: 0x3000)
        m.cpu.gpr[Reg.rsi] = 0x3000
        m.cpu.gpr[Reg.rdi] = TestMachine.code
        m.cpu.gpr[Reg.rcx] = 3
        m.run([0xF3, 0xA4], at: 0x1800)
        Self.rerun(m)
        #expect(m.cpu.gpr[Reg.rax] == 0)
        // Fill the DEC with NOPs (REP STOSB, AL = 0x90): RAX stays as it is.
        m.cpu.gpr[Reg.rax] = 0x90
        m.cpu.gpr[Reg.rdi] = TestMachine.code
        m.cpu.gpr[Reg.rcx] = 2
        m.run([0xF3, 0xAA], at: 0x1800)
        Self.rerun(m)
        #expect(m.cpu.gpr[Reg.rax] == 0x90)
    }

    @Test("A store by another processor over the same memory (cross-modifying code)")
    func anotherProcessor() {
        let m = TestMachine()
        m.run(Self.incEAX)
        #expect(m.cpu.gpr[Reg.rax] == 1)
        let other = CPU(memory: m.memory)
        other.controls.primary = ExecutionControls.Primary.hltExiting
        other.gpr[Reg.rsp] = 0x70000
        other.gpr[Reg.rdi] = TestMachine.code + 1
        m.memory.load([0xC6, 0x07, 0xC8, 0xF4], at: 0x1800)  // mov byte [rdi], 0xC8 ; hlt
        other.rip = 0x1800
        _ = other.run(maxInstructions: 10)
        Self.rerun(m)
        #expect(m.cpu.gpr[Reg.rax] == 0)
    }

    @Test("The loader and a device writing guest memory replace decoded code")
    func loaderAndDevice() {
        let m = TestMachine()
        m.run(Self.incEAX)
        m.memory.load([0xFF, 0xC8], at: TestMachine.code)  // as an image loader does
        Self.rerun(m)
        #expect(m.cpu.gpr[Reg.rax] == 0)
        m.memory.write(TestMachine.code + 1, size: 1, 0xC0)  // as a device's DMA does
        Self.rerun(m)
        #expect(m.cpu.gpr[Reg.rax] == 1)
    }

    @Test("A store through a second linear alias of the code's physical page")
    func secondLinearAlias() {
        var (m, tables) = PagingTests.machine()
        tables.map(0x4000_0000, to: TestMachine.code, flags: P | RW)  // the code page, mapped again
        m.run(Self.incEAX)
        #expect(m.cpu.gpr[Reg.rax] == 1)
        m.cpu.gpr[Reg.rdi] = 0x4000_0001
        m.run([0xC6, 0x07, 0xC8], at: 0x1800)
        Self.rerun(m)
        #expect(m.cpu.gpr[Reg.rax] == 0)
    }

    @Test("A store beside decoded code on its page leaves that code decoded and correct")
    func dataBesideCode() {
        let m = TestMachine()
        // add [rip+16], eax ; inc eax ; hlt — the counter lives on the code's page, past the HLT.
        let code: [UInt8] = [0x01, 0x05, 0x10, 0x00, 0x00, 0x00] + Self.incEAX
        m.cpu.gpr[Reg.rax] = 5
        m.run(code)
        Self.rerun(m)
        #expect(m.memory.read(TestMachine.code + 6 + 16, size: 4) == 5 + 6)
        #expect(m.cpu.gpr[Reg.rax] == 7)
        #expect(m.memory.read(TestMachine.code, size: 8) == 0xC0FF_0000_0010_0501, "the code itself is untouched")
    }
}
