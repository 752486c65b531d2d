import DeviceModels
import Foundation
import NestErrors
import NestRecords
import NestStore

/// L0's end of a VM's integration channel (nestvm(7), "INTEGRATION CHANNEL"): the bytes the hypervisor inside the VM
/// sends are framed into lines, each parsed as a record and checked before anything is done with it. Reports
/// about nested VMs go into the VM's own inventory in the store (state and exit), their console lines into
/// per-VM console logs, so read-only commands (`vmrun get --host lab1`) work from the store as for L0 VMs.
///
/// The guest is not trusted: a line longer than `recordLimit`, a line that is not a JSON object with a known
/// `Kind`, or a record whose values are out of range is dropped and counted, never acted on; a VM name its
/// inventory does not define is noted once and its reports are dropped.
final class IntegrationRelay {
    /// The longest record taken, in bytes.
    static let recordLimit = 65536

    let inventory: Inventory
    let vmId: String
    let vmName: String
    var framer = LineFramer(limit: recordLimit)
    /// Records acted on, and records dropped as malformed.
    private(set) var taken = 0, malformed = 0
    /// The service the hypervisor announced (`IntegrationService`), if any.
    private(set) var service: String?
    /// Lines for the user (stderr), not yet taken.
    var diagnostics: [String] = []
    /// Names reported that the inventory lacks, each noted once.
    var unknownNames: Set<String> = []
    /// Console logs of the nested VMs, by VM id.
    var consoleLogs: [String: ConsoleLog] = [:]
    /// Nested VM ids by lower-cased name, once seen.
    var ids: [String: String] = [:]
    /// Where bytes for the guest go (the machine's virtio console).
    var send: ([UInt8]) -> Void = { _ in }
    /// When each nested VM's progress was last recorded, by lower-cased name.
    var progressRecorded: [String: Date] = [:]
    /// Requests sent to the hypervisor and not yet answered, by RequestId.
    var pending: [Int: PendingRequest] = [:]
    var nextRequestId = 1
    /// Requests that came before the hypervisor announced itself, sent once it does.
    var held: [(words: Substring, client: ControlClient)] = []
    /// When the run began: requests wait for the announcement until `announcePatience` seconds after it.
    let began = Date()
    /// Seconds a request waits for the hypervisor's announcement, and for its answer.
    static let announcePatience = 5.0, answerPatience = 30.0
    /// Reads a nested VM's image.
    var readImage: (String) throws(NestError) -> [UInt8] = { image throws(NestError) in try GuestImages.read(image) }

    /// The relay of VM `vmName` (`vmId`).
    init(inventory: Inventory, vmId: String, vmName: String) {
        self.inventory = inventory
        self.vmId = vmId
        self.vmName = vmName
    }

    /// Oversized lines dropped.
    var oversized: Int { framer.droppedLines }

    /// Takes bytes the guest sent and acts on each complete record.
    func take(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        let before = framer.droppedLines
        for line in framer.append(bytes) {
            if apply(line) {
                taken += 1
            } else {
                malformed += 1
                if malformed == 1 {
                    diagnostics.append("integration channel: dropped a malformed record (\(Self.preview(line))); later ones are counted")
                }
            }
        }
        if before == 0 && framer.droppedLines > 0 {
            diagnostics.append(
                "integration channel: dropped a record longer than \(Self.recordLimit) bytes; later ones are counted")
        }
    }

    /// A summary for the end of the run, when anything was dropped.
    var summary: String? {
        guard malformed > 0 || oversized > 0 else { return nil }
        return "integration channel: \(taken) records taken, \(malformed) malformed and \(oversized) oversized dropped"
    }

    /// The record on `line`, acted on; false when it is malformed.
    func apply(_ line: [UInt8]) -> Bool {
        guard let text = String(validating: line, as: UTF8.self), case .object(let record)? = try? JSONParser.parse(text),
            let kind = record["Kind"]?.stringValue
        else { return false }
        switch kind {
        case "IntegrationService":
            guard let name = record["Service"]?.stringValue, Self.isShort(name) else { return false }
            service = name
            do { try inventory.recordIntegrationService(vmId: vmId, name) } catch {
                diagnostics.append("integration channel: \(error.message)")
            }
            sendInventory()
            let waiting = held
            held.removeAll()
            for (words, client) in waiting {
                if let reply = request(words, client: client) { client.reply(reply) }
            }
            return true
        case "HypervisorError":
            guard let message = record["Message"]?.stringValue, Self.isShort(message, limit: 1024),
                let category = record["Category"]?.stringValue, Self.isShort(category)
            else { return false }
            diagnostics.append(Self.explain(category: category, message, vm: vmName, service: service))
            return true
        case "VirtualMachine": return applyState(record)
        case "RequestResult": return applyResult(record)
        case "VMProgress":
            guard let name = validName(record), let count = record["InstructionsRetired"]?.intValue, count >= 0 else { return false }
            // Recorded about once a second per VM, as an L0 VM's progress is; the end carries the final count.
            let now = Date()
            if now.timeIntervalSince(progressRecorded[name.lowercased()] ?? .distantPast) >= 1 {
                progressRecorded[name.lowercased()] = now
                recordReport(name, .progress(instructionsRetired: UInt64(count)))
            }
            return true
        case "VMConsole":
            guard let name = validName(record), let data = record["Data"]?.stringValue else { return false }
            if let id = nestedId(name) { consoleLog(id)?.append(Array(data.utf8)) }
            return true
        default: return false
        }
    }

    /// Sends `record` as a line, then `bytes` (an image the record announced).
    func sendRecord(_ record: Record, then bytes: [UInt8] = []) { send(Array((JSONWriter.line(record) + "\n").utf8) + bytes) }

    /// Sends the VM's nested inventory (nestvm(7), "INTEGRATION CHANNEL"): per nested VM a `VirtualMachine` record
    /// with its settings (the image right after it when the hypervisor starts the VM now, its
    /// AutomaticStartAction), its `VMProcessor` and `VMMemory` records and a `VMNetworkAdapter` record per adapter;
    /// then `InventoryEnd`.
    func sendInventory() {
        guard let objects = inventoryObjects() else {
            sendRecord(Record([("Kind", "InventoryEnd"), ("Count", 0)]))
            return
        }
        for object in objects.records {
            var image: [UInt8]?
            if let row = object.startsNow, let name = row.image {
                do { image = try readImage(name) } catch {
                    diagnostics.append("integration channel: \(row.name) does not start with \(vmName): \(error.message)")
                }
            }
            var record = object.record
            if let image { record["ImageBytes"] = .int(Int64(image.count)) }
            sendRecord(record, then: image ?? [])
        }
        sentInventory = objects.lines
        sendRecord(Record([("Kind", "InventoryEnd"), ("Count", .int(Int64(objects.vmCount)))]))
        inventoryCheckedAt = Date()
    }

    /// The nested inventory as last sent, a record's line by its object (kind and id).
    var sentInventory: [String: (record: Record, line: String)] = [:]
    var inventoryCheckedAt = Date.distantPast
    /// Seconds between two looks at the store for changes to the nested inventory.
    static let inventoryInterval = 0.5

    /// Sends what changed in the nested inventory since it was last sent, at most every `inventoryInterval`
    /// seconds once the hypervisor announced itself: the new and changed objects' records, a record with
    /// `Removed` true for each object gone, then `InventoryEnd` with `Changed`.
    func sendInventoryChanges(now: Date = Date()) {
        guard service != nil, now.timeIntervalSince(inventoryCheckedAt) >= Self.inventoryInterval else { return }
        inventoryCheckedAt = now
        guard let objects = inventoryObjects() else { return }
        var changed = 0
        for object in objects.records where sentInventory[object.key]?.line != objects.lines[object.key]?.line {
            sendRecord(object.record)
            changed += 1
        }
        for (key, old) in sentInventory.sorted(by: { $0.key < $1.key }) where objects.lines[key] == nil {
            var removed = Record([("Kind", old.record["Kind"] ?? .null), ("Removed", true)])
            for field in ["VMName", "VMId", "Name", "Id", "InterfaceAlias", "IPAddress", "StaticMappingID"] {
                if let value = old.record[field] { removed[field] = value }
            }
            sendRecord(removed)
            changed += 1
        }
        guard changed > 0 else { return }
        sentInventory = objects.lines
        sendRecord(Record([("Kind", "InventoryEnd"), ("Count", .int(Int64(objects.vmCount))), ("Changed", .int(Int64(changed)))]))
    }

    /// One object of the nested inventory as sent: its key (kind and id), its record, and the VM's row when the
    /// hypervisor starts it at boot.
    struct InventoryObject {
        var key: String
        var record: Record
        var startsNow: VMRow?
    }

    /// The nested inventory's objects in the order sent (each VM, then its processor, memory and adapters), and
    /// each record's line by key; nil (and said) when the store cannot be read.
    func inventoryObjects() -> (records: [InventoryObject], lines: [String: (record: Record, line: String)], vmCount: Int)? {
        let host: NestStore.Host, rows: [VMRow], adapters: [Record], network: [(key: String, record: Record)]
        do throws(NestError) {
            (host, rows) = try inventory.vms(host: vmName)
            adapters = try inventory.adapterRecords(host: vmName, selectors: [])
            network = try networkObjects()
        } catch {
            diagnostics.append("integration channel: the nested inventory cannot be read: \(error.message)")
            return nil
        }
        var objects: [InventoryObject] = []
        for row in rows {
            ids[row.name.lowercased()] = row.id
            let record = Record(kind: .virtualMachine, [("VMName", .string(row.name))] + settings(of: row))
            objects.append(InventoryObject(key: "VirtualMachine " + row.id, record: record, startsNow: row.startsWithHost ? row : nil))
            objects.append(InventoryObject(key: "VMProcessor " + row.id, record: Self.flat(row.processorRecord(on: host))))
            objects.append(InventoryObject(key: "VMMemory " + row.id, record: Self.flat(row.memoryRecord(on: host))))
            for adapter in adapters where adapter["VMId"]?.stringValue == row.id {
                objects.append(InventoryObject(key: "VMNetworkAdapter " + (adapter["Id"]?.stringValue ?? ""), record: Self.flat(adapter)))
            }
        }
        objects += network.map { InventoryObject(key: $0.key, record: Self.flat($0.record)) }
        var lines: [String: (record: Record, line: String)] = [:]
        for object in objects { lines[object.key] = (object.record, JSONWriter.line(object.record)) }
        return (objects, lines, rows.count)
    }

    /// The network of the VM's own inventory, each object keyed by kind and id: its switches, its adapters (its
    /// own `Ethernet`s and the `vEthernet (NAME)` of each internal switch), their IP addresses, NetNats and static
    /// mappings.
    func networkObjects() throws(NestError) -> [(key: String, record: Record)] {
        func keyed(_ records: [Record], _ kind: String, by fields: [String]) -> [(key: String, record: Record)] {
            records.map { record in
                (
                    kind + " "
                        + fields.map { record[$0].map { v in v.stringValue ?? v.intValue.map(String.init) ?? "" } ?? "" }.joined(
                            separator: " "), record
                )
            }
        }
        return try keyed(inventory.switches(host: vmName), "VMSwitch", by: ["Id"])
            + keyed(inventory.netAdapterRecords(host: vmName), "NetAdapter", by: ["Id"])
            + keyed(inventory.ipAddressRecords(host: vmName), "NetIPAddress", by: ["InterfaceAlias", "IPAddress"])
            + keyed(inventory.natRecords(host: vmName), "NetNat", by: ["Id"])
            + keyed(inventory.mappingRecords(host: vmName), "NetNatStaticMapping", by: ["StaticMappingID"])
    }

    /// `record` as the channel carries an inventory object: flat (no arrays or objects), without ComputerName,
    /// which names L0's view of the host.
    static func flat(_ record: Record) -> Record {
        var flat = record
        for (key, value) in record.fields {
            switch value {
            case .array, .object: flat[key] = nil
            default: if key == "ComputerName" { flat[key] = nil }
            }
        }
        return flat
    }

    /// A request sent and not yet answered: who waits, for which nested VM, until when.
    struct PendingRequest {
        var client: ControlClient
        var action: Action
        var name: String
        var deadline: Date
    }

    /// What a control request asks of a nested VM, as `nested ACTION ID`, and as the `Action` of its `Request`.
    enum Action: String {
        case start, stop, turnOff = "turn-off", pause, resume, input

        var record: String {
            switch self {
            case .start: "Start"
            case .stop: "Stop"
            case .turnOff: "TurnOff"
            case .pause: "Pause"
            case .resume: "Resume"
            case .input: "Input"
            }
        }

        /// The verb of a refusal: "refused to start 'nested1'".
        var verb: String { self == .turnOff ? "turn off" : rawValue }
    }

    /// A control request for nested VM `ID`, `nested ACTION ID [ARGUMENT]` (ARGUMENT: the reason of a turn-off, the
    /// hexadecimal bytes of an input): sent to the hypervisor as a `Request` record and answered when its
    /// `RequestResult` comes (nil: `client` is kept until then), or refused at once. Input is not answered by the
    /// hypervisor; its reply is immediate.
    func request(_ words: Substring, client: ControlClient) -> String? {
        let parts = words.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, let action = Action(rawValue: String(parts[0])) else {
            return "error unknown nested request '\(words)'"
        }
        let argument = parts.count > 2 ? String(parts[2]) : ""
        guard service != nil else {
            if Date().timeIntervalSince(began) < Self.announcePatience {
                held.append((words, client))
                return nil
            }
            return ControlChannel.errorReply(
                NestError(
                    .integrationServiceMissing,
                    "VM '\(vmName)' runs an image without the integration service, so nothing in it can act on its nested VMs: run minivisor in it (vmrun stop \(vmName); vmrun set \(vmName) --image minivisor; vmrun start \(vmName))",
                    target: vmName))
        }
        guard let row = try? inventory.vms(host: vmName, selectors: [.id(String(parts[1]))]).rows.first else {
            return ControlChannel.errorReply(
                NestError(.objectNotFound, "VM '\(vmName)' has no nested VM with id \(parts[1])", target: vmName))
        }
        ids[row.name.lowercased()] = row.id
        var record = Record([("Kind", .string("Request")), ("Action", .string(action.record)), ("VMName", .string(row.name))])
        var image: [UInt8] = []
        switch action {
        case .start:
            do { image = try readImage(row.image ?? "") } catch {
                return ControlChannel.errorReply(NestError(error.category, error.message, target: row.name))
            }
            for (key, value) in settings(of: row) { record[key] = value }
            record["ImageBytes"] = .int(Int64(image.count))
        case .turnOff:
            if !argument.isEmpty { record["Reason"] = .string(argument) }
        case .input:
            guard let bytes = ControlChannel.bytes(fromHex: Substring(argument)) else { return "error input needs hexadecimal bytes" }
            record["Data"] = .string(String(decoding: bytes, as: UTF8.self))
            sendRecord(record)
            return "ok"
        case .stop, .pause, .resume: break
        }
        let id = nextRequestId
        nextRequestId += 1
        record["RequestId"] = .int(Int64(id))
        pending[id] = PendingRequest(
            client: client, action: action, name: row.name, deadline: Date().addingTimeInterval(Self.answerPatience))
        sendRecord(record, then: image)
        return nil
    }

    /// The hypervisor's answer to a request: the waiting client is told, with the category and message of a
    /// refusal. An answer to no request sent is malformed.
    func applyResult(_ record: Record) -> Bool {
        guard let id = record["RequestId"]?.intValue, let result = record["Result"]?.stringValue,
            let request = pending[Int(id)], result == "Done" || result == "Refused"
        else { return false }
        pending[Int(id)] = nil
        guard result == "Refused" else {
            request.client.reply("ok")
            return true
        }
        let message = record["Message"]?.stringValue.flatMap { Self.isShort($0, limit: 1024) ? $0 : nil } ?? "no reason given"
        let category = record["Category"]?.stringValue.flatMap(Self.refusalCategory) ?? .hypervisorRefused
        request.client.reply(ControlChannel.errorReply(explainRefusal(category, message, request)))
        return true
    }

    /// Requests that waited too long, answered with an error: for the announcement, or for the answer.
    func expire(now: Date = Date()) {
        if service == nil, !held.isEmpty, now.timeIntervalSince(began) >= Self.announcePatience {
            let waiting = held
            held.removeAll()
            for (words, client) in waiting { client.reply(request(words, client: client) ?? "error") }
        }
        for (id, request) in pending where request.deadline <= now {
            pending[id] = nil
            request.client.reply(
                ControlChannel.errorReply(
                    NestError(
                        .hypervisorRefused,
                        "\(service ?? "the hypervisor") in VM '\(vmName)' did not answer within \(Int(Self.answerPatience)) s",
                        target: request.name)))
        }
    }

    /// Answers every request still waiting: the run of the VM ended (`why`).
    func abandonRequests(_ why: String) {
        for (_, client) in held {
            client.reply(ControlChannel.errorReply(NestError(.vmNotRunning, "VM '\(vmName)' \(why)", target: vmName)))
        }
        held.removeAll()
        for request in pending.values {
            request.client.reply(
                ControlChannel.errorReply(NestError(.vmNotRunning, "VM '\(vmName)' \(why) before answering", target: request.name)))
        }
        pending.removeAll()
    }

    /// The categories a hypervisor's refusal may carry; anything else is HypervisorRefused.
    static func refusalCategory(_ text: String) -> ErrorCategory? {
        let known: [ErrorCategory] = [
            .insufficientMemory, .memoryOutOfRange, .processorOutOfRange, .nestedLevelNotOffered, .vmAlreadyRunning,
            .vmNotRunning, .badImage, .invalidArgument, .hostLacksVirtualizationExtensions,
        ]
        return known.first { $0.rawValue == text }
    }

    /// A refusal as the user reads it: which hypervisor refused what, what it said, and the commands that fix it.
    func explainRefusal(_ category: ErrorCategory, _ message: String, _ request: PendingRequest) -> NestError {
        let (vm, nested) = (vmName, request.name)
        let fix: String
        switch category {
        case .insufficientMemory:
            fix = " (vmrun stop \(vm); vmrun set \(vm) --memory SIZE; or vmrun set --host \(vm) \(nested) --memory SIZE)"
        case .processorOutOfRange:
            fix =
                " (vmproc set --host \(vm) \(nested) --count N with N no more than that; or give \(vm) more: vmrun stop \(vm); vmproc set \(vm) --count N)"
        case .nestedLevelNotOffered: fix = ": vmproc set --host \(vm) \(nested) --expose-virtualization-extensions false"
        default: fix = ""
        }
        return NestError(
            category, "\(service ?? "the hypervisor") in VM '\(vm)' refused to \(request.action.verb) '\(nested)': \(message)\(fix)",
            target: nested)
    }

    /// A nested VM's settings as the hypervisor starts it with them, in its inventory record and in a start request.
    func settings(of row: VMRow) -> [(String, JSONValue)] {
        [
            ("VMId", .string(row.id)), ("MemoryStartup", .int(row.memoryStartup)), ("ProcessorCount", .int(Int64(row.processorCount))),
            ("ExposeVirtualizationExtensions", .bool(row.exposeVirtualizationExtensions)), ("CommandLine", .string(row.commandLine)),
            ("AutomaticStartAction", .string(row.automaticStartAction.rawValue)),
        ]
    }

    /// A nested VM's start or end; an end's InstructionsRetired is recorded before it.
    func applyState(_ record: Record) -> Bool {
        guard let name = validName(record), let state = record["State"]?.stringValue else { return false }
        let retired = record["InstructionsRetired"]?.intValue
        if let retired, retired < 0 { return false }
        let report: NestedRunReport
        switch state {
        case "Running":
            if record["Resumed"]?.boolValue == true {
                report = .paused(false)
            } else {
                let memory = record["MemoryAssigned"]?.intValue
                if let memory, memory < 0 { return false }
                report = .started(memoryAssigned: memory)
            }
        case "Paused": report = .paused(true)
        case "Off":
            guard let status = record["ExitStatus"]?.intValue, (0...255).contains(status),
                let reason = record["ExitReason"]?.stringValue, Self.isShort(reason, limit: 1024)
            else { return false }
            report = .ended(exitStatus: Int32(status), reason: reason, byHost: record["ByHost"]?.boolValue ?? false)
        default: return false
        }
        if let retired, case .ended = report { recordReport(name, .progress(instructionsRetired: UInt64(retired))) }
        recordReport(name, report)
        return true
    }

    /// Records `report` of nested VM `name`; a name the inventory lacks is noted.
    func recordReport(_ name: String, _ report: NestedRunReport) {
        do {
            if let id = try inventory.recordNestedRun(hostVMId: vmId, name: name, report) {
                ids[name.lowercased()] = id
                if case .started = report { consoleLog(id, restart: true) }
            } else {
                noteUnknown(name)
            }
        } catch {
            diagnostics.append("integration channel: \(name): \(error.message)")
        }
    }

    /// The record's VMName when it is a valid VM name.
    func validName(_ record: Record) -> String? {
        guard let name = record["VMName"]?.stringValue, (try? ObjectName.validate(name, kind: "VM")) != nil else { return nil }
        return name
    }

    /// The id of nested VM `name`, looked up once; nil (and noted) when the inventory lacks it.
    func nestedId(_ name: String) -> String? {
        if let id = ids[name.lowercased()] { return id }
        guard let row = try? inventory.vms(host: vmName, selectors: [.name(name)]).rows.first else {
            noteUnknown(name)
            return nil
        }
        ids[name.lowercased()] = row.id
        return row.id
    }

    func noteUnknown(_ name: String) {
        guard unknownNames.insert(name.lowercased()).inserted else { return }
        diagnostics.append(
            "integration channel: \(service ?? "the hypervisor") reports nested VM '\(name)', which VM '\(vmName)' does not define; `vmrun new --host \(vmName) \(name)` records its state"
        )
    }

    /// The console log of nested VM `id`, opened (emptied) at its start.
    @discardableResult
    func consoleLog(_ id: String, restart: Bool = false) -> ConsoleLog? {
        if !restart, let log = consoleLogs[id] { return log }
        let files = WorkerFiles(directory: inventory.store.directory, vmId: id)
        guard (try? files.prepare()) != nil, let log = try? ConsoleLog(files: files, limit: ConsoleLog.configuredLimit()) else {
            return nil
        }
        consoleLogs[id] = log
        return log
    }

    /// What the user reads for a hypervisor's refusal: which VM, what it said, and the fix for the categories
    /// nestvm knows.
    static func explain(category: String, _ message: String, vm: String, service: String?) -> String {
        let who = service ?? "the hypervisor"
        switch category {
        case "HostLacksVirtualizationExtensions":
            return
                "\(who) in VM '\(vm)': \(message); turn '\(vm)' off and expose them: \(SuggestedCommand.exposeVirtualizationExtensions(vm: vm).text(on: .localhost)) [\(category)]"
        default:
            return "\(who) in VM '\(vm)': \(message) [\(category)]"
        }
    }

    static func isShort(_ text: String, limit: Int = 256) -> Bool { text.utf8.count <= limit }

    /// The start of a dropped line, printable.
    static func preview(_ line: [UInt8]) -> String {
        let head = String(decoding: line.prefix(60), as: UTF8.self).unicodeScalars.map { $0.value < 0x20 ? "?" : String($0) }.joined()
        return line.count > 60 ? head + "…" : head
    }
}
