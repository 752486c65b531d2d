/// minivisor's side of the integration channel (nestvm(7), "Integration channel"): what it tells L0, as
/// JSON Lines records, when there is a channel. Without one (an L0 without the device, or minivisor itself
/// nested) it reports nothing, and its console says everything anyway.
final class Integration {
    var channel: IntegrationChannel?

    /// The channel the boot information lists, if any.
    init(_ boot: BootInfo) { channel = IntegrationChannel(boot) }

    /// Whether records reach L0.
    var isConnected: Bool { channel != nil }

    func send(_ record: RecordLine) { channel?.send(record.line) }

    /// minivisor is up and speaks the channel, with `nestedCount` nested VMs given.
    func announce(nestedCount: Int) {
        var r = RecordLine(kind: "IntegrationService")
        r.add("Service", "minivisor")
        r.add("Version", 1)
        r.add("NestedVMs", nestedCount)
        send(r)
    }

    /// No nested VM can run here, for the reason `message` gives; `category` is nestvm's error category.
    func refuse(category: String, _ message: String) {
        var r = RecordLine(kind: "HypervisorError")
        r.add("Category", category)
        r.add("Message", message)
        send(r)
    }

    /// Nested VM `name` started with `memoryBytes` of memory.
    func started(_ name: String, memoryBytes: UInt64) {
        var r = RecordLine(kind: "VirtualMachine")
        r.add("VMName", name)
        r.add("State", "Running")
        r.add("MemoryAssigned", Int(memoryBytes))
        send(r)
    }

    /// Nested VM `name` ended (or never started), with nestvm's exit status and reason.
    func ended(_ name: String, status: Int, reason: String, exits: Int) {
        var r = RecordLine(kind: "VirtualMachine")
        r.add("VMName", name)
        r.add("State", "Off")
        r.add("ExitStatus", status)
        r.add("ExitReason", reason)
        r.add("ExitsHandled", exits)
        send(r)
    }

    /// A line nested VM `name` wrote to its console (with its line feed).
    func console(_ name: String, _ line: ArraySlice<UInt8>) {
        guard isConnected else { return }
        var r = RecordLine(kind: "VMConsole")
        r.add("VMName", name)
        r.add("Data", bytes: Array(line))
        send(r)
    }
}
