import Testing
@testable import X86

/// Raw-byte tests of the ALU family: results and all six status flags.
@Suite("ALU instructions")
struct ALUTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var bytes: [UInt8]
        var rax: UInt64
        var rbx: UInt64
        var carry = false
        var result: UInt64
        var flags: UInt64
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "add rax, rbx: carry and zero", bytes: [0x48, 0x01, 0xD8], rax: ~0, rbx: 1, result: 0, flags: CF | PF | AF | ZF),
        Case(
            name: "add eax, ebx: signed overflow", bytes: [0x01, 0xD8], rax: 0x7FFF_FFFF, rbx: 1, result: 0x8000_0000,
            flags: PF | AF | SF | OF),
        Case(
            name: "add al, bl keeps the upper bytes", bytes: [0x00, 0xD8], rax: 0x1234_56FF, rbx: 1, result: 0x1234_5600,
            flags: CF | PF | AF | ZF),
        Case(name: "adc with carry in", bytes: [0x48, 0x11, 0xD8], rax: 5, rbx: 6, carry: true, result: 12, flags: PF),
        Case(name: "sub borrows", bytes: [0x48, 0x29, 0xD8], rax: 1, rbx: 2, result: ~0, flags: CF | PF | AF | SF),
        Case(name: "sbb with borrow in", bytes: [0x48, 0x19, 0xD8], rax: 5, rbx: 5, carry: true, result: ~0, flags: CF | PF | AF | SF),
        Case(
            name: "sub eax: overflow and zero-extension", bytes: [0x29, 0xD8], rax: 0xFFFF_FFFF_8000_0000, rbx: 1, result: 0x7FFF_FFFF,
            flags: PF | AF | OF),
        Case(name: "cmp leaves the operand", bytes: [0x48, 0x39, 0xD8], rax: 3, rbx: 3, result: 3, flags: PF | ZF),
        Case(name: "and clears CF and OF", bytes: [0x48, 0x21, 0xD8], rax: 0xF0, rbx: 0x3C, carry: true, result: 0x30, flags: PF),
        Case(name: "xor eax, eax", bytes: [0x31, 0xC0], rax: 0xDEAD_BEEF_0000_0001, rbx: 0, result: 0, flags: PF | ZF),
        Case(name: "or sets SF", bytes: [0x48, 0x09, 0xD8], rax: 1, rbx: 1 << 63, result: 1 << 63 | 1, flags: SF),
        Case(name: "add rax, imm8 sign-extended", bytes: [0x48, 0x83, 0xC0, 0xFF], rax: 1, rbx: 0, result: 0, flags: CF | PF | AF | ZF),
        Case(
            name: "sub rax, imm32 sign-extended", bytes: [0x48, 0x2D, 0x00, 0x00, 0x00, 0x80], rax: 0, rbx: 0, result: 0x8000_0000,
            flags: CF | PF),
        Case(
            name: "inc keeps CF", bytes: [0x48, 0xFF, 0xC0], rax: 0x7FFF_FFFF_FFFF_FFFF, rbx: 0, carry: true, result: 1 << 63,
            flags: CF | PF | AF | SF | OF),
        Case(name: "dec to zero", bytes: [0xFF, 0xC8], rax: 1, rbx: 0, result: 0, flags: PF | ZF),
        Case(name: "neg sets CF for non-zero", bytes: [0x48, 0xF7, 0xD8], rax: 1, rbx: 0, result: ~0, flags: CF | PF | AF | SF),
        Case(name: "neg of the minimum overflows", bytes: [0xF6, 0xD8], rax: 0x80, rbx: 0, result: 0x80, flags: CF | SF | OF),
        Case(name: "not changes no flag", bytes: [0x48, 0xF7, 0xD0], rax: 0, rbx: 0, carry: true, result: ~0, flags: CF),
        Case(name: "test", bytes: [0x48, 0x85, 0xD8], rax: 0x10, rbx: 0x01, result: 0x10, flags: PF | ZF),
    ]

    @Test("Result and flags", arguments: cases)
    func alu(_ c: Case) {
        let m = TestMachine()
        m.cpu.gpr[Reg.rax] = c.rax
        m.cpu.gpr[Reg.rbx] = c.rbx
        m.cpu.rflags = c.carry ? CF : 0
        #expect(TestMachine.reason(m.run(c.bytes)) == ExitReason.hlt)
        #expect(m.cpu.gpr[Reg.rax] == c.result)
        #expect(m.cpu.rflags & Flag.arithmetic == c.flags)
    }

    @Test("MUL, IMUL, DIV, IDIV results and CF/OF")
    func multiplyDivide() {
        let m = TestMachine()
        m.cpu.gpr[Reg.rax] = 1 << 63; m.cpu.gpr[Reg.rcx] = 4
        m.run([0x48, 0xF7, 0xE1])  // mul rcx
        #expect(m.cpu.gpr[Reg.rax] == 0 && m.cpu.gpr[Reg.rdx] == 2)
        #expect(m.cpu.rflags & (CF | OF) == CF | OF)
        m.cpu.gpr[Reg.rax] = UInt64(bitPattern: -3); m.cpu.gpr[Reg.rbx] = 7
        m.run([0x48, 0x6B, 0xC3, 0x07])  // imul rax, rbx, 7
        #expect(m.cpu.gpr[Reg.rax] == 49 && m.cpu.rflags & (CF | OF) == 0)
        m.cpu.gpr[Reg.rdx] = 1; m.cpu.gpr[Reg.rax] = 5; m.cpu.gpr[Reg.rcx] = 2
        m.run([0x48, 0xF7, 0xF1])  // div rcx: (2^64 + 5) / 2
        #expect(m.cpu.gpr[Reg.rax] == 1 << 63 | 2 && m.cpu.gpr[Reg.rdx] == 1)
        m.cpu.gpr[Reg.rdx] = ~0; m.cpu.gpr[Reg.rax] = UInt64(bitPattern: -7); m.cpu.gpr[Reg.rcx] = 2
        m.run([0x48, 0xF7, 0xF9])  // idiv rcx: -7 / 2 = -3 rem -1
        #expect(m.cpu.gpr[Reg.rax] == UInt64(bitPattern: -3) && m.cpu.gpr[Reg.rdx] == ~0)
        m.cpu.gpr[Reg.rax] = 0x0234; m.cpu.gpr[Reg.rcx] = 0x10
        m.run([0xF6, 0xF1])  // div cl: ax / cl → al quotient, ah remainder
        #expect(m.cpu.gpr[Reg.rax] & 0xFFFF == 0x0423)
    }

    @Test("Division by zero and quotient overflow raise #DE, leaving the registers alone")
    func divideError() {
        let m = TestMachine()
        m.cpu.controls.exceptionBitmap = 1 << 0
        m.cpu.gpr[Reg.rax] = 9; m.cpu.gpr[Reg.rcx] = 0
        guard case .exit(let exit) = m.run([0x48, 0xF7, 0xF1]) else { Issue.record("no exit"); return }
        #expect(exit.reason == ExitReason.exceptionOrNMI)
        #expect(exit.interruptionInfo == 0x8000_0300)  // vector 0, hardware exception, valid
        #expect(m.cpu.rip == TestMachine.code)
        m.cpu.gpr[Reg.rdx] = 0xFFFF_FFFF; m.cpu.gpr[Reg.rax] = 0x8000_0000; m.cpu.gpr[Reg.rcx] = ~0
        #expect(TestMachine.reason(m.run([0xF7, 0xF9])) == ExitReason.exceptionOrNMI)  // idiv ecx: -2^31 / -1 overflows
        #expect(m.cpu.gpr[Reg.rax] == 0x8000_0000)
        // EDX:EAX = -2^63 (the most negative 64-bit dividend) by -1, and AX = -2^15 by -1: #DE, not a host trap.
        for (bytes, rdx, rax): ([UInt8], UInt64, UInt64) in [
            ([0xF7, 0xF9], 0x8000_0000, 0), ([0x66, 0xF7, 0xF9], 0x8000, 0), ([0xF6, 0xF9], 0, 0x8000),
        ] {
            m.cpu.gpr[Reg.rdx] = rdx; m.cpu.gpr[Reg.rax] = rax; m.cpu.gpr[Reg.rcx] = ~0
            #expect(TestMachine.reason(m.run(bytes)) == ExitReason.exceptionOrNMI)
            #expect(m.cpu.gpr[Reg.rax] == rax)
        }
    }
}
