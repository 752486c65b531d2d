import Testing
@testable import X86

/// One test per exit control: the exit happens when the control is set and not when it is clear, with the right
/// reason, qualification, instruction length and instruction information (SDM vol. 3, "Instructions That Cause
/// VM Exits Conditionally" and "Exit Qualification …").
@Suite("Exit controls")
struct ExitControlTests {
    typealias Primary = ExecutionControls.Primary
    typealias Secondary = ExecutionControls.Secondary

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        var primary: UInt32 = 0
        var secondary: UInt32 = 0
        var reason: ExitReason
        var qualification: UInt64 = 0
        var testDescription: String { name }
    }

    static let conditional: [Case] = [
        Case(name: "HLT", bytes: [0x90, 0xF4], primary: Primary.hltExiting, reason: ExitReason.hlt),
        Case(
            name: "INVLPG [rax]", bytes: [0x0F, 0x01, 0x38], primary: Primary.invlpgExiting, reason: ExitReason.invlpg,
            qualification: 0x1234),
        Case(name: "RDTSC", bytes: [0x0F, 0x31], primary: Primary.rdtscExiting, reason: ExitReason.rdtsc),
        Case(
            name: "RDTSCP", bytes: [0x0F, 0x01, 0xF9], primary: Primary.rdtscExiting, secondary: Secondary.enableRDTSCP,
            reason: ExitReason.rdtscp),
        Case(
            name: "MOV CR3, rax (load)", bytes: [0x0F, 0x22, 0xD8], primary: Primary.cr3LoadExiting, reason: ExitReason.crAccess,
            qualification: 3),
        Case(
            name: "MOV rcx, CR3 (store)", bytes: [0x0F, 0x20, 0xD9], primary: Primary.cr3StoreExiting, reason: ExitReason.crAccess,
            qualification: 3 | 1 << 4 | 1 << 8),
        Case(
            name: "MOV CR8, rcx", bytes: [0x44, 0x0F, 0x22, 0xC1], primary: Primary.cr8LoadExiting, reason: ExitReason.crAccess,
            qualification: 8 | 1 << 8),
        Case(
            name: "MOV rax, CR8", bytes: [0x44, 0x0F, 0x20, 0xC0], primary: Primary.cr8StoreExiting, reason: ExitReason.crAccess,
            qualification: 8 | 1 << 4),
        Case(
            name: "MOV DR7, rax", bytes: [0x0F, 0x23, 0xF8], primary: Primary.movDRExiting, reason: ExitReason.drAccess, qualification: 7),
        Case(
            name: "MOV rdx, DR6", bytes: [0x0F, 0x21, 0xF2], primary: Primary.movDRExiting, reason: ExitReason.drAccess,
            qualification: 6 | 1 << 4 | 2 << 8),
        Case(name: "PAUSE", bytes: [0xF3, 0x90], primary: Primary.pauseExiting, reason: ExitReason.pause),
        Case(
            name: "OUT 0x80, al (unconditional I/O)", bytes: [0xE6, 0x80], primary: Primary.unconditionalIOExiting,
            reason: ExitReason.ioInstruction, qualification: 0x80 << 16 | 1 << 6),
        Case(
            name: "IN eax, dx (unconditional I/O)", bytes: [0xED], primary: Primary.unconditionalIOExiting,
            reason: ExitReason.ioInstruction, qualification: 0x3F8 << 16 | 1 << 3 | 3),
        Case(
            name: "REP OUTSB", bytes: [0xF3, 0x6E], primary: Primary.unconditionalIOExiting, reason: ExitReason.ioInstruction,
            qualification: 0x3F8 << 16 | 1 << 4 | 1 << 5),
        Case(name: "WBINVD", bytes: [0x0F, 0x09], secondary: Secondary.wbinvdExiting, reason: ExitReason.wbinvd),
        Case(name: "RDRAND", bytes: [0x48, 0x0F, 0xC7, 0xF0], secondary: Secondary.rdrandExiting, reason: ExitReason.rdrand),
        Case(name: "LGDT", bytes: [0x0F, 0x01, 0x10], secondary: Secondary.descriptorTableExiting, reason: ExitReason.gdtrIDTRAccess),
        Case(name: "SLDT", bytes: [0x0F, 0x00, 0xC0], secondary: Secondary.descriptorTableExiting, reason: ExitReason.ldtrTRAccess),
    ]

    static func prepare(_ m: TestMachine, primary: UInt32, secondary: UInt32) {
        m.cpu.controls.primary = primary | (secondary != 0 ? Primary.activateSecondary : 0) | Primary.hltExiting
        m.cpu.controls.secondary = secondary
        m.cpu.gpr[Reg.rax] = 0x1234
        m.cpu.gpr[Reg.rdx] = 0x3F8
        m.cpu.gpr[Reg.rsi] = 0x10000
        m.cpu.gpr[Reg.rcx] = 1
    }

    @Test("Exits with the control set", arguments: conditional)
    func exits(_ c: Case) {
        let m = TestMachine()
        Self.prepare(m, primary: c.primary, secondary: c.secondary)
        guard case .exit(let exit) = m.run(c.bytes) else { Issue.record("no exit"); return }
        let offset: UInt32 = c.name == "HLT" ? 1 : 0
        #expect(exit.reason == c.reason)
        #expect(exit.qualification == c.qualification)
        #expect(exit.instructionLength == UInt32(c.bytes.count) - offset)
        #expect(m.cpu.rip == TestMachine.code + UInt64(offset), "RIP stays at the exiting instruction")
    }

    @Test("Does not exit with the control clear", arguments: conditional.filter { $0.name != "HLT" })
    func noExit(_ c: Case) {
        let m = TestMachine()
        Self.prepare(m, primary: 0, secondary: c.secondary & Secondary.enableRDTSCP)
        m.cpu.rflags = 3 << 12  // IOPL 3: I/O is allowed without exiting
        let outcome = m.run(c.bytes)
        #expect(TestMachine.reason(outcome) == ExitReason.hlt, "\(outcome)")
    }

    static let monitor: [UInt8] = [0x0F, 0x01, 0xC8], mwait: [UInt8] = [0x0F, 0x01, 0xC9]

    /// Their exits come before the checks of ECX, which would be #GP(0) here (SDM vol. 3, "Relative Priority of
    /// Faults and VM Exits"); MWAIT's qualification says whether the monitor was armed.
    @Test("MONITOR and MWAIT exit with their controls, before their operand checks")
    func monitorAndMWAITExits() {
        let m = TestMachine()
        Self.prepare(m, primary: Primary.monitorExiting, secondary: 0)
        guard case .exit(let monitor) = m.run(Self.monitor) else { Issue.record("no exit"); return }
        #expect(monitor.reason == ExitReason.monitor && monitor.instructionLength == 3)
        #expect(m.cpu.monitor == nil, "the exit replaces the instruction")
        Self.prepare(m, primary: Primary.mwaitExiting, secondary: 0)
        guard case .exit(let unarmed) = m.run(Self.mwait) else { Issue.record("no exit"); return }
        #expect(unarmed.reason == ExitReason.mwait && unarmed.qualification == 0 && unarmed.instructionLength == 3)
        m.cpu.gpr[Reg.rcx] = 0
        m.cpu.gpr[Reg.rax] = 0x2345
        m.memory.write(0x2340, size: 8, 7)
        guard case .exit(let armed) = m.run(Self.monitor + Self.mwait) else { Issue.record("no exit"); return }
        #expect(armed.reason == ExitReason.mwait && armed.qualification == 1)
        #expect(m.cpu.monitor?.address == 0x2340, "the 64-byte line holding RAX")
        #expect(m.cpu.monitor?.hasChanged(in: m.memory) == false)
        m.memory.write(0x237F, size: 1, 1)
        #expect(m.cpu.monitor?.hasChanged(in: m.memory) == true, "a store to the line's last byte")
    }

    /// SDM vol. 2, "MONITOR—Set Up Monitor Address" and "MWAIT—Monitor Wait": ring 0 only, and no extension in
    /// ECX is offered (CPUID.5:ECX bit 1 clear).
    @Test("MONITOR and MWAIT: #UD outside ring 0, #GP(0) for ECX extensions; MWAIT without exiting wakes at once")
    func monitorAndMWAITFaults() {
        for bytes in [Self.monitor, Self.mwait] {
            for (ring3, ecx, vector) in [(true, UInt64(0), Vector.ud), (false, 1, Vector.gp)] {
                let m = TestMachine()
                Self.prepare(m, primary: 0, secondary: 0)
                m.cpu.gpr[Reg.rcx] = ecx
                if ring3 { m.cpu.segments[SegmentRegister.cs.rawValue].attributes |= 3 << 5 }
                m.cpu.controls.exceptionBitmap = 1 << UInt32(vector)
                guard case .exit(let exit) = m.run(bytes) else { Issue.record("no exit"); continue }
                #expect(exit.reason == ExitReason.exceptionOrNMI && exit.interruptionInfo & 0xFF == UInt32(vector))
            }
        }
        let m = TestMachine()
        m.cpu.gpr[Reg.rcx] = 0
        #expect(TestMachine.reason(m.run(Self.monitor + Self.mwait)) == ExitReason.hlt, "MWAIT went on to the HLT")
        #expect(m.cpu.monitor == nil, "and disarmed the monitor")
    }

    @Test(
        "Instructions that always exit",
        arguments: [
            ([UInt8]([0x0F, 0xA2]), ExitReason.cpuid), ([0x0F, 0x08], ExitReason.invd),
            ([0x0F, 0x01, 0xC1], ExitReason.vmcall), ([0x0F, 0x01, 0xC2], ExitReason.vmlaunch), ([0x0F, 0x01, 0xC3], ExitReason.vmresume),
            ([0x0F, 0x01, 0xC4], ExitReason.vmxoff), ([0xF3, 0x0F, 0xC7, 0x30], ExitReason.vmxon),
            ([0x66, 0x0F, 0xC7, 0x30], ExitReason.vmclear),
            ([0x0F, 0xC7, 0x30], ExitReason.vmptrld), ([0x0F, 0xC7, 0x38], ExitReason.vmptrst), ([0x0F, 0x78, 0xD8], ExitReason.vmread),
            ([0x0F, 0x79, 0xD8], ExitReason.vmwrite), ([0x66, 0x0F, 0x38, 0x80, 0x03], ExitReason.invept),
            ([0x66, 0x0F, 0x38, 0x81, 0x03], ExitReason.invvpid),
            ([0x0F, 0x01, 0xD4], ExitReason.vmfunc),
        ])
    func always(bytes: [UInt8], reason: ExitReason) {
        let m = TestMachine()
        m.cpu.cr4 |= CR4.vmxe
        guard case .exit(let exit) = m.run(bytes) else { Issue.record("no exit"); return }
        #expect(exit.reason == reason)
        #expect(exit.instructionLength == UInt32(bytes.count))
    }

    @Test("VMXON without CR4.VMXE is #UD, not an exit")
    func vmxonWithoutVMXE() {
        let m = TestMachine()
        m.cpu.controls.exceptionBitmap = 1 << UInt32(Vector.ud)
        guard case .exit(let exit) = m.run([0xF3, 0x0F, 0xC7, 0x30]) else { Issue.record("no exit"); return }
        #expect(exit.reason == ExitReason.exceptionOrNMI && exit.interruptionInfo & 0xFF == UInt32(Vector.ud))
    }

    @Test("VM-exit instruction information of VMREAD/VMWRITE and VMPTRLD operands")
    func instructionInformation() {
        let m = TestMachine()
        m.cpu.cr4 |= CR4.vmxe
        // vmwrite rbx, [rdi + rcx*8 + 0x10]   → 0F 79 5C CF 10
        guard case .exit(let exit) = m.run([0x0F, 0x79, 0x5C, 0xCF, 0x10]) else { Issue.record("no exit"); return }
        #expect(exit.qualification == 0x10)
        // scale 3, address size 64 (2 << 7), memory, segment DS (3 << 15), index rcx (1 << 18), base rdi (7 << 23), reg rbx (3 << 28)
        #expect(exit.instructionInfo == 3 | 2 << 7 | 3 << 15 | 1 << 18 | 7 << 23 | 3 << 28)
        guard case .exit(let register) = m.run([0x0F, 0x78, 0xD8]) else { Issue.record("no exit"); return }  // vmread rax, rbx
        #expect(register.instructionInfo == 2 << 7 | 1 << 10 | 0 << 3 | 3 << 28)
    }

    @Test("I/O bitmaps choose per port, and accesses that straddle a set bit exit")
    func ioBitmaps() {
        let m = TestMachine()
        m.cpu.controls.primary = Primary.useIOBitmaps | Primary.hltExiting
        m.cpu.controls.ioBitmapA = HostPhysicalAddress(0x40000)
        m.cpu.controls.ioBitmapB = HostPhysicalAddress(0x41000)
        m.memory.write(0x40000 + 0x3F9 / 8, size: 1, 1 << (0x3F9 % 8))  // port 0x3F9
        m.memory.write(0x41000 + 0x10 / 8, size: 1, 1)  // port 0x8010
        m.cpu.rflags = 3 << 12
        m.cpu.gpr[Reg.rdx] = 0x3F8
        #expect(TestMachine.reason(m.run([0xEC])) == ExitReason.hlt, "in al, dx at 0x3F8: bit clear")
        #expect(TestMachine.reason(m.run([0x66, 0xED])) == ExitReason.ioInstruction, "in ax, dx covers 0x3F9")
        m.cpu.gpr[Reg.rdx] = 0x8010
        #expect(TestMachine.reason(m.run([0xEE])) == ExitReason.ioInstruction, "bitmap B")
    }

    @Test("MSR bitmaps: a clear bit lets RDMSR through; no bitmaps means every RDMSR/WRMSR exits")
    func msrBitmaps() {
        let m = TestMachine()
        m.cpu.gpr[Reg.rcx] = UInt64(MSR.lstar)
        m.cpu.lstar = 0xFFFF_8000_0000_1000
        #expect(TestMachine.reason(m.run([0x0F, 0x32])) == ExitReason.rdmsr)
        m.cpu.controls.primary |= Primary.useMSRBitmaps
        m.cpu.controls.msrBitmap = HostPhysicalAddress(0x42000)
        #expect(TestMachine.reason(m.run([0x0F, 0x32])) == ExitReason.hlt)
        #expect(m.cpu.gpr[Reg.rax] == 0x1000 && m.cpu.gpr[Reg.rdx] == 0xFFFF_8000)
        m.memory.write(0x42000 + 2048 + 1024 + 0x82 / 8, size: 1, 1 << (0x82 % 8))  // write-high bitmap, LSTAR
        #expect(TestMachine.reason(m.run([0x0F, 0x30])) == ExitReason.wrmsr)
        m.cpu.gpr[Reg.rcx] = 0x4000_0000  // outside both ranges: always exits
        #expect(TestMachine.reason(m.run([0x0F, 0x32])) == ExitReason.rdmsr)
    }

    @Test("CR0/CR4 guest/host masks: owned bits read from the shadow and exit only when written differently")
    func crMasks() {
        let m = TestMachine()
        m.cpu.controls.cr4GuestHostMask = CR4.vmxe
        m.cpu.controls.cr4ReadShadow = 0
        m.cpu.cr4 |= CR4.vmxe
        m.run([0x0F, 0x20, 0xE0])  // mov rax, cr4
        #expect(m.cpu.gpr[Reg.rax] & CR4.vmxe == 0, "reads see the shadow")
        m.cpu.gpr[Reg.rax] = m.cpu.cr4 & ~CR4.vmxe
        #expect(TestMachine.reason(m.run([0x0F, 0x22, 0xE0])) == ExitReason.hlt, "writing the shadow's value does not exit")
        m.cpu.gpr[Reg.rax] = m.cpu.cr4 | CR4.vmxe
        guard case .exit(let exit) = m.run([0x0F, 0x22, 0xE0]) else { Issue.record("no exit"); return }
        #expect(exit.reason == ExitReason.crAccess && exit.qualification == 4)
        m.cpu.controls.cr0GuestHostMask = CR0.ts
        m.cpu.controls.cr0ReadShadow = CR0.ts
        guard case .exit(let clts) = m.run([0x0F, 0x06]) else { Issue.record("no exit"); return }
        #expect(clts.qualification == 2 << 4, "CLTS")
    }

    @Test("The exception bitmap, and the page-fault error-code mask and match")
    func exceptionBitmap() {
        let m = TestMachine()
        m.installIDT()
        m.memory.write(0x2000, size: 1, 0xF4)
        #expect(TestMachine.reason(m.run([0x0F, 0x0B])) == ExitReason.hlt, "#UD is delivered")
        m.cpu.controls.exceptionBitmap = 1 << UInt32(Vector.ud)
        #expect(TestMachine.reason(m.run([0x0F, 0x0B])) == ExitReason.exceptionOrNMI)
        var tables = PageTables(m)
        for page in stride(from: UInt64(0), to: 0x90000, by: 0x1000) { tables.map(page, to: page, flags: 3) }
        m.cpu.gpr[Reg.rsi] = 0x4000_0000
        m.cpu.controls.exceptionBitmap = 1 << UInt32(Vector.pf)
        m.cpu.controls.pageFaultErrorCodeMask = 2
        m.cpu.controls.pageFaultErrorCodeMatch = 2  // only write faults exit
        #expect(TestMachine.reason(m.run([0x48, 0x89, 0x06])) == ExitReason.exceptionOrNMI)
        #expect(TestMachine.reason(m.run([0x48, 0x8B, 0x06])) == ExitReason.hlt, "a read fault is delivered")
        #expect(m.cpu.cr2 == 0x4000_0000, "a delivered #PF writes CR2")
    }

    @Test("Interrupt window, external-interrupt exiting, and delivery when IF opens after STI's shadow")
    func interrupts() {
        let m = TestMachine()
        m.installIDT()
        m.memory.write(0x2000, size: 1, 0xF4)
        m.cpu.controls.primary |= Primary.interruptWindowExiting
        m.cpu.rflags = 0
        // sti; nop: the window opens after the instruction following STI.
        guard case .exit(let exit) = m.run([0xFB, 0x90, 0x90]) else { Issue.record("no exit"); return }
        #expect(exit.reason == ExitReason.interruptWindow)
        #expect(m.cpu.rip == TestMachine.code + 2, "after STI and the instruction in its shadow")
        m.cpu.controls.primary &= ~Primary.interruptWindowExiting
        m.cpu.pendingExternalInterrupt = 0x30
        m.cpu.controls.pinBased = ExecutionControls.PinBased.externalInterruptExiting
        guard case .exit(let external) = m.run([0x90]) else { Issue.record("no exit"); return }
        #expect(external.reason == ExitReason.externalInterrupt && external.interruptionInfo == 0x8000_0030)
        m.cpu.controls.pinBased = 0
        m.cpu.pendingExternalInterrupt = 0x30
        m.cpu.rflags = Flag.if
        m.run([0x90, 0x90])
        #expect(m.cpu.rip == 0x2000, "delivered through the IDT")
    }

    @Test("An interrupt held back by IF waits while a block runs and is delivered right after the POPF that sets IF")
    func interruptAfterPOPF() {
        let m = TestMachine()
        m.installIDT(handler: 0x2000)
        m.memory.load([0xF4], at: 0x2000)  // the handler: HLT, an exit
        m.cpu.rflags = Flag.reserved1
        m.cpu.pendingExternalInterrupt = 0x30
        // mov eax, 1; mov eax, 2; push 0x202; popfq; nop; nop
        let code: [UInt8] = [0xB8, 1, 0, 0, 0, 0xB8, 2, 0, 0, 0, 0x68, 0x02, 0x02, 0, 0, 0x9D, 0x90, 0x90]
        #expect(TestMachine.reason(m.run(code)) == .hlt)
        #expect(m.cpu.rip == 0x2000 && m.cpu.gpr[Reg.rax] == 2, "delivered through the IDT after the MOVs")
        #expect(m.memory.read(m.cpu.gpr[Reg.rsp], size: 8) == TestMachine.code + 16, "returning to the NOP after POPF")
        #expect(m.cpu.instructionsRetired == 4, "two MOVs, PUSH and POPF retired; the interrupt came before the NOP")
    }

    @Test("The preemption timer counts retired instructions deterministically")
    func preemptionTimer() {
        let m = TestMachine()
        m.cpu.controls.pinBased = ExecutionControls.PinBased.activatePreemptionTimer
        m.cpu.controls.preemptionTimerValue = 5
        // An endless loop: jmp $
        guard case .exit(let exit) = m.run([0xEB, 0xFE]) else { Issue.record("no exit"); return }
        #expect(exit.reason == ExitReason.preemptionTimer)
        #expect(m.cpu.instructionsRetired == 5)
    }

    /// A platform that runs its processors in short slices (several processors at L0) must not restart the timer.
    @Test("The preemption timer counts down across runs that a caller's budget cuts short")
    func preemptionTimerAcrossRuns() {
        let m = TestMachine()
        m.cpu.controls.pinBased = ExecutionControls.PinBased.activatePreemptionTimer
        m.cpu.controls.preemptionTimerValue = 1000
        m.memory.load([0xEB, 0xFE], at: TestMachine.code)
        m.cpu.rip = TestMachine.code
        for _ in 0..<3 { #expect(m.cpu.run(maxInstructions: 300) == .instructionLimit) }
        #expect(m.cpu.controls.preemptionTimerValue == 100)
        #expect(TestMachine.reason(m.cpu.run(maxInstructions: 300)) == ExitReason.preemptionTimer)
        #expect(m.cpu.instructionsRetired == 1000)
    }

    @Test("Event injection at entry delivers through the IDT; RDTSC counts retired instructions with the offset")
    func injectionAndTime() {
        let m = TestMachine()
        m.installIDT()
        m.memory.write(0x2000, size: 1, 0xF4)
        m.cpu.pendingInjection = InjectedEvent(vector: Vector.gp, kind: .hardwareException, errorCode: 0x18)
        m.run([0x90])
        #expect(m.cpu.rip == 0x2000 && m.memory.read(m.cpu.gpr[Reg.rsp], size: 8) == 0x18)
        let t = TestMachine()
        t.cpu.controls.primary |= Primary.useTSCOffsetting
        t.cpu.controls.tscOffset = 1000
        t.run([0x90, 0x90, 0x0F, 0x31])
        #expect(t.cpu.gpr[Reg.rax] == 1002)
    }
}

@Suite("Exits handled in place")
struct InlineExitTests {
    @Test("An exit the handler completes does not end run: CPUID answered in place, then HLT exits")
    func handledInPlace() {
        let m = TestMachine()
        var seen: [ExitReason] = []
        m.cpu.inlineExitHandler = { [unowned cpu = m.cpu] exit in
            seen.append(exit.reason)
            guard exit.reason == ExitReason.cpuid else { return false }
            cpu.gpr[Reg.rax] = 0x1234
            cpu.rip &+= UInt64(exit.instructionLength)
            return true
        }
        // CPUID; INC RAX; then HLT.
        #expect(TestMachine.reason(m.run([0x0F, 0xA2, 0x48, 0xFF, 0xC0])) == ExitReason.hlt)
        #expect(m.cpu.gpr[Reg.rax] == 0x1235 && seen == [ExitReason.cpuid, ExitReason.hlt])
        #expect(m.cpu.instructionsRetired == 1, "the exited CPUID retires nothing, as when the caller completes it")
    }

    @Test("An event the handler leaves pending is delivered before the next instruction, as injection is")
    func pendingEventDelivered() {
        let m = TestMachine()
        m.installIDT(handler: 0x2000)
        m.memory.load([0xF4], at: 0x2000)
        m.cpu.inlineExitHandler = { [unowned cpu = m.cpu] exit in
            guard exit.reason == ExitReason.cpuid else { return false }
            cpu.pendingInjection = InjectedEvent(vector: Vector.gp, kind: .hardwareException, errorCode: 0x18)
            return true
        }
        #expect(TestMachine.reason(m.run([0x0F, 0xA2])) == ExitReason.hlt)
        #expect(m.cpu.rip == 0x2000, "in the #GP handler")
        let rsp = m.cpu.gpr[Reg.rsp]
        #expect(m.memory.read(rsp, size: 8) == 0x18, "the error code")
        #expect(m.memory.read(rsp + 8, size: 8) == TestMachine.code, "then the faulting RIP")
    }

    @Test("A handler that completes every exit without progress still returns within the budget")
    func bounded() {
        let m = TestMachine()
        m.cpu.inlineExitHandler = { exit in exit.reason == ExitReason.cpuid }  // never advances RIP
        #expect(m.run([0x0F, 0xA2], limit: 1000) == .instructionLimit)
    }
}
