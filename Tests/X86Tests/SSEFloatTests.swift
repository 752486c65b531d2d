import Testing
@testable import X86

/// The SSE and SSE2 floating-point instructions: results, MXCSR flags and rounding, exception masks and #XM
/// (SDM vol. 1, "SIMD Floating-Point Exceptions"). The differential test compares random forms with the real
/// processor; these pin the rules around them.
@Suite("SSE floating point")
struct SSEFloatTests {
    static func machine(_ a: (UInt64, UInt64), _ b: (UInt64, UInt64)) -> TestMachine {
        let m = TestMachine()
        m.cpu.controls.exceptionBitmap = ~0
        m.cpu.setXMM(0, a)
        m.cpu.setXMM(1, b)
        return m
    }

    static func vector(_ m: TestMachine, _ bytes: [UInt8]) -> UInt8? {
        guard case .exit(let exit) = m.run(bytes) else { return 0xFF }
        if exit.reason == ExitReason.hlt { return nil }
        return exit.reason == ExitReason.exceptionOrNMI ? UInt8(exit.interruptionInfo & 0xFF) : 0xFF
    }

    static func d(_ x: Double) -> UInt64 { x.bitPattern }
    static func s(_ x: Float) -> UInt64 { UInt64(x.bitPattern) }

    @Test("ADDSD, MULPD, SQRTSS and DIVPS give IEEE results; scalar forms keep the upper lanes")
    func arithmetic() {
        let m = Self.machine((Self.d(1.5), 0xDEAD), (Self.d(2.25), Self.d(4)))
        #expect(Self.vector(m, [0xF2, 0x0F, 0x58, 0xC1]) == nil)  // addsd xmm0, xmm1
        #expect(m.cpu.xmmValue(0) == (Self.d(3.75), 0xDEAD))
        m.cpu.setXMM(0, (Self.d(3), Self.d(-0.5)))
        #expect(Self.vector(m, [0x66, 0x0F, 0x59, 0xC1]) == nil)  // mulpd
        #expect(m.cpu.xmmValue(0) == (Self.d(6.75), Self.d(-2)))
        m.cpu.setXMM(1, (Self.s(2) << 32 | Self.s(16), 0))
        m.cpu.setXMM(0, (0x1234_5678 << 32, 7))
        #expect(Self.vector(m, [0xF3, 0x0F, 0x51, 0xC1]) == nil)  // sqrtss
        #expect(m.cpu.xmmValue(0) == (0x1234_5678 << 32 | Self.s(4), 7))
        #expect(m.cpu.mxcsr & 0x3F == 0, "exact results raise nothing")
    }

    @Test("Masked exceptions set MXCSR flags and give the default result")
    func maskedFlags() {
        let m = Self.machine((Self.d(1), 0), (Self.d(0), 0))
        #expect(Self.vector(m, [0xF2, 0x0F, 0x5E, 0xC1]) == nil)  // divsd by zero
        #expect(m.cpu.xmmValue(0).0 == Self.d(.infinity) && m.cpu.mxcsr & 0x3F == 1 << 2, "ZE")
        m.cpu.setXMM(1, (Self.d(3), 0))
        m.cpu.setXMM(0, (Self.d(1), 0))
        #expect(Self.vector(m, [0xF2, 0x0F, 0x5E, 0xC1]) == nil)  // 1/3: inexact
        #expect(m.cpu.mxcsr & 0x3F == 1 << 2 | 1 << 5, "flags are sticky; PE added")
    }

    @Test("An unmasked exception is #XM with CR4.OSXMMEXCPT, #UD without; the destination is unchanged")
    func unmasked() {
        for osxmmexcpt in [true, false] {
            let m = Self.machine((Self.d(1), 0), (Self.d(0), 0))
            if !osxmmexcpt { m.cpu.cr4 &= ~CR4.osxmmexcpt } else { m.cpu.cr4 |= CR4.osxmmexcpt }
            m.cpu.mxcsr &= ~(1 << 9)  // ZM clear
            #expect(Self.vector(m, [0xF2, 0x0F, 0x5E, 0xC1]) == (osxmmexcpt ? Vector.xm : Vector.ud))
            #expect(m.cpu.xmmValue(0).0 == Self.d(1) && m.cpu.mxcsr & 1 << 2 != 0)
            #expect(m.cpu.rip == TestMachine.code, "a fault: RIP at the instruction")
        }
    }

    @Test("MXCSR.RC rounds conversions; CVTT truncates; out of range is the integer indefinite")
    func conversions() {
        let m = Self.machine((0, 0), (Self.d(2.5), 0))
        #expect(Self.vector(m, [0xF2, 0x48, 0x0F, 0x2D, 0xC1]) == nil && m.cpu.gpr[Reg.rax] == 2, "nearest even")
        m.cpu.mxcsr |= 2 << 13  // round up
        #expect(Self.vector(m, [0xF2, 0x48, 0x0F, 0x2D, 0xC1]) == nil && m.cpu.gpr[Reg.rax] == 3)
        #expect(Self.vector(m, [0xF2, 0x48, 0x0F, 0x2C, 0xC1]) == nil && m.cpu.gpr[Reg.rax] == 2, "CVTTSD2SI")
        m.cpu.setXMM(1, (Self.d(1e30), 0))
        m.cpu.gpr[Reg.rax] = ~0
        #expect(Self.vector(m, [0xF2, 0x0F, 0x2C, 0xC1]) == nil && m.cpu.gpr[Reg.rax] == 0x8000_0000, "32-bit, zero-extended")
        #expect(m.cpu.mxcsr & 1 != 0, "IE")
        m.cpu.gpr[Reg.rcx] = UInt64(bitPattern: -7)
        #expect(Self.vector(m, [0xF3, 0x48, 0x0F, 0x2A, 0xD1]) == nil)  // cvtsi2ss xmm2, rcx
        #expect(m.cpu.xmmValue(2).0 & 0xFFFF_FFFF == Self.s(-7))
    }

    @Test("COMISD and UCOMISD set ZF, PF and CF and clear OF, SF and AF")
    func compares() {
        let m = Self.machine((Self.d(1), 0), (Self.d(2), 0))
        m.cpu.rflags = 2 | Flag.of | Flag.sf | Flag.af
        #expect(Self.vector(m, [0x66, 0x0F, 0x2F, 0xC1]) == nil)
        #expect(m.cpu.rflags & Flag.arithmetic == Flag.cf, "less than")
        m.cpu.setXMM(1, (Self.d(.nan), 0))
        #expect(Self.vector(m, [0x66, 0x0F, 0x2E, 0xC1]) == nil)
        #expect(m.cpu.rflags & Flag.arithmetic == Flag.zf | Flag.pf | Flag.cf, "unordered")
        #expect(m.cpu.mxcsr & 1 == 0, "UCOMISD of a quiet NaN raises nothing")
        #expect(Self.vector(m, [0x66, 0x0F, 0x2F, 0xC1]) == nil && m.cpu.mxcsr & 1 != 0, "COMISD does (IE)")
    }

    @Test("Packed memory operands need 16-byte alignment; scalar ones do not; invalid prefixes are #UD")
    func operands() {
        let m = Self.machine((0, 0), (0, 0))
        m.cpu.gpr[Reg.rsi] = 0x10008
        m.memory.write(0x10008, size: 8, Self.d(5))
        #expect(Self.vector(m, [0x0F, 0x58, 0x06]) == Vector.gp, "ADDPS [rsi] misaligned")
        #expect(Self.vector(m, [0xF2, 0x0F, 0x58, 0x06]) == nil && m.cpu.xmmValue(0).0 == Self.d(5), "ADDSD [rsi]")
        #expect(Self.vector(m, [0xF2, 0x0F, 0x5B, 0xC1]) == Vector.ud, "no F2 form of 5B")
        #expect(Self.vector(m, [0x0F, 0xE6, 0xC1]) == Vector.ud, "no plain form of E6")
        #expect(Self.vector(m, [0x66, 0x0F, 0x53, 0xC1]) == Vector.ud, "no RCPPD")
    }
}
