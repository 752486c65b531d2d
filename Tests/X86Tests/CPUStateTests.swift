import Foundation
import Testing
import TestSupport
@testable import X86

/// `CPU.state`: the processor's architectural state as one value, in and out bit for bit.
@Suite("Processor state")
struct CPUStateTests {
    /// A state with every field random (RFLAGS keeps its always-one bit 1, which the processor forces).
    static func randomState<G: RandomNumberGenerator>(_ g: inout G) -> CPUState {
        func r() -> UInt64 { g.next() }
        func segment() -> Segment {
            Segment(
                selector: UInt16(truncatingIfNeeded: r()), base: r(), limit: UInt32(truncatingIfNeeded: r()),
                attributes: UInt32(truncatingIfNeeded: r()))
        }
        var s = CPUState()
        s.gpr = (0..<16).map { _ in r() }
        s.rip = r()
        s.rflags = r() | Flag.reserved1
        s.segments = (0..<6).map { _ in segment() }
        s.ldtr = segment()
        s.tr = segment()
        s.gdtr = .init(base: r(), limit: UInt32(truncatingIfNeeded: r()))
        s.idtr = .init(base: r(), limit: UInt32(truncatingIfNeeded: r()))
        (s.cr0, s.cr2, s.cr3, s.cr4, s.cr8) = (r(), r(), r(), r(), r())
        s.dr = (0..<8).map { _ in r() }
        s.xmm = (0..<16).map { _ in SIMD2(r(), r()) }
        s.mxcsr = UInt32(truncatingIfNeeded: r())
        (s.msrs.efer, s.msrs.star, s.msrs.lstar, s.msrs.cstar, s.msrs.sfmask) = (r(), r(), r(), r(), r())
        (s.msrs.kernelGSBase, s.msrs.tscAux, s.msrs.pat) = (r(), r(), r())
        (s.msrs.sysenterCS, s.msrs.sysenterESP, s.msrs.sysenterEIP, s.msrs.featureControl) = (r(), r(), r(), r())
        // The performance-monitoring MSRs as WRMSR leaves them: their writable bits, a 48-bit count.
        (s.msrs.perfGlobalControl, s.msrs.fixedCounterControl) = (r() & 1 << 32, r() & 0xF)
        s.msrs.fixedCounter0 = r() & (1 << 48 - 1)
        s.interruptShadow = r() & 1 == 1
        s.activityState = r() & 1 == 1 ? .hlt : .active
        (s.instructionsRetired, s.tscBase, s.randomState) = (r(), r(), r())
        return s
    }

    @Test("Random states go into the processor and come out bit for bit, and through JSON unchanged")
    func roundTrip() throws {
        var g = SplitMix64(seed: 0x5EED_CAFE)
        let cpu = TestMachine().cpu
        for _ in 0..<200 {
            let s = Self.randomState(&g)
            cpu.state = s
            #expect(cpu.state == s)
            let decoded = try JSONDecoder().decode(CPUState.self, from: JSONEncoder().encode(s))
            #expect(decoded == s)
        }
    }

    @Test("Lazily computed flags come out materialised")
    func lazyFlags() {
        let machine = TestMachine()
        machine.run([0x48, 0x31, 0xC0, 0x48, 0x83, 0xE8, 0x01])  // xor rax, rax; sub rax, 1
        #expect(machine.cpu.state.rflags & (CF | SF | ZF) == CF | SF)
    }

    /// RDRAND, RDTSC, flags and XMM in a loop: a state taken part-way and put into a second processor over a copy
    /// of the memory runs on exactly as the first does.
    @Test("A state moved to another processor mid-run continues identically")
    func continuation() {
        let loop: [UInt8] = [
            0xB9, 0xE8, 0x03, 0x00, 0x00,  // mov ecx, 1000
            0x48, 0x0F, 0xC7, 0xF0,  // loop: rdrand rax
            0x48, 0x01, 0xC3,  // add rbx, rax
            0x48, 0x83, 0xD2, 0x00,  // adc rdx, 0
            0x0F, 0x31,  // rdtsc
            0x48, 0x31, 0xC6,  // xor rsi, rax
            0x66, 0x48, 0x0F, 0x6E, 0xC3,  // movq xmm0, rbx
            0x66, 0x0F, 0xD4, 0xC8,  // paddq xmm1, xmm0
            0xFF, 0xC9,  // dec ecx
            0x75, 0xE3,  // jnz loop
        ]
        let first = TestMachine()
        first.run(loop, limit: 2_345)
        let second = TestMachine()
        for page in stride(from: UInt64(0), to: 0x10_0000, by: 8) {
            second.memory.write(page, size: 8, first.memory.read(page, size: 8))
        }
        second.cpu.state = first.cpu.state
        #expect(first.cpu.state.instructionsRetired == 2_345)
        let a = first.cpu.run(maxInstructions: 100_000)
        let b = second.cpu.run(maxInstructions: 100_000)
        #expect(TestMachine.reason(a) == .hlt && TestMachine.reason(b) == .hlt)
        #expect(first.cpu.state == second.cpu.state)
        #expect(first.cpu.gpr[Reg.rcx] == 0)
    }
}
