import Testing
@testable import X86

/// What an L1 hypervisor reads before it starts — CPUID's feature words, the writable CR4 bits, the MSRs of the
/// modelled processor — agrees with what the processor does.
@Suite("CPUID, CR4 and MSRs agree with the processor")
struct ProcessorFeatureTests {
    /// Runs `bytes` with every exception exiting; the vector raised, nil when the bytes reached HLT, 0xFF for
    /// anything else.
    static func vector(_ bytes: [UInt8], setup: (TestMachine) -> Void = { _ in }) -> UInt8? {
        let m = TestMachine()
        m.cpu.controls.exceptionBitmap = ~0
        m.cpu.cr4 |= CR4.osfxsr
        m.cpu.gpr[Reg.rsi] = 0x9000  // 16-byte aligned scratch memory
        setup(m)
        let outcome = m.run(bytes)
        guard case .exit(let exit) = outcome else { return 0xFF }
        if exit.reason == ExitReason.hlt { return nil }
        return exit.reason == ExitReason.exceptionOrNMI ? UInt8(exit.interruptionInfo & 0xFF) : 0xFF
    }

    /// One probe per reported CPUID flag: the flag, and bytes that use what it names (run with CR4.OSFXSR set).
    static let probes: [(flag: ProcessorFeatures.Flag, bytes: [UInt8])] = [
        (.leaf1EDX(2), [0x0F, 0x21, 0xE0]),  // DE: MOV RAX, DR4 works with CR4.DE clear (and is #UD with it set)
        (.leaf1EDX(3), [0x0F, 0x20, 0xE0, 0x48, 0x83, 0xC8, 0x10, 0x0F, 0x22, 0xE0]),  // PSE: CR4.PSE
        (.leaf1EDX(4), [0x0F, 0x31]),  // TSC: RDTSC
        (.leaf1EDX(5), []),  // MSR: readMSR below
        (.leaf1EDX(6), [0x0F, 0x20, 0xE0, 0x48, 0x83, 0xC8, 0x20, 0x0F, 0x22, 0xE0]),  // PAE: CR4.PAE
        (.leaf1EDX(8), [0x0F, 0xC7, 0x0E]),  // CX8: CMPXCHG8B [RSI]
        (.leaf1EDX(11), []),  // SEP: the SYSENTER and SYSEXIT test
        (.leaf1EDX(13), [0x0F, 0x20, 0xE0, 0x48, 0x0D, 0x80, 0, 0, 0, 0x0F, 0x22, 0xE0]),  // PGE: CR4.PGE
        (.leaf1EDX(15), [0x0F, 0x44, 0xC1]),  // CMOV: CMOVZ EAX, ECX
        (.leaf1EDX(16), []),  // PAT: IA32_PAT below
        (.leaf1EDX(19), [0x0F, 0xAE, 0x3E]),  // CLFSH: CLFLUSH [RSI]
        (.leaf1EDX(24), [0x0F, 0xAE, 0x06, 0x0F, 0xAE, 0x0E]),  // FXSR: FXSAVE, FXRSTOR [RSI]
        (.leaf1EDX(25), [0x0F, 0x28, 0xC1, 0x0F, 0x58, 0xC1, 0x0F, 0x2F, 0xC1]),  // SSE: MOVAPS, ADDPS, COMISS
        (.leaf1EDX(26), [0x66, 0x0F, 0xD4, 0xC1, 0x66, 0x0F, 0x59, 0xC1, 0xF2, 0x0F, 0x2C, 0xC1]),  // SSE2: PADDQ, MULPD, CVTTSD2SI
        (.leaf1ECX(3), [0x0F, 0x01, 0xC8, 0x0F, 0x01, 0xC9]),  // MONITOR: MONITOR (RAX), MWAIT
        (.leaf1ECX(13), [0x48, 0x0F, 0xC7, 0x0E]),  // CX16: CMPXCHG16B [RSI]
        (.leaf1ECX(17), []),  // PCID: CR4.PCIDE in the CR4 test
        (.leaf1ECX(23), [0xF3, 0x0F, 0xB8, 0xC1]),  // POPCNT
        (.leaf1ECX(30), [0x0F, 0xC7, 0xF0]),  // RDRAND EAX
        (.leaf7EBX(0), [0x0F, 0x20, 0xE0, 0x48, 0x0D, 0, 0, 1, 0, 0x0F, 0x22, 0xE0, 0xF3, 0x48, 0x0F, 0xAE, 0xC0]),  // FSGSBASE
        (.leaf7EBX(7), []),  // SMEP: paging tests
        (.leaf7EBX(18), [0x0F, 0xC7, 0xF8]),  // RDSEED EAX
        (.leaf7EBX(20), [0x0F, 0x01, 0xCB, 0x0F, 0x01, 0xCA]),  // SMAP: STAC, CLAC
        (.leaf7ECX(16), []),  // LA57: the canonical tests
    ]

    @Test("Every flag CPUID reports has a probe, and every probe runs")
    func reportedFeaturesWork() {
        func bits(_ word: UInt32) -> [Int] { (0..<32).filter { word >> $0 & 1 != 0 } }
        let reported =
            bits(ProcessorFeatures.leaf1EDX).map { ProcessorFeatures.Flag.leaf1EDX($0) }
            + bits(ProcessorFeatures.leaf1ECX).map { .leaf1ECX($0) } + bits(ProcessorFeatures.leaf7EBX).map { .leaf7EBX($0) }
            + bits(ProcessorFeatures.leaf7ECX).map { .leaf7ECX($0) }
        #expect(reported == Self.probes.map(\.flag), "a reported flag without a probe, or a probe of a clear flag")
        for probe in Self.probes where !probe.bytes.isEmpty {
            #expect(Self.vector(probe.bytes) == nil, "\(probe.flag)")
        }
        let cpu = CPU(memory: PhysicalMemory(size: 1 << 20)!)
        #expect(cpu.readMSR(MSR.efer) != nil && cpu.readMSR(MSR.pat) == 0x0007_0406_0007_0406)
    }

    @Test("What CPUID leaves clear is absent: x87 arithmetic, XGETBV/XSETBV")
    func absentFeaturesFault() {
        #expect(ProcessorFeatures.leaf1EDX & 1 << 0 == 0, "FPU is not reported")
        #expect(ProcessorFeatures.leaf1ECX & 1 << 26 == 0, "XSAVE is not reported")
        #expect(Self.vector([0xD9, 0xE8]) == Vector.ud, "FLD1")
        let cpu = CPU(memory: PhysicalMemory(size: 1 << 20)!)
        #expect(cpu.readMSR(MSR.apicBase) == nil && !cpu.writeMSR(MSR.apicBase, 0xFEE0_0900), "IA32_APIC_BASE, without an APIC")
        #expect(Self.vector([0x0F, 0x01, 0xD0]) == Vector.ud, "XGETBV")
        #expect(Self.vector([0x0F, 0x01, 0xD1]) == Vector.ud, "XSETBV: #UD before its unconditional exit")
    }

    /// SDM vol. 2, "SYSENTER—Fast System Call" and "SYSEXIT—Fast Return from Fast System Call".
    @Test("SYSENTER enters CPL 0 from the SYSENTER MSRs; SYSEXIT returns to CPL 3 at RDX with RSP = RCX; their #GP cases")
    func sysenterAndSysexit() {
        let m = TestMachine()
        m.cpu.controls.exceptionBitmap = 1 << UInt32(Vector.gp)
        m.cpu.sysenterCS = 0x13  // the RPL is ignored
        m.cpu.sysenterESP = 0x7_0000
        m.cpu.sysenterEIP = TestMachine.code + 2  // the HLT after SYSENTER
        m.cpu.rflags = Flag.reserved1 | Flag.if
        #expect(TestMachine.reason(m.run([0x0F, 0x34])) == ExitReason.hlt)
        #expect(m.cpu.segment(.cs).selector == 0x10 && m.cpu.segment(.cs).attributes == 0xA09B)
        #expect(m.cpu.segment(.ss).selector == 0x18 && m.cpu.segment(.ss).attributes == 0xC093)
        #expect(m.cpu.gpr[Reg.rsp] == 0x7_0000 && m.cpu.rflags & Flag.if == 0)

        // SYSEXIT (REX.W) to 64-bit CPL 3 code: CPUID there exits unconditionally, so the run stops on it.
        m.cpu.gpr[Reg.rcx] = 0x6_0000
        m.cpu.gpr[Reg.rdx] = TestMachine.code + 3
        #expect(TestMachine.reason(m.run([0x48, 0x0F, 0x35, 0x0F, 0xA2])) == ExitReason.cpuid)
        #expect(m.cpu.segment(.cs).selector == 0x33 && m.cpu.segment(.cs).attributes == 0xA0FB && m.cpu.cpl == 3)
        #expect(m.cpu.segment(.ss).selector == 0x3B && m.cpu.gpr[Reg.rsp] == 0x6_0000)

        func faults(_ bytes: [UInt8], _ setup: (CPU) -> Void) -> Bool {
            let m = TestMachine()
            m.cpu.controls.exceptionBitmap = 1 << UInt32(Vector.gp)
            m.cpu.sysenterCS = 0x10
            setup(m.cpu)
            guard case .exit(let exit) = m.run(bytes) else { return false }
            return exit.reason == ExitReason.exceptionOrNMI && exit.interruptionInfo & 0xFF == UInt32(Vector.gp)
        }
        #expect(faults([0x0F, 0x34]) { $0.sysenterCS = 3 }, "SYSENTER with IA32_SYSENTER_CS[15:2] = 0")
        #expect(faults([0x48, 0x0F, 0x35]) { $0.sysenterCS = 0 }, "SYSEXIT with IA32_SYSENTER_CS[15:2] = 0")
        #expect(faults([0x48, 0x0F, 0x35]) { $0.gpr[Reg.rdx] = 1 << 47 }, "SYSEXIT to a non-canonical RIP")
        #expect(faults([0x48, 0x0F, 0x35]) { $0.gpr[Reg.rcx] = 1 << 60 }, "SYSEXIT with a non-canonical RSP")
        #expect(!faults([0x48, 0x0F, 0x35, 0x0F, 0xA2]) { $0.gpr[Reg.rdx] = TestMachine.code + 3 }, "SYSEXIT at CPL 0 to a canonical RIP")
    }

    @Test("A CR4 bit is writable exactly when CPUID enumerates it")
    func cr4FollowsCPUID() {
        let cpu = CPU(memory: PhysicalMemory(size: 1 << 20)!)
        let start = cpu.cr4
        for (bit, flag) in ProcessorFeatures.cr4Enumeration where bit & (CR4.la57 | CR4.pcide | CR4.pae) == 0 {
            cpu.cr4 = start
            var accepted = true
            do throws(Event) { try cpu.writeCR4(start | bit) } catch { accepted = false }
            #expect(accepted == (flag?.isImplemented ?? true), "CR4 bit \(bit.trailingZeroBitCount)")
        }
        // VME, PVI, MCE, UMIP, OSXSAVE and PKE are not enumerated: setting any is #GP.
        for bit in [0, 1, 6, 11, 18, 22] {
            cpu.cr4 = start
            var faulted = false
            do throws(Event) { try cpu.writeCR4(start | 1 << UInt64(bit)) } catch { faulted = true }
            #expect(faulted, "CR4 bit \(bit)")
        }
        #expect(CR4.supported & (CR4.la57 | CR4.pcide | CR4.pae) == CR4.la57 | CR4.pcide | CR4.pae)
    }

    @Test("DR4 and DR5 are DR6 and DR7 with CR4.DE clear, #UD with it set")
    func debugRegisterAliases() {
        let m = TestMachine()
        m.cpu.dr[7] = 0x455
        m.run([0x0F, 0x21, 0xE8])  // MOV RAX, DR5
        #expect(m.cpu.gpr[Reg.rax] == 0x455)
        #expect(Self.vector([0x0F, 0x21, 0xE0]) { $0.cpu.cr4 |= CR4.de } == Vector.ud)
    }

    @Test("CR4.TSD makes RDTSC #GP at CPL 3, before an RDTSC exit")
    func timeStampDisable() {
        let user: (TestMachine) -> Void = {
            $0.cpu.cr4 |= CR4.tsd
            $0.cpu.segments[SegmentRegister.cs.rawValue].attributes |= 3 << 5
            $0.cpu.controls.primary |= ExecutionControls.Primary.rdtscExiting
        }
        #expect(Self.vector([0x0F, 0x31], setup: user) == Vector.gp)
        let m = TestMachine()
        m.cpu.cr4 |= CR4.tsd
        m.cpu.controls.primary |= ExecutionControls.Primary.rdtscExiting
        #expect(TestMachine.reason(m.run([0x0F, 0x31])) == ExitReason.rdtsc, "CPL 0 reads it (here: exits)")
    }

    @Test("IA32_DEBUGCTL and IA32_MISC_ENABLE: their reset values, writable bits and #GP")
    func debugctlAndMiscEnable() {
        let cpu = CPU(memory: PhysicalMemory(size: 1 << 20)!)
        #expect(cpu.readMSR(MSR.debugctl) == 0)
        #expect(cpu.writeMSR(MSR.debugctl, 0x3) && cpu.readMSR(MSR.debugctl) == 0x3, "LBR and BTF")
        #expect(!cpu.writeMSR(MSR.debugctl, 1 << 2) && cpu.readMSR(MSR.debugctl) == 0x3, "bit 2 is reserved")
        #expect(!cpu.writeMSR(MSR.debugctl, 1 << 16))
        #expect(cpu.readMSR(MSR.miscEnable) == 0x1801)
        #expect(cpu.writeMSR(MSR.miscEnable, 0x1800), "fast strings may be turned off")
        #expect(!cpu.writeMSR(MSR.miscEnable, 0x1800 | 1 << 18), "MONITOR/MWAIT cannot be enabled")
        #expect(!cpu.writeMSR(MSR.miscEnable, 0x0001), "BTS/PEBS unavailable stay set")
        #expect(cpu.readMSR(MSR.miscEnable) == 0x1800)
        cpu.state = cpu.state
        #expect(cpu.readMSR(MSR.debugctl) == 0x3 && cpu.readMSR(MSR.miscEnable) == 0x1800, "kept in the saved state")
    }

    @Test("Addresses in MSRs are canonical in 57 bits; RIP and stack accesses follow CR4.LA57")
    func canonicalWidth() {
        let cpu = CPU(memory: PhysicalMemory(size: 1 << 20)!)
        for msr in [MSR.fsBase, MSR.gsBase, MSR.kernelGSBase, MSR.lstar, MSR.sysenterESP, MSR.sysenterEIP] {
            #expect(cpu.writeMSR(msr, 1 << 50), "MSR \(msr): canonical in 57 bits")
            #expect(cpu.writeMSR(msr, 0xFF00_0000_0000_0000), "MSR \(msr): sign-extended bit 56")
            #expect(!cpu.writeMSR(msr, 1 << 57), "MSR \(msr): not canonical")
        }
        #expect(ProcessorFeatures.isCanonical(0x0000_7FFF_FFFF_FFFF, bits: 48))
        #expect(!ProcessorFeatures.isCanonical(0x0000_8000_0000_0000, bits: 48))
        // A push to 1 << 50 is #SS under 4-level paging's 48 bits.
        #expect(Self.vector([0x50]) { $0.cpu.gpr[Reg.rsp] = 1 << 50 | 8 } == Vector.ss)
    }
}
