import Testing
@testable import X86

@Suite("Debug, stack and alignment exceptions")
struct MoreExceptionTests {
    @Test("TF single-steps: #DB after the instruction, with DR6.BS")
    func singleStep() {
        let m = TestMachine()
        m.cpu.controls.exceptionBitmap = 1 << UInt32(Vector.db)
        m.cpu.rflags = Flag.tf
        guard case .exit(let exit) = m.run([0x48, 0xFF, 0xC0, 0x90]) else { Issue.record("no exit"); return }
        #expect(exit.interruptionInfo & 0xFF == UInt32(Vector.db))
        #expect(m.cpu.gpr[Reg.rax] == 1, "the instruction completed first")
        #expect(m.cpu.rip == TestMachine.code + 3)
        #expect(m.cpu.dr[6] & 1 << 14 != 0)
    }

    @Test("A push to a non-canonical stack address is #SS(0)")
    func stackFault() {
        let m = TestMachine()
        m.cpu.controls.exceptionBitmap = 1 << UInt32(Vector.ss)
        m.cpu.gpr[Reg.rsp] = 0x0000_8000_0000_0008
        guard case .exit(let exit) = m.run([0x50]) else { Issue.record("no exit"); return }
        #expect(exit.interruptionInfo & 0xFF == UInt32(Vector.ss) && exit.interruptionErrorCode == 0)
    }

    @Test("With CR0.AM, RFLAGS.AC and CPL 3, a misaligned access is #AC(0)")
    func alignmentCheck() {
        let m = TestMachine()
        m.cpu.controls.exceptionBitmap = 1 << UInt32(Vector.ac)
        m.cpu.cr0 |= CR0.am
        m.cpu.segments[SegmentRegister.cs.rawValue].attributes |= 3 << 5
        m.cpu.rflags = Flag.ac | 3 << 12
        m.cpu.gpr[Reg.rsi] = 0x10001
        m.cpu.controls.primary |= ExecutionControls.Primary.unconditionalIOExiting
        guard case .exit(let exit) = m.run([0x48, 0x8B, 0x06]) else { Issue.record("no exit"); return }
        #expect(exit.interruptionInfo & 0xFF == UInt32(Vector.ac))
        m.cpu.rflags = 3 << 12
        #expect(TestMachine.reason(m.run([0x48, 0x8B, 0x06, 0xE6, 0x80])) == ExitReason.ioInstruction, "AC clear: no check")
    }
}
