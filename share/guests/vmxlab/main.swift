/// vmxlab: a small L1 hypervisor that runs one L2 guest on its own processor — under EPT, with its own VMCS —
/// and handles its exits, to show and measure nestvm's nested engine. Needs a processor with
/// ExposeVirtualizationExtensions (`vmproc set NAME --expose-virtualization-extensions true`).
///
/// The command line picks the L2's job:
/// - `demo` (the default): L2 prints, asks CPUID (L1 answers as a hypervisor would), halts (L1 resumes it),
///   and exits; L1 then lists the exits it handled.
/// - `cpuid count=N`: L2 executes CPUID N times (default 100000), each a round trip through L1.
/// - `bench rounds=N`: L2 runs the `bench` guest's workload; with `level=1` L1 runs it itself instead.
/// - `bad-guest-cr0` (with any job): GUEST_CR0 gets PG without PE, so VMLAUNCH fails its guest-state checks —
///   what a hypervisor developer sees when an entry fails.
/// L2's console output goes straight to the machine's COM1 (vmxlab does not intercept those ports); L2's exit
/// port write (0xF4) is intercepted, and vmxlab ends with L2's exit value.
@_cdecl("guest_main")
public func guestMain(_ bootInfoPointer: UnsafeRawPointer) -> UInt32 {
    let boot = BootInfo(bootInfoPointer)
    if boot?.hasWord("cpuid") == true {
        job = .cpuid(count: boot?.integerOption("count") ?? 100_000)
    } else if boot?.hasWord("bench") == true {
        job = .bench(rounds: boot?.integerOption("rounds") ?? 40)
        if boot?.integerOption("level") == 1 { return runJob() }
    }
    guard Processor.hasVMX else {
        print("vmxlab: this processor does not offer VMX: turn the VM off and set its processor's ExposeVirtualizationExtensions")
        return 2
    }
    if let failure = VMXSupport.enter() {
        print("vmxlab: " + failure)
        return 2
    }
    do {
        let value = try supervise(badGuestCR0: boot?.hasWord("bad-guest-cr0") == true)
        _ = VMXSupport.vmxoff()
        return value
    } catch {
        print("vmxlab: " + error.description)
        return 2
    }
}

/// What L2 does.
enum Job {
    case demo
    case cpuid(count: Int)
    case bench(rounds: Int)
}

var job = Job.demo

/// The exit port, which L2 ends through.
let exitPort: UInt16 = 0xF4

/// Runs L2 until it writes the exit port, handling each exit; returns what L2 wrote there.
func supervise(badGuestCR0: Bool) throws(Hypervisor.Failure) -> UInt32 {
    let entry: @convention(c) (UInt64) -> Void = l2Main
    var guest = try Hypervisor.Guest(
        entry: UInt64(UInt(bitPattern: unsafeBitCast(entry, to: UnsafeRawPointer.self))), argument: 0, stackPages: 32,
        primary: NV_PRIMARY_HLT_EXITING, ioExitPorts: [exitPort])
    if badGuestCR0 { _ = nv_vmwrite(UInt64(NV_VMCS_GUEST_CR0), Hypervisor.read(NV_VMCS_GUEST_CR0) & ~1) }
    var handled = [Int](repeating: 0, count: 80)
    var cpuidExits = 0
    while true {
        try guest.run()
        let reason = Hypervisor.read(NV_VMCS_VM_EXIT_REASON)
        let basic = Int(reason & 0xFFFF)
        if reason & (1 << 31) != 0 {
            print("vmxlab: VM entry failed: exit reason \(basic), qualification \(Console.hex(Hypervisor.read(NV_VMCS_EXIT_QUALIFICATION)))")
            return 2
        }
        if basic < handled.count { handled[basic] += 1 }
        switch UInt32(basic) {
        case NV_EXIT_CPUID:
            // CPUID as a hypervisor answers it: leaf 1 says "hypervisor present" and hides VMX; leaf 0x40000000
            // names the hypervisor.
            let leaf = UInt32(truncatingIfNeeded: guest.registers[Hypervisor.Registers.rax])
            var r = Processor.cpuid(leaf, UInt32(truncatingIfNeeded: guest.registers[Hypervisor.Registers.rcx]))
            if leaf == 1 { r.ecx = (r.ecx | 1 << 31) & ~(1 << 5) }
            if leaf == 0x4000_0000 { r = Processor.CPUIDResult(eax: 0x4000_0000, ebx: 0x6C78_6D76, ecx: 0x0000_6261, edx: 0) }  // "vmxlab"
            guest.registers[Hypervisor.Registers.rax] = UInt64(r.eax)
            guest.registers[Hypervisor.Registers.rbx] = UInt64(r.ebx)
            guest.registers[Hypervisor.Registers.rcx] = UInt64(r.ecx)
            guest.registers[Hypervisor.Registers.rdx] = UInt64(r.edx)
            cpuidExits += 1
            guest.skipInstruction()
        case NV_EXIT_HLT:
            print("L1: L2 halted at \(Console.hex(Hypervisor.read(NV_VMCS_GUEST_RIP))); resuming it")
            guest.skipInstruction()
        case NV_EXIT_IO_INSTRUCTION:
            let qualification = Hypervisor.read(NV_VMCS_EXIT_QUALIFICATION)
            guard qualification >> 16 == UInt64(exitPort), qualification & 8 == 0 else {
                print("L1: unexpected I/O exit, qualification \(Console.hex(qualification))")
                return 2
            }
            let value = UInt32(truncatingIfNeeded: guest.registers[Hypervisor.Registers.rax])
            if case .cpuid = job { print("L1: \(cpuidExits) CPUID exits handled") }
            if case .demo = job { report(handled) }
            print("L1: L2 exited with \(value)")
            return value
        case NV_EXIT_EXCEPTION_OR_NMI:
            let info = Hypervisor.read(NV_VMCS_VM_EXIT_INTR_INFO)
            print(
                "L1: L2 raised exception \(info & 0xFF) at \(Console.hex(Hypervisor.read(NV_VMCS_GUEST_RIP))), qualification "
                    + Console.hex(Hypervisor.read(NV_VMCS_EXIT_QUALIFICATION)))
            return 2
        default:
            print("L1: unexpected exit \(basic) at \(Console.hex(Hypervisor.read(NV_VMCS_GUEST_RIP)))")
            return 2
        }
    }
}

/// The exits handled, by reason.
func report(_ handled: [Int]) {
    let names: [(UInt32, String)] = [
        (NV_EXIT_CPUID, "CPUID"), (NV_EXIT_HLT, "HLT"), (NV_EXIT_IO_INSTRUCTION, "I/O instruction"),
    ]
    var parts: [String] = []
    for (reason, name) in names where handled[Int(reason)] > 0 { parts.append("\(name) \(handled[Int(reason)])") }
    var line = "L1: exits handled:"
    for (i, part) in parts.enumerated() { line += (i == 0 ? " " : ", ") + part }
    print(line)
}

/// L2's job, run as L1 with `level=1`.
func runJob() -> UInt32 {
    switch job {
    case .demo:
        print("L2: hello from a nested guest")
        let signature = Processor.cpuid(0x4000_0000)
        print("L2: CPUID 0x40000000 names the hypervisor " + Processor.text(of: [signature.ebx, signature.ecx, signature.edx]))
        print("L2: hypervisor-present bit " + (Processor.cpuid(1).ecx >> 31 != 0 ? "set" : "clear") + ", VMX " + (Processor.hasVMX ? "offered" : "hidden"))
        nv_halt()
        print("L2: resumed after HLT; exiting")
        return 0
    case .cpuid(let count):
        for _ in 0..<count { _ = Processor.cpuid(0) }
        return 0
    case .bench(let rounds):
        var workload = Workload()
        let totals = workload.run(rounds: rounds)
        print("sorted " + hex16(totals.sorted))
        print("crc32 " + hex16(totals.crc))
        print("fnv1a " + hex16(totals.hash))
        print("bytecode " + hex16(totals.bytecode))
        print("rounds \(rounds)")
        return totals.failed ? 1 : 0
    }
}

/// L2's entry: the job, then the exit port, which L1 intercepts.
func l2Main(_ argument: UInt64) {
    nv_outl(exitPort, runJob())
    while true { nv_halt() }
}
