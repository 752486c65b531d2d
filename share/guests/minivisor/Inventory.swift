/// The nested inventory as L0 last sent it (nestvm(7), "INTEGRATION CHANNEL"): each nested VM defined for this
/// VM, with the settings its `VirtualMachine`, `VMProcessor` and `VMMemory` records carry and its adapters'
/// records, and what the batch being received changes. L0 sends the whole inventory at boot, then, while this
/// VM runs, the objects that changed (a record with `Removed` true for one gone), each batch ended by
/// `InventoryEnd`. Records name objects by their ids; one naming a VM not (yet) defined is ignored.
struct NestedInventory {
    struct Entry {
        var id: [UInt8]
        var name: [UInt8]
        var memoryStartup: Int
        var processorCount: Int
        /// The adapters' ids and their records' fields, to tell a change.
        var adapters: [(id: [UInt8], fields: [([UInt8], ChannelRecord.Value)])]
    }
    var entries: [Entry] = []
    /// What the batch so far changed, a phrase per change ("nested2 defined (32 MiB, 1 processor)", "nested1: 64 MiB").
    var changes: [(id: [UInt8], what: String, isDefinition: Bool)] = []

    /// This VM's own network objects (its switches, adapters, IP addresses, NetNats and static mappings), each by
    /// its kind and id, and whether the batch being received changed any.
    var network: [(key: [UInt8], record: ChannelRecord)] = []
    var networkChanged = false

    /// Takes `record` when it is an inventory object's; false for any other record.
    mutating func apply(_ record: ChannelRecord) -> Bool {
        let removed = record.boolean("Removed") == true
        if let key = Self.networkKey(record) {
            let known = network.firstIndex { $0.key == key }
            if removed {
                if let known { network.remove(at: known) }
            } else if let known {
                if Self.same(network[known].record.fields, record.fields) { return true }
                network[known].record = record
            } else {
                network.append((key, record))
            }
            networkChanged = true
            return true
        }
        guard let vmId = record.string("VMId") else { return false }
        let index = entries.firstIndex { $0.id == vmId }
        if record.isKind("VirtualMachine") {
            guard let name = record.string("VMName") else { return false }
            if removed {
                if let index { note(vmId, "\(Self.text(entries[index].name)) removed", .removal); entries.remove(at: index) }
                return true
            }
            let memory = record.integer("MemoryStartup") ?? 0, count = record.integer("ProcessorCount") ?? 1
            guard let index else {
                entries.append(Entry(id: vmId, name: name, memoryStartup: memory, processorCount: count, adapters: []))
                note(vmId, "\(Self.text(name)) defined (\(memory >> 20) MiB, \(Self.processors(count)))", .definition)
                return true
            }
            if entries[index].name != name {
                changed(index, "renamed \(Self.text(name))")
                entries[index].name = name
            }
            setMemory(index, memory)
            setProcessors(index, count)
            return true
        }
        guard record.isKind("VMProcessor") || record.isKind("VMMemory") || record.isKind("VMNetworkAdapter") else { return false }
        guard let index else { return true }
        if record.isKind("VMProcessor"), let count = record.integer("Count") {
            setProcessors(index, count)
        } else if record.isKind("VMMemory"), let memory = record.integer("Startup") {
            setMemory(index, memory)
        } else if record.isKind("VMNetworkAdapter"), let adapterId = record.string("Id") {
            let known = entries[index].adapters.firstIndex { $0.id == adapterId }
            let adapter = "adapter '" + (record.text("Name") ?? "?") + "'"
            if removed {
                if let known { entries[index].adapters.remove(at: known); changed(index, adapter + " removed") }
            } else if let known {
                if !Self.same(entries[index].adapters[known].fields, record.fields) {
                    entries[index].adapters[known].fields = record.fields
                    changed(index, adapter + " changed")
                }
            } else {
                entries[index].adapters.append((adapterId, record.fields))
                changed(index, adapter + " added")
            }
        }
        return true
    }

    /// The network object `record` describes, as its kind and id; nil for a record of another kind.
    static func networkKey(_ record: ChannelRecord) -> [UInt8]? {
        for (kind, fields) in [
            ("VMSwitch", ["Id"]), ("NetAdapter", ["Id"]), ("NetIPAddress", ["InterfaceAlias", "IPAddress"]), ("NetNat", ["Id"]),
            ("NetNatStaticMapping", ["StaticMappingID"]),
        ] as [(StaticString, [StaticString])] where record.isKind(kind) {
            var key = kind.withUTF8Buffer { Array($0) }
            for field in fields {
                key.append(0x20)
                switch record.value(field) {
                case .string(let text)?: key += text
                case .integer(let n)?: key += Array("\(n)".utf8)
                default: break
                }
            }
            return key
        }
        return nil
    }

    /// The network objects of kind `kind`.
    func networkRecords(_ kind: StaticString) -> [ChannelRecord] { network.filter { $0.record.isKind(kind) }.map { $0.record } }

    /// The batch's changes as one phrase ("nested2 defined (32 MiB, 1 processor); nested1: 64 MiB"), taken; nil
    /// when nothing changed.
    mutating func takeChanges() -> String? {
        defer { changes.removeAll() }
        if networkChanged { changes.append(([], "this VM's network", false)) }
        networkChanged = false
        guard !changes.isEmpty else { return nil }
        var phrase = ""
        for (k, change) in changes.enumerated() { phrase += (k == 0 ? "" : "; ") + change.what }
        return phrase
    }

    mutating func setMemory(_ index: Int, _ memory: Int) {
        guard memory != entries[index].memoryStartup else { return }
        entries[index].memoryStartup = memory
        changed(index, "\(memory >> 20) MiB")
    }

    mutating func setProcessors(_ index: Int, _ count: Int) {
        guard count != entries[index].processorCount else { return }
        entries[index].processorCount = count
        changed(index, Self.processors(count))
    }

    mutating func changed(_ index: Int, _ what: String) { note(entries[index].id, Self.text(entries[index].name) + ": " + what) }

    enum Change { case definition, removal, setting }

    /// Notes what happened to VM `id` in this batch: a VM defined is not also said to change, and a removal
    /// replaces whatever else the batch said of it.
    mutating func note(_ id: [UInt8], _ what: String, _ change: Change = .setting) {
        if change == .removal { changes.removeAll { $0.id == id && !$0.isDefinition } }
        if change == .setting && changes.contains(where: { $0.id == id && $0.isDefinition }) { return }
        if change == .removal, let k = changes.firstIndex(where: { $0.id == id }) {
            changes[k] = (id, what, false)
            return
        }
        changes.append((id, what, change == .definition))
    }

    static func processors(_ count: Int) -> String { "\(count) processor" + (count == 1 ? "" : "s") }

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    static func same(_ a: [([UInt8], ChannelRecord.Value)], _ b: [([UInt8], ChannelRecord.Value)]) -> Bool {
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) {
            guard x.0 == y.0 else { return false }
            switch (x.1, y.1) {
            case (.string(let p), .string(let q)): if p != q { return false }
            case (.integer(let p), .integer(let q)): if p != q { return false }
            case (.boolean(let p), .boolean(let q)): if p != q { return false }
            case (.null, .null): break
            default: return false
            }
        }
        return true
    }
}
