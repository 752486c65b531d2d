import Machine
import Testing
import VMX
import X86

/// What `vmrun … --trace` records: every exit with its level and who handled it, every entry with its outcome,
/// and the same events, in the same order with the same instruction counts, on every run.
@Suite struct NestedTraceTests {
    static func traced(_ source: String, _ tracing: NestedTracing) throws -> (events: [NestedTraceEvent], status: Machine.Status) {
        let m = try NestedVMXTests.machine(source)
        var events: [NestedTraceEvent] = []
        m.tracing = tracing
        m.traceSink = { events.append($0) }
        let status = m.runToEnd()
        return (events, status)
    }

    @Test("A CPUID loop: each L2 CPUID is an exit handled by L1, each VMRESUME an entry; the exit port is L0's")
    func cpuidLoop() throws {
        let (events, status) = try Self.traced(NestedVMXTests.cpuidLoop(count: 5), .entries)
        #expect(status == .stopped(.guestExit(5)))
        let l2 = events.filter { $0.kind == .exit && $0.level == 2 }
        #expect(l2.map(\.reason) == Array(repeating: ExitReason.cpuid, count: 5) + [ExitReason.ioInstruction])
        #expect(l2.map(\.handledBy) == Array(repeating: .l1, count: 5) + [.l0])
        #expect(l2.allSatisfy { $0.instructionLength == 2 })
        let entries = events.filter { $0.kind == .entry }
        #expect(entries.map(\.launch) == [true] + Array(repeating: false, count: 5))
        #expect(entries.allSatisfy { $0.result == "Entered" && $0.check == nil })
        // Each entry comes before the exit that ends it, and time only moves forward.
        #expect(zip(events, events.dropFirst()).allSatisfy { $0.instructionsRetired <= $1.instructionsRetired })
        #expect(events.contains { $0.kind == .exit && $0.level == 1 && $0.reason == ExitReason.vmxon && $0.handledBy == .l0 })
    }

    @Test("With exits only, no entry events; two runs give identical traces")
    func deterministic() throws {
        let first = try Self.traced(NestedVMXTests.cpuidLoop(count: 7), .exits)
        let second = try Self.traced(NestedVMXTests.cpuidLoop(count: 7), .exits)
        #expect(!first.events.isEmpty)
        #expect(first.events.allSatisfy { $0.kind == .exit })
        #expect(first.events == second.events)
    }

    @Test("A failed entry is traced with the check's identifier; tracing off records nothing")
    func failedEntry() throws {
        let broken =
            NestedGuest.enableVMX + "\n" + NestedGuest.setUp() + """
                mov %cr0, %rcx; btr $0, %rcx
                \(NestedGuest.write(.guestCR0, "%rcx"))
                vmlaunch
                on_exit:
                \(NestedGuest.read(.vmExitReason, into: "%rdx"))
                mov %dl, %al; out %al, $0xf4
                l2: hlt
                """
        let (events, status) = try Self.traced(broken, .entries)
        #expect(status == .stopped(.guestExit(33)))
        let entry = try #require(events.first { $0.kind == .entry })
        #expect(entry.result == "EntryFailed")
        #expect(entry.check?.id == "guest.cr0.fixed-bits")
        #expect(entry.reason == ExitReason.entryFailureGuestState)
        #expect(try Self.traced(broken, .off).events == [])
    }
}
