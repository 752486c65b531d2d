import Testing
@testable import X86

/// The x87 state-management minimum and the CR0.EM/MP/TS rules (SDM vol. 3, "Action Taken By x87 FPU
/// Instructions for Different Combinations of EM, MP, and TS").
@Suite("x87 state instructions")
struct X87Tests {
    /// A machine whose every exception exits, with RSI at a scratch buffer (0x9000) and RDI at another (0xA000).
    static func machine() -> TestMachine {
        let m = TestMachine()
        m.cpu.controls.exceptionBitmap = ~0
        m.cpu.gpr[Reg.rsi] = 0x9000
        m.cpu.gpr[Reg.rdi] = 0xA000
        return m
    }

    /// The vector `bytes` raised, or nil when they reached HLT.
    static func vector(_ m: TestMachine, _ bytes: [UInt8]) -> UInt8? {
        guard case .exit(let exit) = m.run(bytes) else { return 0xFF }
        if exit.reason == ExitReason.hlt { return nil }
        return exit.reason == ExitReason.exceptionOrNMI ? UInt8(exit.interruptionInfo & 0xFF) : 0xFF
    }

    static let fninit: [UInt8] = [0xDB, 0xE3], fwait: [UInt8] = [0x9B], fnclex: [UInt8] = [0xDB, 0xE2]
    static let fnstswAX: [UInt8] = [0xDF, 0xE0], fnstcwRSI: [UInt8] = [0xD9, 0x3E], fldcwRSI: [UInt8] = [0xD9, 0x2E]
    static let fnsaveRDI: [UInt8] = [0xDD, 0x37], frstorRSI: [UInt8] = [0xDD, 0x26]
    static let fnstenvRDI: [UInt8] = [0xD9, 0x37], fxsaveRDI: [UInt8] = [0x0F, 0xAE, 0x07], fxrstorRDI: [UInt8] = [0x0F, 0xAE, 0x0F]

    /// A 108-byte FRSTOR image: FCW 0x027F, FSW with TOP = 3 and C1, tags R3 valid, R4 zero, R5 special and the
    /// rest empty, FIP 0x1234, opcode 0x5D9, FDP 0x5678, and ST(0) … ST(2) holding 1.0, +0 and +∞.
    static let image: [UInt8] = {
        var bytes = [UInt8](repeating: 0, count: 108)
        func put(_ offset: Int, _ value: UInt64, _ size: Int) { for n in 0..<size { bytes[offset + n] = UInt8(value >> (8 * n) & 0xFF) } }
        put(0, 0x027F, 2)
        put(4, 3 << 11 | 1 << 9, 2)
        put(8, 0xFFFF & ~(3 << 6 | 3 << 8 | 3 << 10) | 1 << 8 | 2 << 10, 2)
        put(12, 0x1234, 4)
        put(16, 0x5D9 << 16, 4)
        put(20, 0x5678, 4)
        put(28, 0x8000_0000_0000_0000, 8); put(36, 0x3FFF, 2)  // ST(0) = 1.0
        put(48, 0x8000_0000_0000_0000, 8); put(56, 0x7FFF, 2)  // ST(2) = +∞
        return bytes
    }()

    @Test("FNINIT sets FCW 0x037F, FSW 0 and every tag empty; FNSTCW, FNSTSW and FNSTENV report it")
    func initialize() {
        let m = Self.machine()
        m.cpu.x87.control = 0x1234
        m.cpu.x87.status = 0x3800
        #expect(Self.vector(m, Self.fninit + Self.fnstcwRSI + Self.fnstswAX + Self.fnstenvRDI + [0xD9, 0xD0]) == nil)
        #expect(m.memory.read(0x9000, size: 2) == 0x037F)
        #expect(m.cpu.gpr[Reg.rax] & 0xFFFF == 0)
        #expect(m.memory.read(0xA000, size: 4) == 0x037F && m.memory.read(0xA008, size: 4) == 0xFFFF)
        #expect(m.cpu.x87.control == 0x037F | 0x3F, "FNSTENV masks every exception afterwards")
    }

    @Test("FRSTOR then FNSAVE gives back the image byte for byte, then leaves the FNINIT state")
    func saveRestoreRoundTrip() {
        let m = Self.machine()
        m.memory.load(Self.image, at: 0x9000)
        #expect(Self.vector(m, Self.frstorRSI) == nil)
        #expect(m.cpu.x87.top == 3 && m.cpu.x87.control == 0x027F && m.cpu.x87.opcode == 0x5D9)
        #expect(Self.vector(m, Self.fnsaveRDI) == nil)
        #expect((0..<108).map { UInt8(m.memory.read(0xA000 + UInt64($0), size: 1)) } == Self.image)
        #expect(m.cpu.x87.control == 0x037F && m.cpu.x87.status == 0 && m.cpu.x87.tag == 0xFFFF)
    }

    @Test("FXSAVE stores the x87 state in ST order with the abridged tag; FXRSTOR rebuilds the full tag from contents")
    func fxsaveCarriesX87() {
        let m = Self.machine()
        m.cpu.cr4 |= CR4.osfxsr
        m.memory.load(Self.image, at: 0x9000)
        #expect(Self.vector(m, Self.frstorRSI + Self.fxsaveRDI) == nil)
        #expect(m.memory.read(0xA000, size: 2) == 0x027F && m.memory.read(0xA002, size: 2) == 3 << 11 | 1 << 9)
        #expect(m.memory.read(0xA004, size: 1) == 0b0011_1000, "R3, R4, R5 not empty")
        #expect(m.memory.read(0xA006, size: 2) == 0x5D9 && m.memory.read(0xA008, size: 8) == 0x1234)
        #expect(m.memory.read(0xA020, size: 8) == 0x8000_0000_0000_0000 && m.memory.read(0xA028, size: 2) == 0x3FFF)
        #expect(m.memory.read(0xA040, size: 8) == 0x8000_0000_0000_0000 && m.memory.read(0xA048, size: 2) == 0x7FFF)
        let tag = m.cpu.x87.tag
        #expect(Self.vector(m, Self.fninit + Self.fxrstorRDI) == nil)
        #expect(m.cpu.x87.tag == tag, "valid, zero and special recomputed from the registers")
        #expect(m.cpu.x87.top == 3 && m.cpu.x87.instructionPointer == 0x1234 && m.cpu.x87.dataPointer == 0x5678)
    }

    @Test("An unmasked pending exception sets FSW.ES; FWAIT then raises #MF (CR0.NE) until FNCLEX")
    func pendingException() {
        let m = Self.machine()
        m.cpu.cr0 |= CR0.ne
        var image = Self.image
        image[4] = 0x01  // FSW.IE, masked by FCW 0x027F
        m.memory.load(image, at: 0x9000)
        m.memory.write(0x9100, size: 2, 0x027E)  // IM clear
        #expect(Self.vector(m, Self.frstorRSI + Self.fwait) == nil, "masked: no error")
        m.cpu.gpr[Reg.rsi] = 0x9100
        #expect(Self.vector(m, Self.fldcwRSI) == nil)
        #expect(m.cpu.x87.status & 0x8080 == 0x8080)
        #expect(Self.vector(m, Self.fwait) == Vector.mf)
        #expect(Self.vector(m, Self.fnstswAX) == nil && m.cpu.gpr[Reg.rax] & 0x81 == 0x81, "no-wait forms do not fault")
        #expect(Self.vector(m, Self.fnclex + Self.fwait) == nil)
        #expect(m.cpu.x87.status & 0x80FF == 0)
    }

    @Test("CR0.EM and CR0.TS make every escape #NM; WAIT is #NM only with MP and TS; FXSAVE is #NM with EM or TS")
    func deviceNotAvailable() {
        for (cr0, escape, wait, fxsave): (UInt64, UInt8?, UInt8?, UInt8?) in [
            (0, nil, nil, nil), (CR0.mp, nil, nil, nil), (CR0.em, Vector.nm, nil, Vector.nm),
            (CR0.ts, Vector.nm, nil, Vector.nm), (CR0.mp | CR0.ts, Vector.nm, Vector.nm, Vector.nm),
            (CR0.em | CR0.mp, Vector.nm, nil, Vector.nm),
        ] {
            let m = Self.machine()
            m.cpu.cr4 |= CR4.osfxsr
            m.cpu.cr0 = m.cpu.cr0 & ~(CR0.em | CR0.mp | CR0.ts) | cr0
            #expect(Self.vector(m, Self.fninit) == escape, "FNINIT, CR0 bits \(cr0)")
            #expect(Self.vector(m, Self.fwait) == wait, "FWAIT, CR0 bits \(cr0)")
            #expect(Self.vector(m, Self.fxsaveRDI) == fxsave, "FXSAVE, CR0 bits \(cr0)")
        }
    }

    @Test("x87 arithmetic and loads are #UD; the 16-bit environment is 14 bytes")
    func outsideTheMinimum() {
        let m = Self.machine()
        for bytes: [UInt8] in [[0xD9, 0xE8], [0xD8, 0x06], [0xDD, 0x06], [0xDE, 0xC1], [0xD9, 0xC9]] {
            #expect(Self.vector(m, bytes) == Vector.ud, "\(bytes)")
        }
        m.memory.write(0xA00E, size: 2, 0xBEEF)
        #expect(Self.vector(m, Self.fninit + [0x66] + Self.fnstenvRDI) == nil)
        #expect(m.memory.read(0xA000, size: 2) == 0x037F && m.memory.read(0xA004, size: 2) == 0xFFFF)
        #expect(m.memory.read(0xA00E, size: 2) == 0xBEEF, "nothing past 14 bytes")
    }

    @Test("The x87 state travels in CPUState")
    func stateRoundTrip() {
        let m = Self.machine()
        m.memory.load(Self.image, at: 0x9000)
        #expect(Self.vector(m, Self.frstorRSI) == nil)
        let other = CPU(memory: m.memory)
        other.state = m.cpu.state
        #expect(other.x87 == m.cpu.x87 && other.x87 != X87State())
    }
}
