import Machine
import Testing
import VMX
import X86

/// L1 hypervisors that launch L2 guests on the nested engine: entries, exits reflected to L1 or handled by L0,
/// and the architectural results of the VMX instructions (SDM vol. 3, "VMX Instruction Reference", "VM Entries",
/// "VM Exits").
@Suite struct NestedVMXTests {
    static func machine(_ source: String, memoryMiB: UInt64 = 32, processors: Int = 1) throws -> Machine {
        try Machine(
            MachineConfiguration(
                memoryBytes: memoryMiB << 20, processorCount: processors, exposeVirtualizationExtensions: true,
                image: try AssembledGuest.build(source)))
    }

    /// An L1 that launches L2, counts CPUID exits in R12 and resumes L2 past each one; L2 runs CPUID `count`
    /// times and then writes R12's low byte to the exit port (not intercepted, so it reaches L1's platform).
    static func cpuidLoop(count: Int) -> String {
        NestedGuest.enableVMX + "\n" + NestedGuest.setUp() + """
            xor %r12, %r12
            vmlaunch
            setc %al; setz %ah; add $0x70, %al; add %ah, %al; out %al, $0xf4
            on_exit:
            \(NestedGuest.read(.vmExitReason, into: "%rdx"))
            cmp $\(ExitReason.cpuid.rawValue), %edx; jne 2f
            inc %r12
            \(NestedGuest.skipInstruction)
            vmresume
            2: mov $0xEE, %al; out %al, $0xf4
            l2:
            mov $\(count), %r13
            1: xor %eax, %eax; cpuid; dec %r13; jnz 1b
            mov %r12, %rax; out %al, $0xf4
            """
    }

    @Test("L2 runs CPUID in a loop; each exit goes to L1, which resumes L2; L2's port write reaches L1's platform")
    func cpuidRoundTrips() throws {
        let m = try Self.machine(Self.cpuidLoop(count: 40))
        #expect(m.runToEnd() == .stopped(.guestExit(40)))
        #expect(m.takeDiagnostics() == [])
    }
}

extension NestedVMXTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var program: String
        var transcript: String
        var status: UInt64 = 0x5A
        var diagnostics: [String] = []
        var testDescription: String { name }
    }

    static let error = NestedGuest.print(.vmInstructionError)
    static let flags = NestedGuest.flags

    static let instructionCases: [Case] = [
        Case(
            name: "VMREAD with no current VMCS is VMfailInvalid",
            program: NestedGuest.instructions("vmclear 0x203000\n" + NestedGuest.read(.guestRIP, into: "%rbx") + "\n" + flags),
            transcript: "1 0 "),
        Case(
            name: "VMPTRLD of a region with another revision is VMfailValid(11)",
            program: NestedGuest.instructions("movl $1, 0x205000; movq $0x205000, 0x206000; vmptrld 0x206000\n\(flags)\n\(error)"),
            transcript: "0 1 b "),
        Case(
            name: "VMPTRLD of the VMXON region is VMfailValid(10)",
            program: NestedGuest.instructions("vmptrld 0x201000\n\(flags)\n\(error)"), transcript: "0 1 a "),
        Case(
            name: "VMPTRLD of a misaligned address is VMfailValid(9)",
            program: NestedGuest.instructions("movq $0x205008, 0x206000; vmptrld 0x206000\n\(flags)\n\(error)"), transcript: "0 1 9 "),
        Case(
            name: "VMPTRLD of an address beyond L1's memory is VMfailValid(9)",
            program: NestedGuest.instructions("movq $0x40000000, 0x206000; vmptrld 0x206000\n\(flags)\n\(error)"), transcript: "0 1 9 "),
        Case(
            name: "VMCLEAR of the VMXON region is VMfailValid(3); of a misaligned address VMfailValid(2)",
            program: NestedGuest.instructions(
                "vmclear 0x201000\n\(flags)\n\(error)\nmovq $0x205001, 0x206000; vmclear 0x206000\n\(flags)\n\(error)"),
            transcript: "0 1 3 0 1 2 "),
        Case(
            name: "VMRESUME of a VMCS that was never launched is VMfailValid(5)",
            program: NestedGuest.instructions(NestedGuest.setUp() + "vmresume\n\(flags)\n\(error)"), transcript: "0 1 5 "),
        Case(
            name: "VMLAUNCH of a launched VMCS is VMfailValid(4); VMCLEAR makes it launchable again",
            program: NestedGuest.instructions(
                NestedGuest.setUp() + "vmlaunch",
                handler: """
                    on_exit:
                    inc %r12; cmp $2, %r12; je 1f
                    vmlaunch
                    \(flags)
                    \(error)
                    vmclear 0x203000; vmptrld 0x203000
                    vmlaunch
                    1: \(NestedGuest.print(.vmExitReason))
                    mov $0x5a, %al; out %al, $0xf4
                    """),
            transcript: "0 1 4 a "),
        Case(
            name: "VMREAD and VMWRITE of an encoding that names no field are VMfailValid(12)",
            program: NestedGuest.instructions(
                "mov $0x7fff, %rax; vmread %rax, %rbx\n\(flags)\n\(error)\nmov $0x100000000, %rax; vmwrite %rbx, %rax\n\(flags)\n\(error)"
            ), transcript: "0 1 c 0 1 c "),
        Case(
            name: "VMWRITE to a VM-exit information field is VMfailValid(13) (IA32_VMX_MISC bit 29 is 0)",
            program: NestedGuest.instructions(NestedGuest.write(.vmExitReason, "$1") + "\n\(flags)\n\(error)"), transcript: "0 1 d "),
        Case(
            name: "A 64-bit field's high half reads and writes bits 63:32; a 16-bit field keeps 16 bits",
            program: NestedGuest.instructions(
                """
                mov $0x1122334455667788, %rbx; mov $\(VMCSField.tscOffset.rawValue), %rax; vmwrite %rbx, %rax
                mov $\(VMCSField.tscOffset.rawValue + 1), %rax; vmread %rax, %rdi; call put_hex
                mov $0xaabbccdd, %rbx; mov $\(VMCSField.tscOffset.rawValue + 1), %rax; vmwrite %rbx, %rax
                \(NestedGuest.print(.tscOffset))
                \(NestedGuest.write(.virtualProcessorID, "$0x12345"))
                \(NestedGuest.print(.virtualProcessorID))
                """), transcript: "11223344 aabbccdd55667788 2345 "),
        Case(
            name: "VMREAD to memory and VMWRITE from memory",
            program: NestedGuest.instructions(
                """
                movq $0x4242, 0x207000; mov $\(VMCSField.guestRSP.rawValue), %rax; vmwrite 0x207000, %rax
                mov $\(VMCSField.guestRSP.rawValue), %rax; vmread %rax, 0x207008
                \(flags)
                \(NestedGuest.print(value: "0x207008"))
                """), transcript: "0 0 4242 "),
        Case(
            name: "VMPTRST stores the current-VMCS pointer, all ones when there is none",
            program: NestedGuest.instructions(
                "vmptrst 0x207000\n\(NestedGuest.print(value: "0x207000"))\nvmclear 0x203000; vmptrst 0x207000\n\(NestedGuest.print(value: "0x207000"))"
            ), transcript: "202000 ffffffffffffffff "),
        Case(
            name: "INVEPT of an unsupported type and INVVPID of VPID 0 are VMfailValid(28); all-context INVEPT succeeds",
            program: NestedGuest.instructions(
                """
                movq $0x30001e, 0x207000; movq $0, 0x207008; mov $3, %rcx; invept 0x207000, %rcx
                \(flags)
                \(error)
                movq $0, 0x207000; mov $1, %rcx; invvpid 0x207000, %rcx
                \(flags)
                \(error)
                mov $2, %rcx; invept 0x207000, %rcx
                \(flags)
                """), transcript: "0 1 1c 0 1 1c 0 0 "),
        Case(
            name: "VMXOFF outside VMX operation is #UD; in it, it writes the current VMCS back to its region",
            program: NestedGuest.instructions(
                NestedGuest.write(.guestRIP, "$0x1234") + "\nvmxoff\n\(flags)\n"
                    + NestedGuest.print(
                        value: "0x\(String(0x202000 + VMCS12Layout.fields + 8 * UInt64(VMCSField.guestRIP.slot), radix: 16))")),
            transcript: "0 0 1234 "),
        Case(
            name: "VM entry with a reserved control bit set is VMfailValid(7) and says which check failed",
            program: NestedGuest.program(before: NestedGuest.write(.pinBasedVMExecControl, "$0xff"), l2: "cpuid"),
            transcript: "fa11 0 1 7 ", status: 0x5B,
            diagnostics: [
                "VM entry failed on processor 0: controls.pin-based.reserved (SDM 27.2.1.1 \"VM-Execution Control Fields\"): PIN_BASED_VM_EXEC_CONTROL = 0xff has bit 7 set, which must be 0"
            ]),
        Case(
            name: "VM entry with a non-canonical HOST_RIP is VMfailValid(8)",
            program: NestedGuest.program(before: NestedGuest.write(.hostRIP, "$0x800000000000"), l2: "cpuid"),
            transcript: "fa11 0 1 8 ", status: 0x5B,
            diagnostics: [
                "VM entry failed on processor 0: host.rip.canonical (SDM 27.2.4 \"Checks Related to Address-Space Size\"): HOST_RIP = 0x800000000000 is not canonical (bits 63:47 must all equal bit 47)"
            ]),
        Case(
            name: "VM entry with bad guest state exits to L1 at HOST_RIP with reason 33 and bit 31 set",
            program: NestedGuest.program(before: NestedGuest.write(.guestRFLAGS, "$0"), l2: "cpuid"),
            transcript: "80000021 0 0 0 ",
            diagnostics: [
                "VM entry failed on processor 0: guest.rflags.reserved-bit-1 (SDM 27.3.1.4 \"Checks on Guest RIP and RFLAGS\"): GUEST_RFLAGS = 0x0 has bit 1 clear, which is always 1"
            ]),
        Case(
            name: "A VMCS link pointer that names no VMCS fails the entry with qualification 4",
            program: NestedGuest.program(before: NestedGuest.write(.vmcsLinkPointer, "$0x205000"), l2: "cpuid"),
            transcript: "80000021 4 0 0 ",
            diagnostics: [
                "VM entry failed on processor 0: guest.link-pointer (SDM 27.3.1.5 \"Checks on Guest Non-Register State\"): VMCS_LINK_POINTER = 0x205000 points to a region with revision 0x0, not 0x4e455354"
            ]),
        Case(
            name: "An entry MSR-load list naming IA32_FS_BASE fails with reason 34 and the entry's index",
            program: NestedGuest.program(
                before: """
                    movq $0x174, 0x208000; movq $5, 0x208008; movl $0xc0000100, 0x208010; movl $0, 0x208014; movq $0, 0x208018
                    \(NestedGuest.write(.vmEntryMSRLoadAddr, "$0x208000"))
                    \(NestedGuest.write(.vmEntryMSRLoadCount, "$2"))
                    """, l2: "cpuid"),
            transcript: "80000022 2 0 0 ",
            diagnostics: [
                "VM entry failed on processor 0: msr-load.entry (SDM 27.4 \"Loading MSRs\"): VM_ENTRY_MSR_LOAD_ADDR = 0x208000 (MSR 0xc0000100) is IA32_FS_BASE or IA32_GS_BASE, which the guest-state area loads"
            ]),
        Case(
            name: "The entry MSR-load list loads L2's MSRs; the exit MSR-store list saves them; the exit MSR-load list restores L1's",
            program: NestedGuest.program(
                setUp: NestedGuest.setUp(primary: ExecutionControls.Primary.useMSRBitmaps),
                before: """
                    mov $0x174, %ecx; mov $0x11, %eax; xor %edx, %edx; wrmsr
                    movq $0x174, 0x208000; movq $0x22, 0x208008
                    movq $0x174, 0x209000; movq $0, 0x209008
                    movq $0x174, 0x20a000; movq $0x33, 0x20a008
                    \(NestedGuest.write(.msrBitmap, "$0x212000"))
                    \(NestedGuest.write(.vmEntryMSRLoadAddr, "$0x208000"))
                    \(NestedGuest.write(.vmEntryMSRLoadCount, "$1"))
                    \(NestedGuest.write(.vmExitMSRStoreAddr, "$0x209000"))
                    \(NestedGuest.write(.vmExitMSRStoreCount, "$1"))
                    \(NestedGuest.write(.vmExitMSRLoadAddr, "$0x20a000"))
                    \(NestedGuest.write(.vmExitMSRLoadCount, "$1"))
                    """,
                l2: "mov $0x174, %ecx; rdmsr; mov %rax, %r10; add $0x100, %eax; wrmsr; cpuid",
                handler: """
                    on_exit:
                    \(NestedGuest.print(value: "%r10"))
                    \(NestedGuest.print(value: "0x209008"))
                    mov $0x174, %ecx; rdmsr; mov %rax, %rdi; call put_hex
                    mov $0x5a, %al; out %al, $0xf4
                    """),
            transcript: "22 122 33 "),
    ]

    @Test("VMX instructions and entries", arguments: instructionCases)
    func instruction(_ c: Case) throws {
        let m = try Self.machine(c.program)
        #expect(m.runToEnd(budget: 10_000_000) == .stopped(.guestExit(c.status)))
        #expect(String(decoding: m.takeOutput().prefix(200), as: UTF8.self) == c.transcript)
        #expect(m.takeDiagnostics() == c.diagnostics)
    }
}
