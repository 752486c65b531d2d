import NestErrors
import Machine
import Testing
import X86

/// Whole machines running small assembled guests: boot state, devices, interrupts, and how a machine ends.
@Suite struct MachineGuestTests {
    static func machine(_ source: String, memoryMiB: UInt64 = 32, exposed: Bool = false, processors: Int = 1) throws -> Machine {
        try Machine(
            MachineConfiguration(
                memoryBytes: memoryMiB << 20, processorCount: processors,
                exposeVirtualizationExtensions: exposed, image: try AssembledGuest.build(source)))
    }

    @Test("Boot state: RDI is the boot information, RSP the boot stack as if called, interrupts off, paging on, the boot GDT's selectors")
    func bootState() throws {
        let m = try Self.machine(
            """
            xor %eax, %eax
            cmp $0x1000, %rdi; jne 1f; or $1, %al
            1: cmp $0x9fff8, %rsp; jne 1f; or $2, %al
            1: pushfq; popq %rcx; test $0x200, %ecx; jnz 1f; or $4, %al
            1: mov %cr0, %rcx; bt $31, %rcx; jnc 1f; or $8, %al
            1: cmpl $0x4942564e, (%rdi); jne 1f; or $16, %al
            1: mov %cs, %cx; cmp $0x08, %cx; jne 1f; mov %ss, %cx; cmp $0x10, %cx; jne 1f; or $32, %al
            1: out %al, $0xf4
            """)
        #expect(m.runToEnd() == .stopped(.guestExit(63)))
    }

    @Test("A REP STOSQ over most of RAM hands control back within the caller's budget, and turns off at once")
    func longRepeatYields() throws {
        // rep stosq over 192 MiB from 16 MiB: 24 Mi iterations, far more than one step's page.
        let m = try Self.machine(
            "mov $0x1000000, %rdi; mov $0x1800000, %rcx; mov $0xAB, %eax; rep stosq; mov $5, %al; out %al, $0xf4",
            memoryMiB: 256)
        #expect(m.run(budget: 1_000) == .running, "the budget ends the run in the middle of the instruction")
        let done = m.memory.read(0x100_0000 + 990 * 4096, size: 8)
        #expect(done == 0xAB, "it made progress a page per step")
        m.turnOff()
        #expect(m.run(budget: 1_000) == .stopped(.turnedOff))
        // Run to its end, the fill is complete and the guest exits.
        let whole = try Self.machine(
            "mov $0x1000000, %rdi; mov $0x100000, %rcx; mov $0xAB, %eax; rep stosq; mov $5, %al; out %al, $0xf4",
            memoryMiB: 64)
        #expect(whole.runToEnd() == .stopped(.guestExit(5)))
        #expect(whole.memory.read(0x100_0000 + 0x80_0000 - 8, size: 8) == 0xAB && whole.memory.read(0x180_0000, size: 8) == 0)
    }

    @Test("Exit port: (v << 1) | 1; unclaimed ports read all ones; HLT with interrupts off powers off")
    func ports() throws {
        let exit = try Self.machine("mov $0x80, %dx; in %dx, %al; out %al, $0xf4")
        #expect(exit.runToEnd() == .stopped(.guestExit(0xFF)))
        #expect(MachineStop.guestExit(0xFF).exitStatus == 0xFF)
        #expect(MachineStop.guestExit(3).exitStatus == 7)
        let off = try Self.machine("cli; hlt")
        #expect(off.runToEnd() == .stopped(.poweredOff))
    }

    @Test("An exception with no IDT handler is a triple fault")
    func tripleFault() throws {
        let m = try Self.machine("ud2")
        #expect(m.runToEnd() == .stopped(.tripleFault(processor: 0)))
        #expect(MachineStop.tripleFault(processor: 0).exitStatus == ExitStatus.tripleFault.rawValue)
    }

    @Test("PIT channel 0 in mode 2 interrupts through the PIC every millisecond of machine time")
    func timerInterrupts() throws {
        let m = try Self.machine(AssembledGuest.tickerSource)
        #expect(m.runToEnd() == .stopped(.guestExit(5)))
        // 1193 input ticks at 1.193182 MHz is 999,848 ns; five of them, while the guest sat halted.
        #expect(m.now >= 5 * 999_848 && m.now < 5 * 999_848 + 1000)
        #expect(m.instructionsRetired < 1000)
        // The TSC counted the halted time too.
        #expect(m.processors[0].cpu.timeStampCounter >= 5 * 999_848)
    }

    @Test("While the boot processor is halted, time follows the processor that runs: its timer still fires")
    func timeFollowsRunningProcessor() throws {
        let m = try Self.machine(
            "mov 64(%rdi), %rbx\n" + AssembledGuest.installGate(vector: 0x20, handler: "tick") + "\n"
                + AssembledGuest.initializePIC(masterMask: 0xFE) + """

                    movq $0x300000, 32+16(%rbx)
                    lea spin(%rip), %rax
                    mov %rax, 32+8(%rbx)
                    mov $0x30, %al; out %al, $0x43
                    mov $0xa9, %al; out %al, $0x40
                    mov $0x04, %al; out %al, $0x40
                    sti
                    1: hlt
                    jmp 1b
                    spin: jmp spin
                    tick: mov $0x33, %al
                    out %al, $0xf4
                    """, processors: 2)
        #expect(m.runToEnd() == .stopped(.guestExit(0x33)))
        #expect(m.processors[1].cpu.instructionsRetired > 900_000)
    }

    @Test("COM1 receive interrupts: the guest waits halted until input arrives, then reads it in its IRQ 4 handler")
    func serialInput() throws {
        let m = try Self.machine(
            AssembledGuest.installGate(vector: 0x24, handler: "received") + "\n"
                + AssembledGuest.initializePIC(masterMask: 0xEF) + """

                    mov $0x3f9, %dx; mov $1, %al; out %al, %dx
                    mov $0x3fc, %dx; mov $8, %al; out %al, %dx
                    sti
                    1: hlt
                    jmp 1b
                    received: mov $0x3f8, %dx
                    in %dx, %al
                    out %al, $0xf4
                    """)
        #expect(m.runToEnd() == .waitingForInput)
        m.uart.receive(Array("x".utf8))
        #expect(m.runToEnd() == .stopped(.guestExit(0x78)))
    }

    @Test("Guest-physical addresses outside RAM are EPT violations that stop the machine with what and where")
    func outsideMemory() throws {
        // Map 3 GiB..4 GiB with a 1 GiB page in the boot PDPT (0x11000), then read from it.
        let m = try Self.machine(
            """
            mov $0xc0000083, %eax
            mov %rax, 0x11018
            mov %cr3, %rax; mov %rax, %cr3
            mov 0xc0000000, %rax
            """)
        guard case .stopped(.unsupported(let message)) = m.runToEnd() else { Issue.record("expected an unsupported stop"); return }
        #expect(message.contains("read from guest-physical 0xc0000000"))
        #expect(message.contains("outside the VM's 32 MiB"))
    }

    @Test("VMXON: a region without nestvm's revision is VMfailInvalid (CF = 1)")
    func vmxonWrongRevision() throws {
        let m = try Self.machine(
            """
            mov $0x3a, %ecx; mov $5, %eax; xor %edx, %edx; wrmsr
            mov %cr4, %rax; bts $13, %rax; mov %rax, %cr4
            movl $0x12345, 0x200000
            movq $0x200000, 0x201000
            vmxon 0x201000
            setc %al
            out %al, $0xf4
            """, exposed: true)
        #expect(m.runToEnd() == .stopped(.guestExit(1)))
    }

    @Test("VMXON before IA32_FEATURE_CONTROL is locked with VMX enabled is #GP (a triple fault with no IDT)")
    func vmxonUnlocked() throws {
        let m = try Self.machine(
            """
            mov %cr4, %rax; bts $13, %rax; mov %rax, %cr4
            movl $0x4e455354, 0x200000
            movq $0x200000, 0x201000
            vmxon 0x201000
            out %al, $0xf4
            """, exposed: true)
        #expect(m.runToEnd() == .stopped(.tripleFault(processor: 0)))
    }

    @Test("Images that cannot load: below 1 MiB, beyond memory, not ELF")
    func imageErrors() throws {
        let low = try AssembledGuest.build("hlt", textAddress: 0x8000)
        #expect(throws: MachineError.imageOutsideMemory(address: 0x8000, size: 1, memoryBytes: 32 << 20)) {
            try Machine(MachineConfiguration(memoryBytes: 32 << 20, image: low))
        }
        let high = try AssembledGuest.build("hlt", textAddress: 0x400_0000)
        #expect(throws: MachineError.imageOutsideMemory(address: 0x400_0000, size: 1, memoryBytes: 32 << 20)) {
            try Machine(MachineConfiguration(memoryBytes: 32 << 20, image: high))
        }
        #expect(throws: MachineError.badImage("it does not start with the ELF magic number")) {
            try Machine(MachineConfiguration(memoryBytes: 32 << 20, image: Array("#!/bin/sh\n".utf8)))
        }
        #expect(throws: MachineError.memorySize(33 << 20)) { try Machine(MachineConfiguration(memoryBytes: 33 << 20, image: high)) }
    }

    @Test("Secondary processors stay parked until their mailbox has an entry address; the start is deterministic")
    func secondaryStart() throws {
        // The boot processor starts processor 1 at `second` with a stack and its mailbox as the argument;
        // processor 1 finds its mailbox marked running (1) and exits with 0x29 + 1.
        let source = """
            mov 64(%rdi), %rbx
            movq $0x300000, 32+16(%rbx)
            lea 32(%rbx), %rax
            mov %rax, 32+24(%rbx)
            lea second(%rip), %rax
            mov %rax, 32+8(%rbx)
            1: pause
            jmp 1b
            second: cmp $0x300000, %rsp
            jne 2f
            movl 4(%rdi), %eax
            add $0x29, %eax
            out %al, $0xf4
            2: ud2
            """
        let m = try Self.machine(source, processors: 2)
        #expect(m.runToEnd() == .stopped(.guestExit(0x2A)))
        #expect(m.processors[1].isParked == false)
        let again = try Self.machine(source, processors: 2)
        _ = again.runToEnd()
        #expect(again.instructionsRetired == m.instructionsRetired)
    }

    /// MWAIT exits to the machine, which waits on the monitored line (X86 MonitoredLine): a secondary waiting there
    /// retires nothing until the boot processor's store to the line wakes it.
    @Test("A secondary waits in MWAIT, costing nothing, until a store to its monitored line wakes it")
    func monitorWait() throws {
        let source =
            AssembledGuest.startSecondary(at: "second") + """

                mov $200000, %ecx
                1: dec %ecx
                jnz 1b
                movl $1, flag(%rip)
                2: pause
                jmp 2b
                second: lea flag(%rip), %rax
                xor %ecx, %ecx
                xor %edx, %edx
                monitor
                cmpl $0, flag(%rip)
                jne 3f
                mwait
                3: cmpl $0, flag(%rip)
                je second
                mov $0x2A, %al
                out %al, $0xf4
                .data
                .balign 64
                flag: .long 0
                """
        let m = try Self.machine(source, processors: 2)
        #expect(m.run(budget: 100_000) == .running)
        #expect(m.processors[1].isHalted, "waiting in MWAIT")
        let waited = m.processors[1].cpu.instructionsRetired
        #expect(waited < 20)
        #expect(m.runToEnd() == .stopped(.guestExit(0x2A)))
        #expect(m.processors[1].cpu.instructionsRetired - waited < 20, "woken once, by the store")
    }

    @Test("A processor that exits often keeps its slice across the exits: it gets its share beside one that never exits")
    func slicesSpanExits() throws {
        let source =
            AssembledGuest.startSecondary(at: "second") + """

                1: inc %rcx
                jmp 1b
                second: out %al, $0x80
                jmp second
                """
        let m = try Self.machine(source, processors: 2)
        #expect(m.run(budget: 2_000_000) == .running)
        let exiting = m.processors[1].cpu.instructionsRetired
        #expect(exiting > m.instructionsRetired * 2 / 5, "\(exiting) of \(m.instructionsRetired)")
    }

    /// nestvm(7), "Devices": the console, then a virtio-net device per adapter on IRQ 11, each in the device table;
    /// the guest reads each adapter's MAC and link state from its configuration space.
    @Test("Network adapters are virtio-net devices after the console, in the device table, with their MAC and link")
    func networkAdapters() throws {
        let source = """
            mov 72(%rdi), %ebx
            mov $1, %al
            cmpl $3, 76(%rdi); jne 9f
            mov $2, %al
            cmpl $1, 32(%rbx); jne 9f
            cmpl $11, 36(%rbx); jne 9f
            mov 40(%rbx), %rsi
            mov 72(%rbx), %rdi
            mov $3, %al
            cmpl $0x74726976, (%rsi); jne 9f
            cmpl $1, 8(%rsi); jne 9f
            mov $4, %al
            cmpb $0x5D, 0x102(%rsi); jne 9f
            cmpb $0x07, 0x105(%rsi); jne 9f
            cmpw $1, 0x106(%rsi); jne 9f
            mov $5, %al
            cmpb $0x08, 0x105(%rdi); jne 9f
            cmpw $0, 0x106(%rdi); jne 9f
            mov $0x2A, %al
            9: out %al, $0xf4
            """
        var configuration = MachineConfiguration(memoryBytes: 32 << 20, image: try AssembledGuest.build(source))
        configuration.networkAdapters = [
            NetworkAdapterConfiguration(mac: [0x00, 0x15, 0x5D, 0, 0, 7], isConnected: true),
            NetworkAdapterConfiguration(mac: [0x00, 0x15, 0x5D, 0, 0, 8], isConnected: false),
        ]
        let m = try Machine(configuration)
        #expect(m.runToEnd() == .stopped(.guestExit(0x2A)))
        #expect(m.networkAdapters.map(\.isLinkUp) == [true, false])
        configuration.networkAdapters += Array(repeating: configuration.networkAdapters[0], count: 7)
        #expect(throws: MachineError.networkAdapters(9)) { try configuration.checkLimits() }
    }
}
