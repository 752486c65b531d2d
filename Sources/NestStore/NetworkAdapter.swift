import NestErrors
import NestRecords
import GRDB

/// A VM's network adapter as stored.
public struct AdapterRow: Codable, FetchableRecord, PersistableRecord, Sendable {
    /// The table's name in the store.
    public static let databaseTableName = "vmNetworkAdapter"

    /// The adapter's id.
    public var id: String
    /// The id of the inventory's host VM, or "".
    public var host: String
    /// The VM the adapter belongs to.
    public var vmId: String
    /// The adapter's name.
    public var name: String
    /// Its MAC address.
    public var macAddress: String
    /// Whether the MAC address is dynamic.
    public var dynamicMacAddressEnabled: Bool
    /// The switch it is connected to, if any.
    public var switchId: String?
    /// MacAddressSpoofing.
    public var macAddressSpoofing: Bool
    /// DhcpGuard.
    public var dhcpGuard: Bool
    /// RouterGuard.
    public var routerGuard: Bool
    /// Its place among the VM's adapters.
    public var position: Int

    /// Synthetic network adapters a VM may have.
    static let maximumPerVM = 8

    /// The `VMNetworkAdapter` record (Get-VMNetworkAdapter).
    func record(on host: Host, vmName: String, switchName: String?, ipAddresses: [String]) -> Record {
        Record(
            kind: .vmNetworkAdapter,
            [
                ("ComputerName", .string(host.computerName)), ("Name", .string(name)),
                ("Id", .string(id)), ("VMName", .string(vmName)), ("VMId", .string(vmId)),
                ("IsManagementOs", false), ("SwitchName", switchName.map(JSONValue.string) ?? .null),
                ("SwitchId", switchId.map(JSONValue.string) ?? .null), ("Connected", .bool(switchId != nil)),
                ("MacAddress", .string(macAddress)), ("DynamicMacAddressEnabled", .bool(dynamicMacAddressEnabled)),
                ("MacAddressSpoofing", .string(macAddressSpoofing ? "On" : "Off")),
                ("DhcpGuard", .string(dhcpGuard ? "On" : "Off")), ("RouterGuard", .string(routerGuard ? "On" : "Off")),
                ("Status", .array(["Ok"])), ("IPAddresses", .array(ipAddresses.map(JSONValue.string))),
            ])
    }

    /// Adds an adapter to `vm`, and inside the VM the host adapter the guest sees for it ("Ethernet").
    static func add(to vm: inout VMRow, name: String, switchId: String?, staticMac: String?, on host: Host, _ db: Database) throws
        -> AdapterRow
    {
        try AdapterName.validate(name)
        if vm.generation == 1 {
            try vm.requireOff(toChange: "Network Adapter", host: host)
        }
        let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM vmNetworkAdapter WHERE vmId = ?", arguments: [vm.id]) ?? 0
        guard count < maximumPerVM else {
            throw NestError(
                .adapterLimit, "VM '\(vm.name)' already has \(maximumPerVM) network adapters, the most a VM can have; remove one first",
                target: vm.name)
        }
        let mac = try staticMac.map { try MacPool.checkStatic($0, on: host, db) } ?? MacPool.next(on: host, db)
        let adapter = AdapterRow(
            id: Inventory.newId(), host: host.key, vmId: vm.id, name: name, macAddress: mac.description,
            dynamicMacAddressEnabled: staticMac == nil, switchId: switchId, macAddressSpoofing: false, dhcpGuard: false,
            routerGuard: false, position: count)
        try adapter.insert(db)
        try NetAdapterRow.addGuestAdapter(for: adapter, insideVM: vm, db)
        return adapter
    }
}

/// How a command names VM adapters: every adapter of a VM (optionally by adapter name), or one by `Id`.
public enum AdapterSelector: Sendable, Equatable {
    case vm(VMSelector, adapterName: String?)
    case id(String)
}

/// Changes to VM adapters (Set-VMNetworkAdapter); `nil` leaves a setting alone.
public struct AdapterChanges: Sendable {
    /// MacAddressSpoofing, or nil to leave it.
    public var macAddressSpoofing: Bool?
    /// DhcpGuard, or nil to leave it.
    public var dhcpGuard: Bool?
    /// RouterGuard, or nil to leave it.
    public var routerGuard: Bool?
    /// A static MAC address to set, or nil.
    public var staticMacAddress: String?
    /// Whether to make the MAC address dynamic again.
    public var dynamicMacAddress = false

    /// No changes.
    public init() {}
}

extension Inventory {
    func adapters(_ selector: AdapterSelector, on host: Host, _ db: Database) throws -> [(AdapterRow, VMRow)] {
        switch selector {
        case .id(let id):
            guard let adapter = try AdapterRow.filter(Column("host") == host.key && Column("id") == id.lowercased()).fetchOne(db),
                let vm = try VMRow.fetchOne(db, key: adapter.vmId)
            else {
                throw NestError(
                    .objectNotFound, "no network adapter with Id \(id) on \(host.computerName); `vmnet get\(host.hostFlag)` lists them",
                    target: id)
            }
            return [(adapter, vm)]
        case .vm(let vmSelector, let adapterName):
            let vm = try vmSelector.fetch(on: host, db)
            var request = AdapterRow.filter(Column("vmId") == vm.id)
            if let adapterName { request = request.filter(Column("name") == adapterName) }
            let rows = try request.order(Column("position")).fetchAll(db)
            if rows.isEmpty, let adapterName {
                throw NestError(
                    .objectNotFound,
                    "VM '\(vm.name)' has no network adapter named '\(adapterName)'; `vmnet get \(vm.name)\(host.hostFlag)` lists its adapters",
                    target: vm.name)
            }
            return rows.map { ($0, vm) }
        }
    }

    func adapterRecord(_ adapter: AdapterRow, vm: VMRow, on host: Host, _ db: Database) throws -> Record {
        let switchName = try adapter.switchId.flatMap {
            try String.fetchOne(db, sql: "SELECT name FROM vmSwitch WHERE id = ?", arguments: [$0])
        }
        // The addresses the guest gave the adapter it sees for this one, inside the VM's own inventory.
        let addresses = try String.fetchAll(
            db, sql: "SELECT ip.address FROM netIPAddress ip JOIN netAdapter n ON n.id = ip.netAdapterId WHERE n.vmAdapterId = ?",
            arguments: [adapter.id])
        return adapter.record(on: host, vmName: vm.name, switchName: switchName, ipAddresses: addresses)
    }

    /// Adds a network adapter to a VM (Add-VMNetworkAdapter), connected to a switch when one is named.
    public func addAdapter(host path: String?, _ vmSelector: VMSelector, name: String, switchName: String?, staticMac: String?)
        throws(NestError) -> Record
    {
        try store.write { db in
            let host = try Host.resolveForChange(path, in: db)
            var vm = try vmSelector.fetch(on: host, db)
            let switchId = try switchName.map { try SwitchRow.fetch(named: $0, on: host, db).id }
            let adapter = try AdapterRow.add(to: &vm, name: name, switchId: switchId, staticMac: staticMac, on: host, db)
            return try adapterRecord(adapter, vm: vm, on: host, db)
        }
    }

    /// The adapters of VM `vmId` as its machine and its switch ports need them, in the VM's order.
    public func machineAdapters(vmId: String) throws(NestError) -> [MachineAdapter] {
        try store.read { db in try AdapterRow.filter(Column("vmId") == vmId).order(Column("position")).fetchAll(db).map(MachineAdapter.init)
        }
    }

    /// The adapters connected to switch `switchId`: its ports' settings.
    public func machineAdapters(switchId: String) throws(NestError) -> [MachineAdapter] {
        try store.read { db in try AdapterRow.filter(Column("switchId") == switchId).fetchAll(db).map(MachineAdapter.init) }
    }

    /// VM adapters (Get-VMNetworkAdapter): all on the host, or those selected; `switchName` filters.
    public func adapterRecords(host path: String?, selectors: [AdapterSelector], switchName: String? = nil) throws(NestError) -> [Record] {
        let (host, pairs, found) = try store.read { db in
            let host = try Host.resolve(path, in: db).host
            var pairs: [(AdapterRow, VMRow)] = []
            if selectors.isEmpty {
                for vm in try VMRow.filter(Column("host") == host.key).order(Column("name")).fetchAll(db) {
                    pairs += try adapters(.vm(.id(vm.id), adapterName: nil), on: host, db)
                }
            } else {
                for selector in selectors { pairs += try adapters(selector, on: host, db) }
            }
            return (host, pairs, try pairs.map { try adapterRecord($0.0, vm: $0.1, on: host, db) })
        }
        // The switches are asked outside the transaction: a slow one must not hold the store.
        var records = host.level == 0 ? addingPortCounters(found, pairs) : found
        if let switchName { records = records.filter { $0.string("SwitchName")?.lowercased() == switchName.lowercased() } }
        return records
    }

    /// While a VM runs, each of its connected adapters' records carries its switch port's counters, asked of the
    /// switch's process (`SwitchSocket.counterKeys`); a switch that does not answer adds nothing.
    func addingPortCounters(_ records: [Record], _ pairs: [(AdapterRow, VMRow)]) -> [Record] {
        var bySwitch: [String: [String: [UInt64]]] = [:]
        return zip(records, pairs).map { record, pair in
            guard let switchId = pair.0.switchId, pair.1.state == .running else { return record }
            if bySwitch[switchId] == nil { bySwitch[switchId] = SwitchSocket.counters(stateDirectory: store.directory, switchId: switchId) }
            guard let values = bySwitch[switchId]?[pair.0.id] else { return record }
            var record = record
            for (key, value) in zip(SwitchSocket.counterKeys, values) { record[key] = .int(Int64(clamping: value)) }
            return record
        }
    }

    /// Changes VM adapters (Set-VMNetworkAdapter). A MAC address changes only while the VM is Off.
    public func setAdapters(host path: String?, _ selector: AdapterSelector, _ changes: AdapterChanges) throws(NestError) -> [Record] {
        try store.write { db in
            let host = try Host.resolveForChange(path, in: db)
            return try adapters(selector, on: host, db).map { pair in
                var (adapter, vm) = pair
                if changes.staticMacAddress != nil || changes.dynamicMacAddress {
                    try vm.requireOff(toChange: "Network Adapter", host: host)
                }
                if let text = changes.staticMacAddress {
                    adapter.macAddress = try MacPool.checkStatic(text, on: host, excluding: adapter.id, db).description
                    adapter.dynamicMacAddressEnabled = false
                } else if changes.dynamicMacAddress, !adapter.dynamicMacAddressEnabled {
                    adapter.macAddress = try MacPool.next(on: host, db).description
                    adapter.dynamicMacAddressEnabled = true
                }
                if let value = changes.macAddressSpoofing { adapter.macAddressSpoofing = value }
                if let value = changes.dhcpGuard { adapter.dhcpGuard = value }
                if let value = changes.routerGuard { adapter.routerGuard = value }
                try adapter.update(db)
                try db.execute(
                    sql: "UPDATE netAdapter SET macAddress = ? WHERE vmAdapterId = ?", arguments: [adapter.macAddress, adapter.id])
                vm = try VMRow.fetchOne(db, key: vm.id) ?? vm
                return try adapterRecord(adapter, vm: vm, on: host, db)
            }
        }
    }

    /// Connects VM adapters to a switch (Connect-VMNetworkAdapter), or disconnects them with `nil`.
    public func connectAdapters(host path: String?, _ selector: AdapterSelector, switchName: String?) throws(NestError) -> [Record] {
        try store.write { db in
            let host = try Host.resolveForChange(path, in: db)
            let switchId = try switchName.map { try SwitchRow.fetch(named: $0, on: host, db).id }
            return try adapters(selector, on: host, db).map { pair in
                var (adapter, vm) = pair
                adapter.switchId = switchId
                try adapter.update(db)
                vm = try VMRow.fetchOne(db, key: vm.id) ?? vm
                return try adapterRecord(adapter, vm: vm, on: host, db)
            }
        }
    }

    /// Removes VM adapters (Remove-VMNetworkAdapter); a generation 1 VM must be Off.
    public func removeAdapters(host path: String?, _ selector: AdapterSelector) throws(NestError) -> [Record] {
        try store.write { db in
            let host = try Host.resolveForChange(path, in: db)
            return try adapters(selector, on: host, db).map { pair in
                let (adapter, vm) = pair
                if vm.generation == 1 { try vm.requireOff(toChange: "Network Adapter", host: host) }
                let record = try adapterRecord(adapter, vm: vm, on: host, db)
                try adapter.delete(db)
                return record
            }
        }
    }
}

/// A VM adapter as a running machine and its switch port see it.
public struct MachineAdapter: Sendable, Equatable {
    /// The adapter's id, and the VM's.
    public var id: String, vmId: String
    /// Its MAC address, six bytes.
    public var mac: [UInt8]
    /// The switch it is connected to, if any.
    public var switchId: String?
    /// Its port settings.
    public var macAddressSpoofing: Bool, dhcpGuard: Bool, routerGuard: Bool
    /// Whether a switch connects it (its link is up).
    public var isConnected: Bool { switchId != nil }

    init(_ row: AdapterRow) {
        id = row.id
        vmId = row.vmId
        let value = MacAddress(row.macAddress)?.value ?? 0
        mac = (0..<6).map { UInt8(truncatingIfNeeded: value >> (40 - 8 * UInt64($0))) }
        switchId = row.switchId
        macAddressSpoofing = row.macAddressSpoofing
        dhcpGuard = row.dhcpGuard
        routerGuard = row.routerGuard
    }
}
