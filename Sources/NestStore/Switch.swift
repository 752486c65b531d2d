import NestErrors
import NestRecords
import Foundation
import GRDB

/// Hyper-V's switch types. An External switch binds a Linux TAP interface (as root).
public enum SwitchType: String, Sendable, CaseIterable, Codable {
    case `private` = "Private"
    case `internal` = "Internal"
    case external = "External"
}

/// How an internal switch's host adapter `vEthernet (NAME)` is made (nestvm(7), "NETWORKS"): user-mode
/// networking through libslirp, for any user, or a Linux TAP interface carrying its addresses, as root.
public enum HostAdapterType: String, Sendable, CaseIterable, Codable {
    case user = "User"
    case tap = "Tap"
}

/// A virtual switch as stored.
public struct SwitchRow: Codable, FetchableRecord, PersistableRecord, Sendable {
    /// The table's name in the store.
    public static let databaseTableName = "vmSwitch"

    /// The switch's id.
    public var id: String
    /// The id of the inventory's host VM, or "".
    public var host: String
    /// Its name.
    public var name: String
    /// Internal, Private or External.
    public var switchType: SwitchType
    /// Notes.
    public var notes: String
    /// How the host adapter of an internal switch is made.
    public var hostAdapterType: HostAdapterType = .user
    /// The TAP interface an External switch binds.
    public var netAdapterName: String? = nil

    /// The Linux name of a Tap host adapter: `nvtap` and its InterfaceIndex (an interface name cannot hold
    /// `vEthernet (NAME)`'s spaces and parentheses).
    public static func tapName(ifIndex: Int) -> String { "nvtap\(ifIndex)" }

    /// The name of the host adapter an internal switch creates.
    public var hostAdapterName: String { "vEthernet (\(name))" }

    /// The `VMSwitch` record (Get-VMSwitch).
    public func record(on host: Host) -> Record {
        Record(
            kind: .vmSwitch,
            [
                ("ComputerName", .string(host.computerName)), ("Name", .string(name)),
                ("Id", .string(id)), ("SwitchType", .string(switchType.rawValue)),
                ("AllowManagementOS", .bool(switchType == .internal)),
                ("NetAdapterInterfaceDescription", netAdapterName.map(JSONValue.string) ?? .null),
                ("HostAdapterType", switchType == .internal ? .string(hostAdapterType.rawValue) : .null), ("Notes", .string(notes)),
            ])
    }

    static func fetch(named name: String, on host: Host, _ db: Database) throws -> SwitchRow {
        guard let row = try SwitchRow.filter(Column("host") == host.key && Column("name") == name).fetchOne(db) else {
            throw NestError(
                .objectNotFound,
                "no switch '\(name)' on \(host.computerName); `vmswitch get\(host.hostFlag)` lists them, `vmswitch new \(name) --switch-type internal\(host.hostFlag)` creates it",
                target: name)
        }
        return row
    }

    static func fetch(id: String, on host: Host, _ db: Database) throws -> SwitchRow {
        guard let row = try SwitchRow.filter(Column("host") == host.key && Column("id") == id.lowercased()).fetchOne(db) else {
            throw NestError(.objectNotFound, "no switch with Id \(id) on \(host.computerName)", target: id)
        }
        return row
    }

    /// Why an External switch cannot be made here: it needs the TAP interface `adapter` to bind, existing, and
    /// root; nil when it can.
    static func refusalOfExternal(_ name: String, adapter: String?) -> NestError? {
        guard let adapter else {
            return NestError(
                .switchTypeNotAvailable,
                "an External switch binds a TAP interface: give it with --net-adapter-name TAP (as root; make one with ip tuntap add dev TAP mode tap), or use --switch-type internal with a NAT (netnat new) to reach the outside",
                target: name)
        }
        guard adapter.range(of: "^[A-Za-z0-9_.-]{1,15}$", options: .regularExpression) != nil,
            FileManager.default.fileExists(atPath: "/sys/class/net/" + adapter)
        else {
            return NestError(
                .switchTypeNotAvailable,
                "there is no network interface '\(adapter)' to bind; make a TAP one as root: ip tuntap add dev \(adapter) mode tap",
                target: name)
        }
        guard FileManager.default.fileExists(atPath: "/sys/class/net/\(adapter)/tun_flags") else {
            return NestError(
                .switchTypeNotAvailable,
                "'\(adapter)' is not a TAP interface, and nestvm binds only TAP interfaces (ip tuntap add dev NAME mode tap; bridge it to a physical adapter if you want one)",
                target: name)
        }
        guard geteuid() == 0 else {
            return NestError(
                .switchTypeNotAvailable,
                "binding the TAP interface '\(adapter)' needs root; run as root, or use --switch-type internal with a NAT (netnat new)",
                target: name)
        }
        return nil
    }
}

extension SwitchRow {
    /// Why an External switch inside a VM cannot bind `adapter`: it must be one of the VM's own adapters (`Ethernet`,
    /// the guest's side of a VM network adapter, as `vmnet adapter get --host VM` lists them) that no other External
    /// switch binds; nil when it can.
    static func refusalOfNestedExternal(_ name: String, adapter: String?, on host: Host, _ db: Database) throws -> NestError? {
        let own = try NetAdapterRow.filter(Column("host") == host.key && Column("vmAdapterId") != nil).fetchAll(db)
        let names = own.map(\.name).sorted()
        let choice =
            names.isEmpty
            ? "it has none: add one to the VM first (vmnet add VM --switch-name SWITCH)" : "it has " + names.joined(separator: ", ")
        guard let adapter else {
            return NestError(
                .switchTypeNotAvailable,
                "an External switch inside \(host.computerName) binds one of its adapters: give it with --net-adapter-name (\(choice))",
                target: name)
        }
        guard let bound = own.first(where: { $0.name.lowercased() == adapter.lowercased() }) else {
            return NestError(
                .switchTypeNotAvailable, "\(host.computerName) has no adapter '\(adapter)' of its own to bind (\(choice))", target: name)
        }
        let taken = try SwitchRow.filter(Column("host") == host.key && Column("netAdapterName") != nil).fetchAll(db)
        if let other = taken.first(where: { $0.netAdapterName?.lowercased() == bound.name.lowercased() }) {
            return NestError(
                .switchTypeNotAvailable,
                "the External switch '\(other.name)' already binds '\(bound.name)'; an adapter carries one External switch",
                target: name)
        }
        return nil
    }
}

/// How a command names a switch: by name or by a record's `Id`.
public enum NamedSelector: Sendable, Equatable {
    case name(String)
    case id(String)
}

extension Inventory {
    /// Creates a switch (New-VMSwitch). An internal one also creates its host adapter `vEthernet (NAME)`.
    public func newSwitch(
        host path: String?, name: String, type: SwitchType, notes: String, hostAdapter: HostAdapterType = .user,
        netAdapterName: String? = nil
    ) throws(NestError) -> Record {
        try ObjectName.validate(name, kind: "switch")
        if hostAdapter == .tap {
            guard type == .internal else {
                throw NestError(
                    .invalidArgument, "--host-adapter tap is for internal switches (only they have a host adapter)", target: name)
            }
            guard geteuid() == 0 else {
                throw NestError(
                    .switchTypeNotAvailable,
                    "a Tap host adapter is a Linux TAP interface, which needs root; run as root, or leave out --host-adapter (libslirp, for any user)",
                    target: name)
            }
        }
        return try store.write { db in
            let host = try Host.resolveForChange(path, in: db)
            if let existing = try SwitchRow.filter(Column("host") == host.key && Column("name") == name).fetchOne(db) {
                throw NestError(
                    .nameInUse, "a switch named '\(existing.name)' already exists on \(host.computerName); choose another name",
                    target: name)
            }
            guard hostAdapter == .user || host.level == 0 else {
                throw NestError(
                    .invalidArgument, "TAP interfaces are for switches of this machine (L0), not inside \(host.computerName)",
                    target: name)
            }
            if type == .external {
                let refusal =
                    host.level == 0
                    ? SwitchRow.refusalOfExternal(name, adapter: netAdapterName)
                    : try SwitchRow.refusalOfNestedExternal(name, adapter: netAdapterName, on: host, db)
                if let refusal { throw refusal }
            }
            let row = SwitchRow(
                id: Self.newId(), host: host.key, name: name, switchType: type, notes: notes, hostAdapterType: hostAdapter,
                netAdapterName: type == .external ? netAdapterName : nil)
            try row.insert(db)
            if type == .internal { try NetAdapterRow.addSwitchAdapter(for: row, on: host, db) }
            return row.record(on: host)
        }
    }

    /// Switches on a host (Get-VMSwitch), all or those selected, optionally of some types only; each with its
    /// `Ports`, the VM adapters connected to it (with their counters while the VM runs).
    public func switches(host path: String?, selectors: [NamedSelector] = [], types: [SwitchType] = []) throws(NestError) -> [Record] {
        let (host, rows, ports) = try store.read { db in
            let host = try Host.resolve(path, in: db).host
            var rows: [SwitchRow]
            if selectors.isEmpty {
                rows = try SwitchRow.filter(Column("host") == host.key).order(Column("name")).fetchAll(db)
            } else {
                rows = try selectors.map { selector in
                    switch selector {
                    case .name(let name): return try SwitchRow.fetch(named: name, on: host, db)
                    case .id(let id): return try SwitchRow.fetch(id: id, on: host, db)
                    }
                }
            }
            if !types.isEmpty { rows = rows.filter { types.contains($0.switchType) } }
            let ports = try rows.map { row in
                try AdapterRow.filter(Column("switchId") == row.id).fetchAll(db).map { adapter in
                    (adapter, try VMRow.fetchOne(db, key: adapter.vmId))
                }.sorted { ($0.1?.name ?? "", $0.0.position) < ($1.1?.name ?? "", $1.0.position) }
            }
            return (host, rows, ports)
        }
        // Counters come from the running switches, asked outside the transaction.
        return zip(rows, ports).map { row, ports in
            let counters = host.level == 0 ? SwitchSocket.counters(stateDirectory: store.directory, switchId: row.id) : [:]
            var record = row.record(on: host)
            record["Ports"] = .array(
                ports.map { adapter, vm in
                    var port = Record([
                        ("VMName", .string(vm?.name ?? "")), ("Name", .string(adapter.name)), ("MacAddress", .string(adapter.macAddress)),
                        ("Running", .bool(vm?.state == .running)),
                    ])
                    for (key, value) in zip(SwitchSocket.counterKeys, counters[adapter.id] ?? []) {
                        port[key] = .int(Int64(clamping: value))
                    }
                    return .object(port)
                })
            return record
        }
    }

    /// Changes a switch (Set-VMSwitch): its type between Internal and Private (adding or removing the host
    /// adapter, and with it that adapter's IP addresses), and its notes.
    public func setSwitch(host path: String?, _ selector: NamedSelector, type: SwitchType?, notes: String?) throws(NestError) -> Record {
        try store.write { db in
            let host = try Host.resolveForChange(path, in: db)
            var row: SwitchRow
            switch selector {
            case .name(let name): row = try SwitchRow.fetch(named: name, on: host, db)
            case .id(let id): row = try SwitchRow.fetch(id: id, on: host, db)
            }
            if let type, type != row.switchType {
                if type == .external {
                    throw NestError(
                        .switchTypeNotAvailable,
                        "an External switch is made with the TAP interface it binds: vmswitch new NAME --switch-type external --net-adapter-name TAP",
                        target: row.name)
                }
                if row.switchType == .external { row.netAdapterName = nil }
                if type == .internal {
                    try NetAdapterRow.addSwitchAdapter(for: row, on: host, db)
                } else {
                    try db.execute(sql: "DELETE FROM netAdapter WHERE switchId = ?", arguments: [row.id])
                }
                row.switchType = type
            }
            if let notes { row.notes = notes }
            try row.update(db)
            return row.record(on: host)
        }
    }

    /// Removes a switch (Remove-VMSwitch). VM adapters still connected keep it unless `force`, which
    /// disconnects them; the host adapter and its IP addresses go with it.
    public func removeSwitch(host path: String?, _ selector: NamedSelector, force: Bool) throws(NestError) -> Record {
        try store.write { db in
            let host = try Host.resolveForChange(path, in: db)
            let row: SwitchRow
            switch selector {
            case .name(let name): row = try SwitchRow.fetch(named: name, on: host, db)
            case .id(let id): row = try SwitchRow.fetch(id: id, on: host, db)
            }
            let connected = try String.fetchAll(
                db, sql: "SELECT DISTINCT vm.name FROM vmNetworkAdapter a JOIN vm ON vm.id = a.vmId WHERE a.switchId = ? ORDER BY vm.name",
                arguments: [row.id])
            if !connected.isEmpty, !force {
                throw NestError(
                    .switchHasConnections,
                    "switch '\(row.name)' has adapters connected (VMs: \(connected.joined(separator: ", "))); pass --force to disconnect them and remove it",
                    target: row.name)
            }
            try db.execute(sql: "UPDATE vmNetworkAdapter SET switchId = NULL WHERE switchId = ?", arguments: [row.id])
            try row.delete(db)
            return row.record(on: host)
        }
    }
}
