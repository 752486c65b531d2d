/// minivisor's side of the integration channel (nestvm(7), "Integration channel"): what it tells L0, as
/// JSON Lines records, when there is a channel. Without one (an L0 without the device, or minivisor itself
/// nested) it reports nothing, and its console says everything anyway.
final class Integration {
    var channel: IntegrationChannel?
    /// Lines and images from L0.
    var framer = LineFramer(limit: 65536)
    /// Lines from L0 that were no record minivisor knows.
    var ignoredLines = 0

    /// A record from L0, with the image that followed it when the record announced one (`ImageBytes`).
    struct Message {
        var record: ChannelRecord
        var image: [UInt8]?
    }
    /// Messages framed but not yet taken, and the record whose image is still arriving.
    var messages: [Message] = []
    var awaitingImage: (record: ChannelRecord, bytes: Int)? = nil
    /// The nested inventory as L0 last sent it.
    var inventory = NestedInventory()

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
    func ended(_ name: String, status: Int, reason: String, exits: Int, instructions: UInt64 = 0, byHost: Bool = false) {
        var r = RecordLine(kind: "VirtualMachine")
        r.add("VMName", name)
        r.add("State", "Off")
        r.add("ExitStatus", status)
        r.add("ExitReason", reason)
        r.add("ExitsHandled", exits)
        r.add("InstructionsRetired", Int(truncatingIfNeeded: instructions))
        if byHost { r.add("ByHost", true) }
        send(r)
    }

    /// Takes the bytes L0 sent so far and frames them into messages; true when any arrived.
    @discardableResult
    func pump() -> Bool {
        guard let channel else { return false }
        let bytes = channel.receive()
        guard !bytes.isEmpty else { return false }
        framer.push(bytes)
        while true {
            if let (record, count) = awaitingImage {
                guard let image = framer.nextBytes(count) else { break }
                messages.append(Message(record: record, image: image))
                awaitingImage = nil
                continue
            }
            guard let line = framer.nextLine() else { break }
            guard let record = ChannelRecord(line), record.string("Kind") != nil else {
                ignoredLines += 1
                continue
            }
            if let count = record.integer("ImageBytes"), count > 0, count <= Self.imageLimit {
                awaitingImage = (record, count)
            } else {
                messages.append(Message(record: record, image: nil))
            }
        }
        return true
    }

    /// The messages framed so far, taken.
    func takeMessages() -> [Message] {
        defer { messages.removeAll() }
        return messages
    }

    /// The nested inventory L0 sends once minivisor announced itself, taken into `inventory`: its `VirtualMachine`
    /// records (returned, each with the image that followed it when it carries `ImageBytes`) and the other
    /// objects' records, up to `InventoryEnd`. Empty without a channel, or when
    /// nothing arrives for `patience` TSC ticks (L0 answers within a slice of its run loop, 2 ms of machine time).
    /// What L0 sends after `InventoryEnd` (requests) stays for `takeMessages`.
    func receiveInventory(patience: UInt64 = 20_000_000) -> [Message] {
        guard let channel else { return [] }
        var entries: [Message] = []
        var deadline = nv_rdtsc() &+ patience
        while nv_rdtsc() < deadline && !channel.isBroken {
            if pump() { deadline = nv_rdtsc() &+ patience }
            while !messages.isEmpty {
                let message = messages.removeFirst()
                if message.record.isKind("InventoryEnd") {
                    _ = inventory.takeChanges()  // all of it is new at boot
                    return entries
                }
                let taken = inventory.apply(message.record)  // not without its VMId, which L0 always sends
                if message.record.isKind("VirtualMachine"), message.record.string("VMName") != nil {
                    entries.append(message)
                } else if !taken {
                    ignoredLines += 1
                }
            }
            nv_pause()
        }
        print("minivisor: L0 sent no nested inventory; only the boot modules run")
        return entries
    }

    /// The answer to L0's request `id`: done, or refused with nestvm's error `category` and `message`.
    func answer(_ id: Int, _ name: String, refused: (category: String, message: String)? = nil) {
        var r = RecordLine(kind: "RequestResult")
        r.add("RequestId", id)
        r.add("VMName", name)
        r.add("Result", refused == nil ? "Done" : "Refused")
        if let refused {
            r.add("Category", refused.category)
            r.add("Message", refused.message)
        }
        send(r)
    }

    /// How far nested VM `name` got: the instructions it retired so far.
    func progress(_ name: String, instructions: UInt64) {
        var r = RecordLine(kind: "VMProgress")
        r.add("VMName", name)
        r.add("InstructionsRetired", Int(truncatingIfNeeded: instructions))
        send(r)
    }

    /// Nested VM `name` was paused, or resumed.
    func paused(_ name: String, _ isPaused: Bool) {
        var r = RecordLine(kind: "VirtualMachine")
        r.add("VMName", name)
        r.add("State", isPaused ? "Paused" : "Running")
        if !isPaused { r.add("Resumed", true) }
        send(r)
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
