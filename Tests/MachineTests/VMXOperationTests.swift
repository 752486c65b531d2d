import Machine
import Testing

/// VMX as a guest hypervisor meets it: what each step does with ExposeVirtualizationExtensions on and off
/// (SDM vol. 3, "Enabling and Entering VMX Operation"; vol. 2, VMXON and VMXOFF).
@Suite struct VMXOperationTests {
    /// #UD and #GP handlers that end the machine with the vector, so a test sees which exception happened.
    static let handlers =
        AssembledGuest.installGate(vector: 6, handler: "on_ud") + "\n"
        + AssembledGuest.installGate(vector: 13, handler: "on_gp") + "\n"
    static let handlerBodies = """

        on_ud: mov $6, %al
        out %al, $0xf4
        on_gp: mov $13, %al
        out %al, $0xf4
        """
    /// Locks IA32_FEATURE_CONTROL with VMX enabled, sets CR4.VMXE, and stamps a VMXON region at 2 MiB.
    static let prepare = """
        mov $0x3a, %ecx; mov $5, %eax; xor %edx, %edx; wrmsr
        mov %cr4, %rax; bts $13, %rax; mov %rax, %cr4
        movl $0x4e455354, 0x200000
        movq $0x200000, 0x201000

        """

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var exposed: Bool
        var body: String
        var expected: MachineStop
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "hidden: MOV to CR4 setting VMXE is #GP", exposed: false,
            body: "mov %cr4, %rax; bts $13, %rax; mov %rax, %cr4; mov $1, %al; out %al, $0xf4", expected: .guestExit(13)),
        Case(
            name: "hidden: the capability MSRs are #GP", exposed: false,
            body: "mov $0x480, %ecx; rdmsr; mov $1, %al; out %al, $0xf4", expected: .guestExit(13)),
        Case(
            name: "hidden: IA32_FEATURE_CONTROL is locked; writing it is #GP", exposed: false,
            body: "mov $0x3a, %ecx; mov $5, %eax; xor %edx, %edx; wrmsr; mov $1, %al; out %al, $0xf4", expected: .guestExit(13)),
        Case(
            name: "hidden: VMXON is #UD", exposed: false,
            body: "vmxon 0x201000; mov $1, %al; out %al, $0xf4", expected: .guestExit(6)),
        Case(
            name: "exposed: VMXOFF outside VMX operation is #UD", exposed: true,
            body: prepare + "vmxoff; mov $1, %al; out %al, $0xf4", expected: .guestExit(6)),
        Case(
            name: "exposed: VMXON in VMX operation, with no current VMCS, is VMfailInvalid", exposed: true,
            body: prepare + "vmxon 0x201000; vmxon 0x201000; setc %al; out %al, $0xf4", expected: .guestExit(1)),
        Case(
            name: "exposed: a misaligned VMXON pointer is VMfailInvalid", exposed: true,
            body: prepare + "movq $0x200010, 0x201000; vmxon 0x201000; setc %al; out %al, $0xf4", expected: .guestExit(1)),
        Case(
            name: "exposed: clearing CR4.VMXE in VMX operation is #GP (CR4_FIXED0)", exposed: true,
            body: prepare + "vmxon 0x201000; mov %cr4, %rax; btr $13, %rax; mov %rax, %cr4; mov $1, %al; out %al, $0xf4",
            expected: .guestExit(13)),
        Case(
            name: "exposed: writing a locked IA32_FEATURE_CONTROL is #GP", exposed: true,
            body: prepare + "mov $0x3a, %ecx; mov $1, %eax; xor %edx, %edx; wrmsr; mov $1, %al; out %al, $0xf4", expected: .guestExit(13)),
        Case(
            name: "exposed: VMXON, VMXOFF, VMXON again all succeed", exposed: true,
            body: prepare
                + "vmxon 0x201000; jbe 1f; vmxoff; jbe 1f; vmxon 0x201000; jbe 1f; mov $0x55, %al; out %al, $0xf4; 1: mov $2, %al; out %al, $0xf4",
            expected: .guestExit(0x55)),
    ]

    @Test("VMX instructions and controls", arguments: cases)
    func vmx(_ c: Case) throws {
        let machine = try Machine(
            MachineConfiguration(
                memoryBytes: 32 << 20, exposeVirtualizationExtensions: c.exposed,
                image: try AssembledGuest.build(Self.handlers + c.body + Self.handlerBodies)))
        #expect(machine.runToEnd() == .stopped(c.expected))
    }
}
