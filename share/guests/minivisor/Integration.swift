/// minivisor's side of the integration channel (nestvm(7), "Integration channel"): what it tells L0, as
/// JSON Lines records, when there is a channel. Without one (an L0 without the device, or minivisor itself
/// nested) it reports nothing, and its console says everything anyway.
final class Integration {
    var channel: IntegrationChannel?
    /// Lines and images from L0.
    var framer = LineFramer(limit: 65536)
    /// Lines from L0 that were no record minivisor knows.
    var ignoredLines = 0

    /// A nested VM of the VM's inventory, as L0 sent it; `image` when L0 asks minivisor to start it now.
    struct InventoryEntry {
        var record: ChannelRecord
        var image: [UInt8]?
    }

    /// The largest image L0 may send.
    static let imageLimit = 64 << 20

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

    /// Nested VM `name` ended (or never started), with nestvm's exit status and reason; `byHost` when minivisor
    /// turned it off because it was stopping itself.
    func ended(_ name: String, status: Int, reason: String, exits: Int, byHost: Bool = false) {
        var r = RecordLine(kind: "VirtualMachine")
        r.add("VMName", name)
        r.add("State", "Off")
        r.add("ExitStatus", status)
        r.add("ExitReason", reason)
        r.add("ExitsHandled", exits)
        if byHost { r.add("ByHost", true) }
        send(r)
    }

    /// The nested inventory L0 sends once minivisor announced itself: `VirtualMachine` records up to
    /// `InventoryEnd`, each followed by its image when it carries `ImageBytes`. Empty without a channel, or when
    /// nothing arrives for `patience` TSC ticks (L0 answers within a slice of its run loop, 2 ms of machine time).
    func receiveInventory(patience: UInt64 = 20_000_000) -> [InventoryEntry] {
        guard let channel else { return [] }
        var entries: [InventoryEntry] = []
        var waiting: ChannelRecord? = nil
        var imageBytes = 0
        var deadline = nv_rdtsc() &+ patience
        while nv_rdtsc() < deadline && !channel.isBroken {
            let bytes = channel.receive()
            if !bytes.isEmpty { deadline = nv_rdtsc() &+ patience }
            framer.push(bytes)
            while true {
                if let record = waiting {
                    guard let image = framer.nextBytes(imageBytes) else { break }
                    entries.append(InventoryEntry(record: record, image: image))
                    waiting = nil
                    continue
                }
                guard let line = framer.nextLine() else { break }
                guard let record = ChannelRecord(line) else {
                    ignoredLines += 1
                    continue
                }
                if record.isKind("InventoryEnd") { return entries }
                guard record.isKind("VirtualMachine"), record.string("VMName") != nil else {
                    ignoredLines += 1
                    continue
                }
                if let count = record.integer("ImageBytes"), count > 0, count <= Self.imageLimit {
                    waiting = record
                    imageBytes = count
                } else {
                    entries.append(InventoryEntry(record: record, image: nil))
                }
            }
            nv_pause()
        }
        print("minivisor: L0 sent no nested inventory; only the boot modules run")
        return entries
    }

    /// Nested VM `name` cannot start, for `reason`: said on the console and reported with status 70.
    func cannotStart(_ name: String, _ reason: String) {
        print("minivisor: \(name) cannot start: " + reason)
        ended(name, status: NestedEnd.unsupported("").status, reason: "cannot start: " + reason, exits: 0)
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
