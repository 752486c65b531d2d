import Testing
import VMX
import X86

/// An event VM entry injects is never lost: an exit to L1 before L2 took it (an interrupt of L1's arriving at the
/// entry) reports it in the IDT-vectoring information, so L1 injects it again (SDM vol. 3, "Information for VM
/// Exits That Occur During Event Delivery"); an exit with nothing pending reports none.
@Suite struct InjectionTests {
    static func entered(injecting info: UInt64) throws -> (CPU, L1Memory, VMXOperation, MSRAccess) {
        var (cpu, memory, vmx) = EntryFuzzTests.l1()
        let msrs = MSRAccess(read: { cpu.readMSR($0) }, write: { cpu.writeMSR($0, $1) })
        var v = EntryCheckTests.valid
        v[.hostCR3] = 0x1000
        v[.guestCR3] = 0x1000
        v[.guestRIP] = 0x8000
        v[.hostRIP] = 0x9000
        v[.guestRFLAGS] = 0x202
        v[.vmEntryIntrInfoField] = info
        memory.write(EntryFuzzTests.pointer, size: 8, EntryFuzzTests.vmcsRegion)
        memory.write(EntryFuzzTests.vmcsRegion, size: 4, UInt64(VMXCapabilities.revisionIdentifier))
        v.store(region: EntryFuzzTests.vmcsRegion, in: memory)
        try #require(
            vmx.vmptrld(cpu: cpu, exit: EntryFuzzTests.memoryOperand(.vmptrld, EntryFuzzTests.pointer), memory: memory) == .succeeded)
        guard case .entered = vmx.enter(launch: true, cpu: cpu, memory: memory, msrs: msrs) else {
            Issue.record("the entry did not succeed")
            throw CancellationError()
        }
        return (cpu, memory, vmx, msrs)
    }

    @Test("An external interrupt injected at entry and not yet taken comes back to L1 in the IDT-vectoring information")
    func undeliveredInjection() throws {
        var (cpu, memory, vmx, msrs) = try Self.entered(injecting: 1 << 31 | 0x40)
        #expect(vmx.exitToL1(vmx.externalInterruptExit(vector: 0x30), cpu: cpu, memory: memory, msrs: msrs) == nil)
        #expect(vmx.vmcs[.vmExitReason] == UInt64(ExitReason.externalInterrupt.rawValue))
        #expect(vmx.vmcs[.idtVectoringInfoField] == 1 << 31 | 0x40)
        #expect(vmx.vmcs[.vmEntryIntrInfoField] >> 31 == 0, "the entry's field is cleared, as on every exit")
    }

    @Test("A hardware exception with its error code is reported the same way; without an injection, nothing is")
    func undeliveredException() throws {
        var (cpu, memory, vmx, msrs) = try Self.entered(injecting: 1 << 31 | 1 << 11 | 3 << 8 | 13)
        #expect(vmx.exitToL1(vmx.externalInterruptExit(vector: 0x30), cpu: cpu, memory: memory, msrs: msrs) == nil)
        #expect(vmx.vmcs[.idtVectoringInfoField] == 1 << 31 | 1 << 11 | 3 << 8 | 13)
        var (cpu2, memory2, vmx2, msrs2) = try Self.entered(injecting: 0)
        #expect(vmx2.exitToL1(vmx2.externalInterruptExit(vector: 0x30), cpu: cpu2, memory: memory2, msrs: msrs2) == nil)
        #expect(vmx2.vmcs[.idtVectoringInfoField] == 0)
    }
}
