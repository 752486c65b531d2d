import Machine
import Testing
import VMX
import X86

/// L2 under an EPT12 that L1 builds, composed with L0's EPT01 (SDM vol. 3, "EPT Translation Mechanism", "EPT
/// Violations", "EPT Misconfigurations", "INVEPT"); event injection and IDT-vectoring information (SDM "Event
/// Injection", "Information for VM Exits During Event Delivery"); and two processors each running their own L2.
@Suite struct NestedMemoryTests {
    /// EPT12 at 0x300000: L2-physical 0–32 MiB mapped one to one in 2 MiB pages (RWX, WB), then `edit`, and the
    /// EPT pointer (4-level, WB) in vmcs12.
    static func ept(_ edit: String = "") -> String {
        """
        movq $0x301007, 0x300000
        movq $0x302007, 0x301000
        xor %ecx, %ecx
        1: mov %rcx, %rax; shl $21, %rax; or $0xb7, %rax; mov %rax, 0x302000(,%rcx,8); inc %ecx; cmp $16, %ecx; jne 1b
        \(edit)
        \(NestedGuest.write(.eptPointer, "$0x30001e"))
        """
    }

    /// An exit handler that prints the reason, qualification, guest-physical and guest-linear addresses, and the
    /// IDT-vectoring information.
    static let reportEPTExit = """
        on_exit:
        \(NestedGuest.print(.vmExitReason))
        \(NestedGuest.print(.exitQualification))
        \(NestedGuest.print(.guestPhysicalAddress))
        \(NestedGuest.print(.guestLinearAddress))
        \(NestedGuest.print(.idtVectoringInfoField))
        mov $0x5a, %al; out %al, $0xf4
        """

    static let withEPT = NestedGuest.setUp(secondary: ExecutionControls.Secondary.enableEPT)

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var setUp = NestedMemoryTests.withEPT
        var before: String
        var l2: String
        var handler = NestedMemoryTests.reportEPTExit
        var transcript: String
        var status: MachineStop = .guestExit(0x5A)
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "L2 runs under an identity EPT12 until its CPUID exit", before: ept(), l2: "cpuid", transcript: "a 0 0 0 0 "),
        Case(
            name: "A read of an L2-physical page EPT12 does not map is an EPT violation for L1 (read, linear address valid)",
            before: ept("movq $0, 0x302040"), l2: "mov 0x1000010, %rax",
            transcript: "30 181 1000010 1000010 0 "),
        Case(
            name: "A write to a read-and-execute page reports the write and the page's permissions",
            before: ept("movq $0x10000b5, 0x302040"), l2: "movq $1, 0x1000000",
            transcript: "30 1aa 1000000 1000000 0 "),
        Case(
            name: "A fetch from a page without execute permission",
            before: ept("movq $0x10000b3, 0x302040"), l2: "mov $0x1000000, %rax; jmp *%rax",
            transcript: "30 19c 1000000 1000000 0 "),
        Case(
            name: "Write without read is an EPT misconfiguration for L1",
            before: ept("movq $0x10000b2, 0x302040"), l2: "mov 0x1000000, %rax", transcript: "31 0 1000000 0 0 "),
        Case(
            name: "EPT12 remaps L2-physical 16 MiB to L1-physical 4 MiB: what L2 writes there, L1 reads at 4 MiB",
            before: ept("movq $0x4000b7, 0x302040"), l2: "movq $0x77, 0x1000008; cpuid",
            handler: "on_exit:\n" + NestedGuest.print(value: "0x400008") + "\nmov $0x5a, %al; out %al, $0xf4",
            transcript: "77 "),
        Case(
            name: "After L1 changes EPT12 and executes INVEPT, L2 sees the new mapping",
            before: ept("movq $0x4000b7, 0x302040") + "\nmovq $0x11, 0x400000; movq $0x22, 0x600000",
            l2: "mov 0x1000000, %r10; cpuid; mov 0x1000000, %r11; cpuid",
            handler: """
                on_exit:
                inc %r12; cmp $2, %r12; je 1f
                movq $0x6000b7, 0x302040
                movq $0x30001e, 0x207000; movq $0, 0x207008; mov $1, %rcx; invept 0x207000, %rcx
                \(NestedGuest.skipInstruction)
                vmresume
                1: \(NestedGuest.print(value: "%r10"))
                \(NestedGuest.print(value: "%r11"))
                mov $0x5a, %al; out %al, $0xf4
                """, transcript: "11 22 "),
        Case(
            name: "An exit during event delivery reports the event as IDT-vectoring information (IDT on an unmapped page)",
            before: ept("movq $0, 0x302040") + "\n" + NestedGuest.write(.guestIDTRBase, "$0x1000000"), l2: "int $0x40",
            transcript: "30 181 1000400 1000400 80000440 "),
        Case(
            name: "EPT12 mapping L2 memory outside L1's RAM is an EPT01 fault: L0 stops the machine and says so",
            before: ept("movq $0x400000b7, 0x302040"), l2: "mov 0x1000000, %rax", transcript: "",
            status: .unsupported(
                "processor 0's L2 guest reached guest-physical 0x40000000 at RIP 0x0, which maps outside the L1 guest's 32 MiB of memory")),
    ]

    @Test("EPT12 over EPT01", arguments: cases)
    func memory(_ c: Case) throws {
        let m = try NestedVMXTests.machine(NestedGuest.program(setUp: c.setUp, before: c.before, l2: c.l2, handler: c.handler))
        let status = m.runToEnd(budget: 10_000_000)
        if case .stopped(.unsupported(let message)) = status, case .unsupported(let expected) = c.status {
            // RIP is where L2 faulted, which depends on the assembly; compare around it.
            #expect(message.hasPrefix(expected.components(separatedBy: " at RIP")[0]))
            #expect(message.hasSuffix(expected.components(separatedBy: "0x0")[1]))
        } else {
            #expect(status == .stopped(c.status))
        }
        #expect(String(decoding: m.takeOutput().prefix(200), as: UTF8.self) == c.transcript)
    }

    /// L2's handlers in the shared boot IDT: vector 0x40 ends with 0x40, #GP ends with its error code, 0x41 ends
    /// with how far past `l2` the pushed RIP is, and NMI ends with 0x02.
    static let l2Handlers =
        [
            AssembledGuest.installGate(vector: 0x40, handler: "l2_interrupt"), AssembledGuest.installGate(vector: 13, handler: "l2_gp"),
            AssembledGuest.installGate(vector: 0x41, handler: "l2_soft"), AssembledGuest.installGate(vector: 2, handler: "l2_nmi"),
        ].joined(separator: "\n")

    static let l2HandlerBodies = """
        l2_interrupt: mov $0x40, %al; out %al, $0xf4
        l2_gp: pop %rax; out %al, $0xf4
        l2_soft: pop %rax; lea l2(%rip), %rbx; sub %rbx, %rax; out %al, $0xf4
        l2_nmi: mov $0x02, %al; out %al, $0xf4
        """

    @Test(
        "Event injection at VM entry: external interrupt, hardware exception with error code, software interrupt with its length, NMI, into HLT",
        arguments: [
            ("1 << 31 | 0x40", "$0x202", "", UInt64(0x40)), ("1 << 31 | 1 << 11 | 3 << 8 | 13", "$2", "$0x18", 0x18),
            ("1 << 31 | 4 << 8 | 0x41", "$2", "", 2), ("1 << 31 | 2 << 8 | 2", "$2", "", 2),
        ])
    func injection(info: String, rflags: String, errorCode: String, status: UInt64) throws {
        let before = [
            Self.l2Handlers, NestedGuest.write(.vmEntryIntrInfoField, "$(\(info))"), NestedGuest.write(.guestRFLAGS, rflags),
            NestedGuest.write(.vmEntryInstructionLen, "$2"),
            errorCode.isEmpty ? "" : NestedGuest.write(.vmEntryExceptionErrorCode, errorCode),
        ].joined(separator: "\n")
        let m = try NestedVMXTests.machine(
            NestedGuest.program(before: before, l2: "nop; nop; cpuid\n" + Self.l2HandlerBodies))
        #expect(m.runToEnd(budget: 10_000_000) == .stopped(.guestExit(status)))
        #expect(m.takeDiagnostics() == [])
    }

    @Test("An L2 entered in the HLT activity state wakes for an injected interrupt")
    func injectionIntoHalt() throws {
        let before = [
            Self.l2Handlers, NestedGuest.write(.vmEntryIntrInfoField, "$(1 << 31 | 0x40)"), NestedGuest.write(.guestRFLAGS, "$0x202"),
            NestedGuest.write(.guestActivityState, "$1"),
        ].joined(separator: "\n")
        let m = try NestedVMXTests.machine(NestedGuest.program(before: before, l2: "cpuid\n" + Self.l2HandlerBodies))
        #expect(m.runToEnd(budget: 10_000_000) == .stopped(.guestExit(0x40)))
    }

    @Test("Two processors each run their own L2 under their own VMCS; neither sees the other's exits")
    func twoProcessors() throws {
        func l1(_ name: String, base: UInt64, count: Int, slot: UInt64) -> String {
            """
            \(NestedGuest.enableVMX(at: base))
            \(NestedGuest.setUp(hostStack: "0x\(String(base + 0x10000, radix: 16))", guestStack: "0x\(String(base + 0xF000, radix: 16))", onExit: "\(name)_exit", l2: "\(name)_l2"))
            xor %r12, %r12
            vmlaunch
            ud2
            \(name)_exit:
            \(NestedGuest.read(.vmExitReason, into: "%rdx"))
            cmp $\(ExitReason.cpuid.rawValue), %edx; jne 2f
            inc %r12
            \(NestedGuest.skipInstruction)
            vmresume
            2: mov $0xee, %al; out %al, $0xf4
            \(name)_l2:
            mov $\(count), %r13
            1: cpuid; dec %r13; jnz 1b
            mov %r12, 0x\(String(slot, radix: 16))
            """
        }
        let source = """
            mov 64(%rdi), %rbx
            movq $0x2f0000, 32+16(%rbx)
            lea second(%rip), %rax
            mov %rax, 32+8(%rbx)
            \(l1("a", base: 0x200000, count: 30, slot: 0x230000))
            1: pause; cmpq $0, 0x230008; je 1b
            mov 0x230000, %rax; add 0x230008, %rax; out %al, $0xf4
            second:
            \(l1("b", base: 0x240000, count: 50, slot: 0x230008))
            1: pause; jmp 1b
            """
        let m = try NestedVMXTests.machine(source, processors: 2)
        #expect(m.runToEnd(budget: 20_000_000) == .stopped(.guestExit(80)))
    }
}
