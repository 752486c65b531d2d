import Testing

@testable import X86

/// IA32_FIXED_CTR0 counting instructions retired (SDM vol. 3, "Architectural Performance Monitoring Version 2"),
/// as a hypervisor uses it to count its guest's instructions.
@Suite("Performance counters")
struct PerformanceCounterTests {
    /// `count` NOPs, then HLT.
    static func nops(_ count: Int) -> [UInt8] { [UInt8](repeating: 0x90, count: count) }

    @Test("The fixed counter counts retired instructions only while both its enables are set, and keeps its value")
    func counts() {
        let m = TestMachine()
        let cpu = m.cpu
        #expect(cpu.readMSR(MSR.fixedCounter0) == 0 && cpu.readMSR(MSR.perfGlobalControl) == 0, "off at reset")
        m.run(Self.nops(10))
        #expect(cpu.readMSR(MSR.fixedCounter0) == 0, "nothing counts while disabled")
        #expect(cpu.writeMSR(MSR.fixedCounterControl, 3) && cpu.writeMSR(MSR.perfGlobalControl, 1 << 32))
        m.run(Self.nops(10))
        #expect(cpu.readMSR(MSR.fixedCounter0) == 10, "ten NOPs; the HLT that exits does not retire")
        #expect(cpu.writeMSR(MSR.perfGlobalControl, 0))
        m.run(Self.nops(5))
        #expect(cpu.readMSR(MSR.fixedCounter0) == 10, "frozen while the global enable is clear")
        #expect(cpu.writeMSR(MSR.fixedCounter0, 1000) && cpu.writeMSR(MSR.perfGlobalControl, 1 << 32))
        m.run(Self.nops(7))
        #expect(cpu.readMSR(MSR.fixedCounter0) == 1007)
        #expect(cpu.writeMSR(MSR.fixedCounterControl, 0))
        m.run(Self.nops(3))
        #expect(cpu.readMSR(MSR.fixedCounter0) == 1007, "frozen while the counter's own enables are clear")
    }

    @Test("The counter is 48 bits; reserved bits and writes of the status MSR are #GP")
    func widthAndReservedBits() {
        let cpu = TestMachine().cpu
        #expect(!cpu.writeMSR(MSR.fixedCounter0, 1 << 48), "wider than the counter")
        #expect(cpu.writeMSR(MSR.fixedCounter0, 1 << 48 - 2))
        #expect(!cpu.writeMSR(MSR.perfGlobalControl, 1), "general-purpose counter 0 does not exist")
        #expect(!cpu.writeMSR(MSR.fixedCounterControl, 1 << 4), "fixed counter 1 does not exist")
        #expect(!cpu.writeMSR(MSR.perfGlobalStatus, 0), "read-only")
        #expect(cpu.readMSR(MSR.perfGlobalStatus) == 0)
        #expect(cpu.writeMSR(MSR.perfGlobalOverflowControl, 1 << 32) && !cpu.writeMSR(MSR.perfGlobalOverflowControl, 1))
    }

    @Test("Counting across the 48-bit boundary wraps to zero")
    func wraps() {
        let m = TestMachine()
        #expect(m.cpu.writeMSR(MSR.fixedCounter0, 1 << 48 - 2))
        #expect(m.cpu.writeMSR(MSR.fixedCounterControl, 1) && m.cpu.writeMSR(MSR.perfGlobalControl, 1 << 32))
        m.run(Self.nops(5))
        #expect(m.cpu.readMSR(MSR.fixedCounter0) == 3)
    }

    @Test("The counter and its controls travel in CPUState")
    func state() {
        let m = TestMachine()
        #expect(m.cpu.writeMSR(MSR.fixedCounterControl, 3) && m.cpu.writeMSR(MSR.perfGlobalControl, 1 << 32))
        m.run(Self.nops(4))
        let saved = m.cpu.state
        #expect(saved.msrs.fixedCounter0 == 4 && saved.msrs.perfGlobalControl == 1 << 32)
        let other = TestMachine()
        other.cpu.state = saved
        other.run(Self.nops(6))
        #expect(other.cpu.readMSR(MSR.fixedCounter0) == 10)
    }
}
