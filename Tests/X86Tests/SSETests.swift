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
    @Test("PMADDWD sums adjacent signed word products; the one overflow (four -32768s) wraps to 0x80000000")
    func multiplyAdd() {
        let m = TestMachine()
        // Words of XMM0: 1, -2, 3, 4, -32768, -32768, 7, 0; of XMM1: 5, 6, -7, 8, -32768, -32768, 1, 1.
        m.cpu.setXMM(0, (0x0004_0003_FFFE_0001, 0x0000_0007_8000_8000))
        m.cpu.setXMM(1, (0x0008_FFF9_0006_0005, 0x0001_0001_8000_8000))
        m.run([0x66, 0x0F, 0xF5, 0xC1])  // pmaddwd xmm0, xmm1
        #expect(m.cpu.xmmValue(0) == (0x0000_000B_FFFF_FFF9, 0x0000_0007_8000_0000))
    }

    @Test("MASKMOVDQU stores exactly the bytes whose mask byte has its top bit set, at DS:RDI; register form only")
    func maskedStore() {
        let m = TestMachine()
        m.cpu.controls.exceptionBitmap = 1 << UInt32(Vector.ud)
        m.memory.load([UInt8](repeating: 0xAA, count: 16), at: 0x10000)
        m.cpu.gpr[Reg.rdi] = 0x10000
        m.cpu.setXMM(0, (0x1716_1514_1312_1110, 0x1F1E_1D1C_1B1A_1918))
        m.cpu.setXMM(1, (0x0000_0000_8000_00FF, 0x8000_0000_0000_0000))  // bytes 0, 3 and 15
        #expect(TestMachine.reason(m.run([0x66, 0x0F, 0xF7, 0xC1])) == ExitReason.hlt)  // maskmovdqu xmm0, xmm1
        var expected = [UInt8](repeating: 0xAA, count: 16)
        (expected[0], expected[3], expected[15]) = (0x10, 0x13, 0x1F)
        #expect((0..<16).map { UInt8(m.memory.read(0x10000 + UInt64($0), size: 1)) } == expected)
        #expect(TestMachine.reason(m.run([0x66, 0x0F, 0xF7, 0x07])) == ExitReason.exceptionOrNMI, "a memory operand is #UD")
    }

    @Test("MOVNTI stores a 32- or 64-bit register; a register destination or a 66 prefix is #UD; CR0.TS does not apply")
    func nonTemporalStore() {
        let m = TestMachine()
        m.cpu.controls.exceptionBitmap = 1 << UInt32(Vector.ud)
        m.cpu.cr0 |= CR0.ts
        m.cpu.gpr[Reg.rax] = 0x1122_3344_5566_7788
        m.cpu.gpr[Reg.rsi] = 0x10000
        m.memory.write(0x10000, size: 8, ~0)
        #expect(TestMachine.reason(m.run([0x0F, 0xC3, 0x06])) == ExitReason.hlt)  // movnti [rsi], eax
        #expect(m.memory.read(0x10000, size: 8) == 0xFFFF_FFFF_5566_7788)
        #expect(TestMachine.reason(m.run([0x48, 0x0F, 0xC3, 0x06])) == ExitReason.hlt)  // movnti [rsi], rax
        #expect(m.memory.read(0x10000, size: 8) == 0x1122_3344_5566_7788)
        #expect(TestMachine.reason(m.run([0x0F, 0xC3, 0xC0])) == ExitReason.exceptionOrNMI)
        #expect(TestMachine.reason(m.run([0x66, 0x0F, 0xC3, 0x06])) == ExitReason.exceptionOrNMI)
    }
}
