import Foundation
import Machine
import Testing

/// minivisor, the shipped L1 hypervisor, running nestvm images as nested VMs (L2) on the nested engine: each
/// prints what it prints as an L1 of the same memory, each ends alone, and their devices are the shared models.
@Suite("minivisor")
struct MinivisorTests {
    /// Runs minivisor in a 128 MiB L1 with VMX exposed and `modules` (name, ELF) as its nested VMs.
    static func run(
        _ modules: [(String, [UInt8])], commandLine: String = "exit-when-idle memory=32", exposed: Bool = true, processors: Int = 1
    ) throws -> (output: String, status: Machine.Status) {
        try ShippedGuests.run(configuration(modules, commandLine: commandLine, exposed: exposed, processors: processors))
    }

    static func configuration(
        _ modules: [(String, [UInt8])], commandLine: String = "exit-when-idle memory=32", exposed: Bool = true, processors: Int = 1
    ) throws -> MachineConfiguration {
        MachineConfiguration(
            memoryBytes: 128 << 20, processorCount: processors, exposeVirtualizationExtensions: exposed,
            image: try ShippedGuests.bytes("minivisor"), commandLine: commandLine,
            modules: modules.map { BootModule(name: $0.0, bytes: $0.1) })
    }

    /// The lines of `output` a nested VM wrote, its `[NAME] ` prefix taken off.
    static func console(of name: String, in output: String) -> [String] {
        let prefix = "[\(name)] "
        return output.split(separator: "\n", omittingEmptySubsequences: false).filter { $0.hasPrefix(prefix) }.map {
            String($0.dropFirst(prefix.count))
        }
    }

    /// What `image` prints as an L1 of 32 MiB without VMX, line by line.
    static func asL1(_ image: [UInt8]) throws -> [String] {
        let run = try ShippedGuests.run(MachineConfiguration(memoryBytes: 32 << 20, image: image))
        return run.output.split(separator: "\n").map(String.init)
    }

    @Test("hello as a nested VM prints, byte for byte, what it prints as an L1 of the same memory without VMX")
    func helloAsL2() throws {
        let hello = try ShippedGuests.bytes("hello")
        let run = try Self.run([("nested1", hello)])
        #expect(Self.console(of: "nested1", in: run.output) == (try Self.asL1(hello)))
        #expect(run.output.contains("minivisor: nested1 ended: status 3, the guest wrote 1 to the exit port;"))
        #expect(run.output.hasSuffix("minivisor: no nested VM runs; ending (exit-when-idle)\n"))
        #expect(run.status == .stopped(.guestExit(0)))
    }

    @Test("Two nested VMs at once: bench computes what it computes as an L1 while hello runs beside it")
    func twoAtOnce() throws {
        let bench = try ShippedGuests.bytes("bench")
        let run = try Self.run([("nested1", try ShippedGuests.bytes("hello")), ("nested2", bench)])
        // The last line counts TSC ticks, which depend on what else ran; the results do not.
        let nested = Self.console(of: "nested2", in: run.output), alone = try Self.asL1(bench)
        #expect(nested.count == alone.count && nested.dropLast() == alone.dropLast())
        #expect(nested.last?.hasPrefix("rounds 40, ") == true)
        #expect(Self.console(of: "nested1", in: run.output).first == "hello from a nestvm guest")
        #expect(run.output.contains("minivisor: nested2 ended: status 1, the guest wrote 0 to the exit port;"))
        #expect(run.output.contains("minivisor: nested1 ended: status 3,"))
    }

    @Test("A nested VM that triple-faults, one that leaves its memory and a bad image end alone; the others go on")
    func failuresEndOneVM() throws {
        let run = try Self.run([
            ("crash", try AssembledGuest.build("ud2")),
            // Its own page tables map the 2 MiB past its memory; EPT does not.
            ("stray", try AssembledGuest.build("movq $0x2000083, 0x12080; movb $1, 0x2000000")),
            ("junk", Array("not an ELF file".utf8)),
            ("nested2", try ShippedGuests.bytes("bench")),
        ])
        #expect(run.output.contains("minivisor: crash ended: status 98, triple fault on processor 0;"))
        #expect(
            run.output.contains(
                "minivisor: stray ended: status 70, an access to guest-physical 0x2000000 at RIP 0x10000c, outside its 32 MiB"))
        #expect(
            run.output.contains(
                "minivisor: junk cannot start: its image is not a bootable ELF64 file: it does not start with the ELF magic number"))
        #expect(run.output.contains("minivisor: nested2 ended: status 1, the guest wrote 0 to the exit port;"))
        #expect(Self.console(of: "nested2", in: run.output).first == "sorted bd2e3f9b60a8699d")
    }

    @Test("A nested VM's timer interrupts: the PIT through the PIC, delivered while it sits halted, time skipped")
    func timerInterrupts() throws {
        let ticker = try AssembledGuest.ticker()
        let run = try Self.run([("ticker", ticker)])
        #expect(run.output.contains("minivisor: ticker ended: status 11, the guest wrote 5 to the exit port;"))
    }

    @Test("A nested VM gets #GP for VMX and the MSRs it does not own, #UD for VMCALL; HLT with interrupts off ends it")
    func hostileInstructions() throws {
        // Each probe installs #GP (13) and #UD (6) handlers that count in %r12 and skip the faulting instruction
        // by its length in %r13.
        let probes = try AssembledGuest.build(
            AssembledGuest.installGate(vector: 13, handler: "fault_gp") + "\n" + AssembledGuest.installGate(vector: 6, handler: "fault_ud")
                + """

                xor %r12d, %r12d
                mov $0x3a, %ecx; mov $5, %eax; xor %edx, %edx; mov $2, %r13; wrmsr
                mov $0x480, %ecx; mov $2, %r13; rdmsr
                mov $0x1b, %ecx; mov $0, %eax; mov $2, %r13; wrmsr
                mov %cr4, %rax; bts $13, %rax; mov $3, %r13; mov %rax, %cr4
                mov $3, %r13; vmcall
                mov $0x3a, %ecx; rdmsr
                shl $8, %r12; or %eax, %r12d
                mov %r12, %rax
                out %eax, $0xf4
                fault_gp: add $8, %rsp
                fault_ud: add %r13, (%rsp)
                add $1, %r12
                iretq
                """)
        let run = try Self.run([("probes", probes), ("off", try AssembledGuest.build("cli; hlt"))])
        // Five faults, then IA32_FEATURE_CONTROL reads 1 (locked, VMX off): 0x501.
        #expect(run.output.contains("minivisor: probes ended: status 3, the guest wrote 1281 to the exit port;"))
        #expect(run.output.contains("minivisor: off ended: status 0, the guest halted with interrupts disabled;"))
    }

    @Test("Without ExposeVirtualizationExtensions minivisor says why no nested VM starts and what to do")
    func withoutVMX() throws {
        let run = try Self.run([("nested1", try ShippedGuests.bytes("hello"))], exposed: false)
        #expect(run.output.contains("minivisor: this processor does not offer VMX, so no nested VM can start"))
        #expect(run.output.contains("vmproc set NAME --expose-virtualization-extensions true"))
        #expect(run.status == .stopped(.guestExit(2)))
    }

    @Test("The words after -- are every nested VM's command line; minivisor's own words stay minivisor's")
    func commandLinePassing() throws {
        let hello = try ShippedGuests.bytes("hello")
        let run = try Self.run(
            [("nested1", hello), ("nested2", try ShippedGuests.bytes("bench"))],
            commandLine: "exit-when-idle memory=32 rounds=9 -- rounds=3 memory=7")
        let nested1 = Self.console(of: "nested1", in: run.output)
        #expect(nested1.contains("command line: \"rounds=3 memory=7\""))
        #expect(nested1.contains("memory: 32 MiB"))
        #expect(Self.console(of: "nested2", in: run.output).last?.hasPrefix("rounds 3, ") == true)
        let none = try Self.run([("nested1", hello)], commandLine: "exit-when-idle memory=32 --")
        #expect(Self.console(of: "nested1", in: none.output).contains("command line: \"\""))
    }

    @Test("A nested VM's memory that does not fit is refused with what to change; one that fits starts")
    func memoryThatDoesNotFit() throws {
        let hello = try ShippedGuests.bytes("hello")
        let run = try Self.run([("big", hello)], commandLine: "exit-when-idle memory=1024")
        #expect(run.output.contains("minivisor: big cannot start: not enough free memory in this VM for its 1024 MiB"))
        let bad = try Self.run([("nested1", hello)], commandLine: "exit-when-idle memory=1")
        #expect(bad.output.contains("minivisor: memory=1: a nested VM's memory is 2 to 1024 MiB"))
    }

    @Test("On two processors: hello and bench run at once, one on each, printing what they print as L1; runs are reproducible")
    func twoProcessors() throws {
        let hello = try ShippedGuests.bytes("hello"), bench = try ShippedGuests.bytes("bench")
        let run = try Self.run([("nested1", hello), ("nested2", bench)], processors: 2)
        #expect(run.output.contains("minivisor: nested VMs run on 2 of 2 processors\n"))
        #expect(run.output.contains("minivisor: nested1: 32 MiB, starting on processor 0\n"))
        #expect(run.output.contains("minivisor: nested2: 32 MiB, starting on processor 1\n"))
        #expect(Self.console(of: "nested1", in: run.output) == (try Self.asL1(hello)), "one processor, whichever runs it")
        let nested = Self.console(of: "nested2", in: run.output), alone = try Self.asL1(bench)
        #expect(nested.count == alone.count && nested.dropLast() == alone.dropLast())
        #expect(run.output.hasSuffix("minivisor: no nested VM runs; ending (exit-when-idle)\n"))
        #expect(run.status == .stopped(.guestExit(0)))
        #expect((try Self.run([("nested1", hello), ("nested2", bench)], processors: 2)).output == run.output)
    }

    /// Processor 1 has its own clock (time skipped while its VMs wait for a timer) and handles its own VMs' exits.
    @Test("On two processors, a triple fault on processor 1 ends that VM alone, and a VM there gets its timer interrupts")
    func secondProcessorFailures() throws {
        let ticker = try AssembledGuest.ticker()
        let run = try Self.run(
            [
                ("nested1", try ShippedGuests.bytes("bench")), ("crash", try AssembledGuest.build("ud2")),
                ("nested2", try ShippedGuests.bytes("hello")), ("ticker", ticker),
            ], commandLine: "exit-when-idle memory=16", processors: 2)
        #expect(run.output.contains("minivisor: crash: 16 MiB, starting on processor 1\n"))
        #expect(run.output.contains("minivisor: ticker: 16 MiB, starting on processor 1\n"))
        #expect(run.output.contains("minivisor: crash ended: status 98, triple fault on processor 0;"))
        #expect(run.output.contains("minivisor: ticker ended: status 11, the guest wrote 5 to the exit port;"))
        #expect(run.output.contains("minivisor: nested1 ended: status 1, the guest wrote 0 to the exit port;"))
        #expect(run.output.contains("minivisor: nested2 ended: status 3, the guest wrote 1 to the exit port;"))
    }

    @Test("A stop request while nested VMs run on both processors turns each off on its own processor, and minivisor ends")
    func stopOnTwoProcessors() throws {
        let bench = try ShippedGuests.bytes("bench")
        let machine = try Machine(
            try Self.configuration([("nested1", bench), ("nested2", bench)], commandLine: "memory=32 -- rounds=100000", processors: 2))
        var output: [UInt8] = []
        for _ in 0..<20 {
            _ = machine.run(budget: 10_000_000)
            output += machine.takeOutput()
        }
        #expect(!String(decoding: output, as: UTF8.self).contains("ended"), "both still run")
        machine.isStopRequested = true
        var status = Machine.Status.running
        for _ in 0..<100 where status == .running {
            status = machine.run(budget: 10_000_000)
            output += machine.takeOutput()
        }
        let text = String(decoding: output, as: UTF8.self)
        #expect(text.contains("minivisor: nested1 ended: status 130, turned off (minivisor was asked to stop);"))
        #expect(text.contains("minivisor: nested2 ended: status 130, turned off (minivisor was asked to stop);"))
        #expect(status == .stopped(.guestExit(0)))
    }

    @Test("Secondary processors that wait for nested VMs wait in MWAIT: a lone nested VM costs what it costs on one processor")
    func idleSecondaries() throws {
        let hello = try ShippedGuests.bytes("hello")
        func retired(_ processors: Int) throws -> (total: UInt64, secondary: UInt64) {
            let machine = try Machine(try Self.configuration([("nested1", hello)], processors: processors))
            while machine.run(budget: 10_000_000) == .running {}
            return (machine.instructionsRetired, processors > 1 ? machine.processors[1].cpu.instructionsRetired : 0)
        }
        let one = try retired(1), two = try retired(2)
        #expect(two.secondary < 200_000, "processor 1 entered VMX operation and waited")
        #expect(two.total < one.total + 250_000)
    }
}
