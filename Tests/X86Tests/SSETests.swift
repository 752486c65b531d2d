import Testing
@testable import X86

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
