import Machine
import Testing
import VMX
import X86

/// What the guest sees of its processor: CPUID and the VMX capability MSRs.
@Suite struct ProcessorViewTests {
    @Test("CPUID: GenuineIntel Skylake-SP, hypervisor present, VMX only when exposed, the processor count")
    func cpuid() {
        let hidden = CPUIDView(processorCount: 4, exposesVMX: false), shown = CPUIDView(processorCount: 4, exposesVMX: true)
        let leaf0 = hidden.query(leaf: 0, subleaf: 0, apicID: 0)
        let vendor = [leaf0.ebx, leaf0.edx, leaf0.ecx].flatMap { w in (0..<4).map { UInt8(truncatingIfNeeded: w >> (8 * $0)) } }
        #expect(String(decoding: vendor, as: UTF8.self) == "GenuineIntel")
        let leaf1 = hidden.query(leaf: 1, subleaf: 0, apicID: 3)
        #expect(leaf1.eax == 0x0005_0654)
        #expect(leaf1.ecx & (1 << 5) == 0)
        #expect(leaf1.ecx & (1 << 31) != 0)
        #expect(leaf1.ebx >> 24 == 3 && leaf1.ebx >> 16 & 0xFF == 4)
        #expect(shown.query(leaf: 1, subleaf: 0, apicID: 0).ecx & (1 << 5) != 0)
        #expect(shown.query(leaf: 0x8000_0008, subleaf: 0, apicID: 0).eax & 0xFF == UInt32(CPU.physicalAddressBits))
        // Leaf 0AH: performance monitoring version 2, no general-purpose counters, one 48-bit fixed counter.
        let pmu = hidden.query(leaf: 0xA, subleaf: 0, apicID: 0)
        #expect(pmu.eax & 0xFF == 2 && pmu.eax >> 8 & 0xFF == 0 && pmu.edx & 0x1F == 1 && pmu.edx >> 5 & 0xFF == 48)
    }

    @Test("Capability MSRs: every control that must be 1 may be 1; the TRUE MSRs only relax; BASIC names our revision")
    func capabilities() throws {
        typealias N = VMXCapabilities.MSRNumber
        for msr in [N.pinBased, N.procBased, N.exit, N.entry, N.procBased2, N.truePinBased, N.trueProcBased, N.trueExit, N.trueEntry] {
            let value = try #require(VMXCapabilities.value(of: msr))
            let mustBeOne = UInt32(truncatingIfNeeded: value), mayBeOne = UInt32(value >> 32)
            #expect(mustBeOne & ~mayBeOne == 0, "MSR 0x\(String(msr, radix: 16))")
        }
        for (plain, relaxed) in [
            (N.pinBased, N.truePinBased), (N.procBased, N.trueProcBased), (N.exit, N.trueExit), (N.entry, N.trueEntry),
        ] {
            let a = try #require(VMXCapabilities.value(of: plain)), b = try #require(VMXCapabilities.value(of: relaxed))
            #expect(UInt32(truncatingIfNeeded: b) & ~UInt32(truncatingIfNeeded: a) == 0)
            #expect(a >> 32 == b >> 32)
        }
        let basic = try #require(VMXCapabilities.value(of: N.basic))
        #expect(UInt32(truncatingIfNeeded: basic) == VMXCapabilities.revisionIdentifier)
        #expect(basic >> 32 & 0x1FFF == 4096 && basic >> 55 & 1 == 1)
        #expect(VMXCapabilities.cr4Fixed0 & ~VMXCapabilities.cr4Fixed1 == 0)
        #expect(VMXCapabilities.value(of: 0x492) == nil)
    }
}
