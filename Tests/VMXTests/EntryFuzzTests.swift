import Foundation
import TestSupport
import Testing
import VMX
import X86

/// A hostile L1: random and broken VMCS images through VMLAUNCH — random fields, MSR lists of thousands of
/// entries, bitmaps and EPT12 tables anywhere in memory, random L2 code. Every entry ends in the SDM's result
/// (VMfail, a failed-entry exit, or L2 running until an exit or the budget), never a crash or a hang. A few
/// thousand images here; `make test-long` runs 100,000 (NESTVM_VMCS_FUZZ_COUNT, NESTVM_VMCS_FUZZ_SEED).
@Suite struct EntryFuzzTests {
    static let ramBytes = 2 << 20
    static let vmxonRegion: UInt64 = 0x3000, vmcsRegion: UInt64 = 0x4000, pointer: UInt64 = 0x5000

    /// An exit as the processor reports a VMX instruction whose memory operand is at `address` (no base, no
    /// index, DS, 64-bit addresses).
    static func memoryOperand(_ reason: ExitReason, _ address: UInt64) -> VMExit {
        var exit = VMExit(reason: reason)
        exit.qualification = address
        exit.instructionInfo = 2 << 7 | 1 << 22 | 1 << 27 | UInt32(SegmentRegister.ds.rawValue) << 15
        return exit
    }

    /// An L1 processor in 64-bit mode on identity paging (one 1 GiB page), in VMX operation.
    static func l1() -> (CPU, L1Memory, VMXOperation) {
        let memory = PhysicalMemory(size: ramBytes)!
        memory.write(0x1000, size: 8, 0x2003)
        memory.write(0x2000, size: 8, 0x83)
        let cpu = CPU(memory: memory)
        var state = cpu.state
        state.cr0 = CR0.pe | CR0.et | CR0.ne | CR0.pg
        state.cr3 = 0x1000
        state.cr4 = CR4.pae | CR4.vmxe
        cpu.state = state
        let l1 = L1Memory(memory: memory, size: UInt64(ramBytes))
        var vmx = VMXOperation()
        memory.write(vmxonRegion, size: 4, UInt64(VMXCapabilities.revisionIdentifier))
        memory.write(pointer, size: 8, vmxonRegion)
        let result = vmx.vmxon(cpu: cpu, exit: memoryOperand(.vmxon, pointer), featureControl: 5, memory: l1)
        precondition(result == .succeeded, "VMXON in the fuzz harness: \(result)")
        return (cpu, l1, vmx)
    }

    static let fields = VMCSField.allCases.filter { $0.kind != .exitInformation }

    /// Breaks a valid VMCS: a few fields get random values, flipped bits or edge values; sometimes the MSR lists
    /// get huge counts and the EPT pointer random tables.
    static func mutate(_ v: inout VMCS12, _ random: inout SplitMix64) {
        for _ in 0..<Int.random(in: 0...4, using: &random) {
            let field = fields.randomElement(using: &random)!
            switch Int.random(in: 0..<4, using: &random) {
            case 0: v[field] = random.next()
            case 1: v[field] ^= 1 << UInt64.random(in: 0..<64, using: &random)
            case 2: v[field] = [0, .max, 1 << 63, 0xFFFF_FFFF, 0x8000_0000, 0xFFF, 0x1000][Int.random(in: 0..<7, using: &random)]
            default: v[field] = UInt64.random(in: 0..<UInt64(ramBytes), using: &random)
            }
        }
        if Int.random(in: 0..<8, using: &random) == 0 {
            v[.vmEntryMSRLoadCount] = UInt64.random(in: 0...5000, using: &random)
            v[.vmEntryMSRLoadAddr] = UInt64.random(in: 0..<UInt64(ramBytes), using: &random) & ~0xF
        }
        if Int.random(in: 0..<4, using: &random) == 0 {
            v[.cpuBasedVMExecControl] |= UInt64(ExecutionControls.Primary.activateSecondary)
            v[.secondaryVMExecControl] |= UInt64(ExecutionControls.Secondary.enableEPT)
            v[.eptPointer] = UInt64.random(in: 0..<UInt64(ramBytes), using: &random) & ~0xFFF | 0x1E
        }
    }

    @Test("Random and broken VMCS images through VMLAUNCH end in the SDM's result, never a crash or a hang")
    func fuzz() {
        let environment = ProcessInfo.processInfo.environment
        let count = Int(environment["NESTVM_VMCS_FUZZ_COUNT"] ?? "") ?? 3000
        let seed = UInt64(environment["NESTVM_VMCS_FUZZ_SEED"] ?? "") ?? 0x766D_6373
        var random = SplitMix64(seed: seed)
        var (cpu, memory, vmx) = Self.l1()
        let base = cpu.state, baseControls = cpu.controls
        let msrs = MSRAccess(read: { cpu.readMSR($0) }, write: { cpu.writeMSR($0, $1) })
        // Random bytes everywhere but the page tables and the regions: code, IDT, bitmaps, MSR lists, EPT tables.
        for address in stride(from: UInt64(0x6000), to: UInt64(Self.ramBytes), by: 8) { memory.write(address, size: 8, random.next()) }
        var entered = 0, failedChecks = 0, failureExits = 0
        for iteration in 0..<count {
            for _ in 0..<4 {
                let page = UInt64.random(in: 6..<UInt64(Self.ramBytes / 4096), using: &random) << 12
                for offset in stride(from: UInt64(0), to: 4096, by: 8) { memory.write(page + offset, size: 8, random.next()) }
            }
            cpu.load(base, controls: baseControls, flushing: true)
            var v = EntryCheckTests.valid
            v[.hostCR3] = 0x1000
            v[.guestCR3] =
                Int.random(in: 0..<2, using: &random) == 0 ? 0x1000 : UInt64.random(in: 0..<UInt64(Self.ramBytes), using: &random) & ~0xFFF
            v[.guestRIP] = UInt64.random(in: 0x6000..<UInt64(Self.ramBytes), using: &random)
            v[.hostRIP] = 0x8000
            Self.mutate(&v, &random)
            memory.write(Self.pointer, size: 8, Self.vmcsRegion)
            _ = vmx.vmclear(cpu: cpu, exit: Self.memoryOperand(.vmclear, Self.pointer), memory: memory)
            memory.write(Self.vmcsRegion, size: 4, UInt64(VMXCapabilities.revisionIdentifier))
            v.store(region: Self.vmcsRegion, in: memory)
            #expect(vmx.vmptrld(cpu: cpu, exit: Self.memoryOperand(.vmptrld, Self.pointer), memory: memory) == .succeeded)
            let inputs = EntryInputs(vmcs: vmx.vmcs, inIA32eMode: true, readWord: { memory.read($0, size: 4).map(UInt32.init) })
            let verdict = EntryCheck.firstFailure(inputs)
            switch vmx.enter(launch: true, cpu: cpu, memory: memory, msrs: msrs) {
            case .entered:
                entered += 1
                #expect(verdict == nil, "iteration \(iteration): entered past \(verdict?.id ?? "")")
                var exits = 0
                while vmx.isInL2, exits < 8 {
                    exits += 1
                    guard case .exit(let exit) = cpu.run(maxInstructions: 500) else { break }
                    if vmx.exitToL1(exit, cpu: cpu, memory: memory, msrs: msrs) != nil { break }
                    #expect(cpu.rip == vmx.vmcs[.hostRIP], "iteration \(iteration): L1 resumes at HOST_RIP")
                    #expect(vmx.vmcs[.vmExitReason] & 0xFFFF == UInt64(exit.reason.rawValue))
                }
            case .failedChecks(let result, let failure):
                failedChecks += 1
                #expect(verdict?.id == failure.id)
                #expect(result == .failedValid(.entryInvalidControlFields) || result == .failedValid(.entryInvalidHostStateFields))
            case .failureExit(let failure):
                failureExits += 1
                #expect(verdict == nil || verdict?.id == failure.id)
                #expect(vmx.vmcs[.vmExitReason] >> 31 == 1, "bit 31 of the exit reason is set")
                #expect(cpu.rip == vmx.vmcs[.hostRIP])
            case .instruction(let result): Issue.record("iteration \(iteration): \(result)")
            case .aborted: break
            }
        }
        print("VMCS fuzz: \(count) images, \(entered) entered, \(failedChecks) failed their checks, \(failureExits) failed entry exits")
        // The mutations must reach every outcome, or the fuzz tests less than it claims.
        #expect(
            entered > count / 20 && failedChecks > count / 20 && failureExits > count / 20, "\(entered) \(failedChecks) \(failureExits)")
    }
}
