import Machine
import Testing
import VMX
import X86

/// The reflection matrix: for each kind of exit, set in vmcs12 → L1 sees it with its qualification and length;
/// clear → L0 handles it as L1's platform would and L2 goes on (SDM vol. 3, "Instructions That Cause VM Exits
/// Conditionally", "Other Causes of VM Exits").
@Suite struct NestedExitTests {
    typealias Primary = ExecutionControls.Primary
    typealias Secondary = ExecutionControls.Secondary
    typealias Pin = ExecutionControls.PinBased

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var setUp: String = NestedGuest.setUp()
        var before: String = ""
        var l2: String
        /// What COM1 shows (for an exit to L1: reason, qualification, length, interruption information).
        var transcript: String
        var status: MachineStop = .guestExit(0x5A)
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "CPUID always exits to L1", l2: "cpuid", transcript: "a 0 2 0 "),
        Case(
            name: "HLT with HLT exiting exits to L1", setUp: NestedGuest.setUp(primary: Primary.hltExiting), l2: "nop; hlt",
            transcript: "c 0 1 0 "),
        Case(
            name: "HLT without HLT exiting halts L2 (interrupts off: the machine powers off)", l2: "hlt", transcript: "",
            status: .poweredOff),
        Case(
            name: "RDTSC with RDTSC exiting exits to L1", setUp: NestedGuest.setUp(primary: Primary.rdtscExiting), l2: "rdtsc",
            transcript: "10 0 2 0 "),
        Case(
            name: "RDTSC without RDTSC exiting runs in L2", l2: "rdtsc; mov $0x33, %al; out %al, $0xf4", transcript: "",
            status: .guestExit(0x33)),
        Case(
            name: "OUT with unconditional I/O exiting exits to L1 (qualification: size, direction, port)",
            setUp: NestedGuest.setUp(primary: Primary.unconditionalIOExiting), l2: "mov $7, %al; out %al, $0x80",
            transcript: "1e 800040 2 0 "),
        Case(
            name:
                "IN from a port whose I/O-bitmap bit is clear goes to L0; OUT to one whose bit is set exits to L1 (bit 6: immediate port)",
            setUp: NestedGuest.setUp(primary: Primary.useIOBitmaps),
            before: "movb $1, 0x210010\n" + NestedGuest.write(.ioBitmapA, "$0x210000") + "\n" + NestedGuest.write(.ioBitmapB, "$0x211000"),
            l2: "mov $0x1234, %dx; in %dx, %ax; out %al, $0x80", transcript: "1e 800040 2 0 "),
        Case(
            name: "IN from a port whose bitmap bit is clear reaches L1's platform; so does OUT to the exit port",
            setUp: NestedGuest.setUp(primary: Primary.useIOBitmaps),
            before: "movb $1, 0x210010\n" + NestedGuest.write(.ioBitmapA, "$0x210000") + "\n" + NestedGuest.write(.ioBitmapB, "$0x211000"),
            l2: "mov $0x3fd, %dx; in %dx, %al; and $0x60, %al; out %al, $0xf4", transcript: "", status: .guestExit(0x60)),
        Case(
            name: "I/O bitmap B covers ports from 0x8000",
            setUp: NestedGuest.setUp(primary: Primary.useIOBitmaps),
            before: "movb $2, 0x211000\n" + NestedGuest.write(.ioBitmapA, "$0x210000") + "\n" + NestedGuest.write(.ioBitmapB, "$0x211000"),
            l2: "mov $0x8001, %dx; in %dx, %al", transcript: "1e 80010008 1 0 "),
        Case(name: "RDMSR without MSR bitmaps exits to L1", l2: "mov $0x174, %ecx; rdmsr", transcript: "1f 0 2 0 "),
        Case(
            name: "RDMSR with a clear MSR-bitmap bit is done by L0 for L2",
            setUp: NestedGuest.setUp(primary: Primary.useMSRBitmaps), before: NestedGuest.write(.msrBitmap, "$0x212000"),
            l2: "mov $0x174, %ecx; mov $0x42, %eax; xor %edx, %edx; wrmsr; rdmsr; out %al, $0xf4", transcript: "",
            status: .guestExit(0x42)),
        Case(
            name: "WRMSR with its write bit set in the high-MSR bitmap exits to L1",
            setUp: NestedGuest.setUp(primary: Primary.useMSRBitmaps),
            before: "movb $0x10, 0x212c10\n" + NestedGuest.write(.msrBitmap, "$0x212000"),
            l2: "mov $0xc0000084, %ecx; xor %eax, %eax; xor %edx, %edx; wrmsr", transcript: "20 0 2 0 "),
        Case(
            name: "An exception in the exception bitmap exits to L1 with its interruption information",
            before: NestedGuest.write(.exceptionBitmap, "$0x40"), l2: "ud2", transcript: "0 0 0 80000306 "),
        Case(
            name: "A #GP in the bitmap reports its error code as valid (bit 11)",
            before: NestedGuest.write(.exceptionBitmap, "$0x2000"), l2: "mov $1, %rax; shl $63, %rax; mov (%rax), %rax",
            transcript: "0 0 0 80000b0d "),
        Case(
            name: "A page fault exits when the error code matches the mask as bit 14 says",
            before: NestedGuest.write(.exceptionBitmap, "$0x4000") + "\n" + NestedGuest.write(.pageFaultErrorCodeMask, "$1"),
            l2: "mov $0x40000000000, %rax; mov (%rax), %rax", transcript: "0 40000000000 0 80000b0e "),
        Case(
            name: "An exception outside the bitmap goes through L2's IDT; with no handler there it triple-faults, which exits to L1",
            before: "movq $0, 0x5060; movq $0, 0x5068", l2: "ud2", transcript: "2 0 0 0 "),
        Case(
            name: "MOV to CR0 changing a bit L1 owns exits to L1 (qualification: CR0, MOV to CR, RAX)",
            before: NestedGuest.write(.cr0GuestHostMask, "$8") + "\n" + NestedGuest.write(.cr0ReadShadow, "$0"),
            l2: "mov %cr0, %rax; or $8, %rax; mov %rax, %cr0", transcript: "1c 0 3 0 "),
        Case(
            name: "MOV to CR0 keeping L1's bits as the shadow says does not exit; MOV from CR0 reads the shadow",
            before: NestedGuest.write(.cr0GuestHostMask, "$8") + "\n" + NestedGuest.write(.cr0ReadShadow, "$8"),
            l2: "mov %cr0, %rax; mov %rax, %cr0; shr $3, %al; and $1, %al; add $0x40, %al; out %al, $0xf4", transcript: "",
            status: .guestExit(0x41)),
        Case(
            name: "MOV to CR3 with CR3-load exiting exits to L1 (qualification: CR3, RCX)",
            setUp: NestedGuest.setUp(primary: Primary.cr3LoadExiting), l2: "mov %cr3, %rcx; mov %rcx, %cr3",
            transcript: "1c 103 3 0 "),
        Case(
            name: "A CR3-target value lets that MOV to CR3 through",
            setUp: NestedGuest.setUp(primary: Primary.cr3LoadExiting),
            before: NestedGuest.write(.cr3TargetCount, "$1") + "\nmov %cr3, %rcx\n" + NestedGuest.write(.cr3TargetValue0, "%rcx"),
            l2: "mov %cr3, %rcx; mov %rcx, %cr3; mov $0x44, %al; out %al, $0xf4", transcript: "", status: .guestExit(0x44)),
        Case(
            name: "L2 clearing CR4.VMXE, which L1 does not own, is #GP: L0 keeps it fixed in VMX operation",
            before: NestedGuest.write(.exceptionBitmap, "$0x2000"), l2: "mov %cr4, %rax; btr $13, %rax; mov %rax, %cr4",
            transcript: "0 0 0 80000b0d "),
        Case(
            name: "INVLPG with INVLPG exiting exits to L1 (qualification: the address)",
            setUp: NestedGuest.setUp(primary: Primary.invlpgExiting), l2: "invlpg 0x123456", transcript: "e 123456 8 0 "),
        Case(
            name: "PAUSE with PAUSE exiting exits to L1", setUp: NestedGuest.setUp(primary: Primary.pauseExiting), l2: "pause",
            transcript: "28 0 2 0 "),
        Case(
            name: "WBINVD with WBINVD exiting exits to L1", setUp: NestedGuest.setUp(secondary: Secondary.wbinvdExiting),
            l2: "wbinvd", transcript: "36 0 2 0 "),
        Case(
            name: "RDRAND with RDRAND exiting exits to L1", setUp: NestedGuest.setUp(secondary: Secondary.rdrandExiting),
            l2: "rdrand %rax", transcript: "39 0 4 0 "),
        Case(
            name: "LGDT with descriptor-table exiting exits to L1",
            setUp: NestedGuest.setUp(secondary: Secondary.descriptorTableExiting), l2: "sgdt 0x70000", transcript: "2e 70000 8 0 "),
        Case(name: "VMCALL in L2 exits to L1", l2: "vmcall", transcript: "12 0 3 0 "),
        Case(name: "VMXON in L2 exits to L1", l2: "vmxon 0x201000", transcript: "1b 201000 9 0 "),
        Case(name: "INVD exits to L1 unconditionally", l2: "invd", transcript: "d 0 2 0 "),
        Case(
            name: "The preemption timer counts L2's instructions and exits to L1 at zero",
            setUp: NestedGuest.setUp(pin: Pin.activatePreemptionTimer), before: NestedGuest.write(.vmxPreemptionTimerValue, "$100"),
            l2: "1: jmp 1b", transcript: "34 0 0 0 "),
        Case(
            name: "Interrupt-window exiting exits to L1 as soon as L2 can take an interrupt",
            setUp: NestedGuest.setUp(primary: Primary.interruptWindowExiting), before: NestedGuest.write(.guestRFLAGS, "$0x202"),
            l2: "nop", transcript: "7 0 0 0 "),
    ]

    @Test("Exits of L2", arguments: cases)
    func exit(_ c: Case) throws {
        let m = try NestedVMXTests.machine(NestedGuest.program(setUp: c.setUp, before: c.before, l2: c.l2))
        #expect(m.runToEnd(budget: 10_000_000) == .stopped(c.status))
        #expect(String(decoding: m.takeOutput().prefix(200), as: UTF8.self) == c.transcript)
        #expect(m.takeDiagnostics() == [])
    }
}
