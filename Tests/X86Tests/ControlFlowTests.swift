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

@Suite("SSE")
struct SSETests {
    @Test("Moves, PXOR, PCMPEQB, PMOVMSKB: a strlen-style scan")
    func scan() {
        let m = TestMachine()
        m.memory.load(Array("0123456789\u{0}bcdef".utf8), at: 0x10000)
        m.cpu.gpr[Reg.rsi] = 0x10000
        // pxor xmm0,xmm0; pcmpeqb xmm0,[rsi]; pmovmskb eax,xmm0
        m.run([0x66, 0x0F, 0xEF, 0xC0, 0x66, 0x0F, 0x74, 0x06, 0x66, 0x0F, 0xD7, 0xC0])
        #expect(m.cpu.gpr[Reg.rax] == 1 << 10)
    }

    @Test("MOVQ/MOVD, PUNPCKLQDQ, PSHUFD, PSRLDQ, PADDD, PINSRW")
    func shuffles() {
        let m = TestMachine()
        m.cpu.gpr[Reg.rax] = 0x0000_0002_0000_0001
        m.run([
            0x66, 0x48, 0x0F, 0x6E, 0xC8,  // movq xmm1, rax
            0x66, 0x0F, 0xEF, 0xC0,  // pxor xmm0, xmm0
            0x66, 0x0F, 0x6C, 0xC1,  // punpcklqdq xmm0, xmm1 → (0, 2:1)
            0x66, 0x0F, 0x70, 0xD0, 0x1B,  // pshufd xmm2, xmm0, 0x1b (reverse dwords)
            0x66, 0x0F, 0xFE, 0xC1,
        ])  // paddd xmm0, xmm1
        #expect(m.cpu.xmmValue(0) == (0x0000_0002_0000_0001, 0x0000_0002_0000_0001))
        #expect(m.cpu.xmmValue(2) == (0x0000_0001_0000_0002, 0))
        m.run([0x66, 0x0F, 0x73, 0xD8, 0x04])  // psrldq xmm0, 4
        #expect(m.cpu.xmmValue(0) == (0x0000_0001_0000_0002, 0x0000_0000_0000_0002))
        m.cpu.gpr[Reg.rax] = 0xBEEF
        m.run([0x66, 0x0F, 0xC4, 0xC0, 0x05])  // pinsrw xmm0, eax, 5
        #expect(m.cpu.xmmValue(0).1 == 0x0000_0000_BEEF_0002)
    }

    @Test("MOVAPS needs 16-byte alignment; MOVUPS does not")
    func alignment() {
        let m = TestMachine()
        m.cpu.controls.exceptionBitmap = 1 << UInt32(Vector.gp)
        m.cpu.gpr[Reg.rsi] = 0x10008
        #expect(TestMachine.reason(m.run([0x0F, 0x10, 0x06])) == ExitReason.hlt)
        #expect(TestMachine.reason(m.run([0x0F, 0x28, 0x06])) == ExitReason.exceptionOrNMI)
        // MOVDQA and MOVAPS stores need it too; MOVDQU and MOVUPS stores do not.
        #expect(TestMachine.reason(m.run([0x66, 0x0F, 0x7F, 0x06])) == ExitReason.exceptionOrNMI)
        #expect(TestMachine.reason(m.run([0x0F, 0x29, 0x06])) == ExitReason.exceptionOrNMI)
        #expect(TestMachine.reason(m.run([0xF3, 0x0F, 0x7F, 0x06])) == ExitReason.hlt)
        #expect(TestMachine.reason(m.run([0x0F, 0x11, 0x06])) == ExitReason.hlt)
    }

    /// The exception conditions of the legacy SSE instructions (SDM vol. 2, each instruction's "Other
    /// Exceptions"): #UD without CR4.OSFXSR or with CR0.EM, #NM with CR0.TS — in every form, the specialised
    /// ones (loads, stores, logic, packed arithmetic, shifts) included.
    @Test(
        "SSE instructions raise #UD without CR4.OSFXSR and #NM with CR0.TS",
        arguments: [
            [UInt8]([0x66, 0x0F, 0x6F, 0xC1]),  // movdqa xmm0, xmm1
            [0x0F, 0x29, 0xC8],  // movaps xmm0, xmm1 (store form)
            [0x66, 0x0F, 0xEF, 0xC1],  // pxor
            [0x66, 0x0F, 0xFE, 0xC1],  // paddd
            [0x66, 0x0F, 0x72, 0xF0, 0x03],  // pslld xmm0, 3
            [0x66, 0x0F, 0x70, 0xC1, 0x1B],  // pshufd
        ])
    func unavailable(bytes: [UInt8]) {
        let m = TestMachine()
        m.cpu.controls.exceptionBitmap = 1 << UInt32(Vector.ud) | 1 << UInt32(Vector.nm)
        func vector(_ outcome: RunOutcome) -> UInt32? {
            guard case .exit(let exit) = outcome, exit.reason == ExitReason.exceptionOrNMI else { return nil }
            return exit.interruptionInfo & 0xFF
        }
        #expect(TestMachine.reason(m.run(bytes)) == ExitReason.hlt)
        m.cpu.cr0 |= CR0.ts
        #expect(vector(m.run(bytes)) == UInt32(Vector.nm))
        m.cpu.cr0 &= ~CR0.ts
        m.cpu.cr4 &= ~CR4.osfxsr
        #expect(vector(m.run(bytes)) == UInt32(Vector.ud))
    }
}

@Suite("Decoder")
struct DecoderTests {
    func decode(_ bytes: [UInt8]) -> Result<Instruction, DecodeFailure> {
        bytes.withUnsafeBytes { Decoder.decode($0.baseAddress!, available: $0.count) }
    }

    @Test(
        "Lengths of representative encodings",
        arguments: [
            ([UInt8]([0x48, 0x01, 0xD8]), 3), ([0x66, 0x0F, 0x38, 0x80, 0x03], 5), ([0x64, 0x48, 0x8B, 0x04, 0x25, 0x10, 0, 0, 0], 9),
            ([0x48, 0xB8, 1, 2, 3, 4, 5, 6, 7, 8], 10), ([0xC8, 0x10, 0x00, 0x00], 4), ([0xF6, 0x04, 0x24, 0x01], 4),
            ([0xF7, 0x34, 0x24], 3), ([0x48, 0x8D, 0x05, 0, 1, 0, 0], 7), ([0x66, 0x0F, 0x3A, 0x0F, 0xC1, 0x08], 6),
            ([0x66, 0x66, 0x2E, 0x0F, 0x1F, 0x84, 0, 0, 0, 0, 0], 11),
        ])
    func lengths(bytes: [UInt8], length: Int) throws {
        let inst = try decode(bytes).get()
        #expect(Int(inst.length) == length)
    }

    @Test(
        "Encodings invalid in 64-bit mode are #UD",
        arguments: [
            [UInt8]([0x06]), [0x27], [0x60], [0x62, 0x00], [0x9A, 0, 0, 0, 0, 0, 0], [0xD4, 0x0A], [0xEA], [0xC4, 0xE1, 0x00],
            [0x0F, 0x04],
        ])
    func invalid(bytes: [UInt8]) {
        #expect(throws: DecodeFailure.invalidOpcode) { try decode(bytes).get() }
    }

    @Test("More than 15 bytes is refused; a REX before another prefix is ignored")
    func limits() throws {
        #expect(throws: DecodeFailure.tooLong) { try decode([UInt8](repeating: 0x66, count: 15) + [0x90]).get() }
        let inst = try decode([0x48, 0x66, 0x01, 0xD8]).get()  // REX.W then 66: the REX is dropped
        #expect(inst.operandSize == 2 && inst.rex == 0)
    }
}
