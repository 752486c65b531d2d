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
