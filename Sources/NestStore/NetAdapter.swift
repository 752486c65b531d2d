import NestErrors
import NestRecords
import GRDB

/// A host's own network adapter (Get-NetAdapter): `vEthernet (SWITCH)` for each internal switch, and inside a
/// VM, `Ethernet`, `Ethernet 2` … for the VM's network adapters as its guest sees them.
public struct NetAdapterRow: Codable, FetchableRecord, PersistableRecord, Sendable {
    /// The table's name in the store.
    public static let databaseTableName = "netAdapter"

    /// The adapter's id.
    public var id: String
    /// The id of the inventory's host VM, or "".
    public var host: String
    /// Its name (InterfaceAlias).
    public var name: String
    /// InterfaceDescription.
    public var interfaceDescription: String
    /// ifIndex.
    public var ifIndex: Int
    /// Its MAC address.
    public var macAddress: String
    /// The internal switch it belongs to (a vEthernet adapter), if any.
    public var switchId: String?
    /// The VM adapter it is (inside a VM), if any.
    public var vmAdapterId: String?

    /// The `NetAdapter` record. Windows prints adapter MACs with dashes (`00-15-5D-00-00-01`).
    func record(on host: Host) -> Record {
        let mac =
            MacAddress(macAddress).map { m in
                stride(from: 0, to: 12, by: 2).map { i in
                    let text = m.description
                    let start = text.index(text.startIndex, offsetBy: i)
                    return String(text[start..<text.index(start, offsetBy: 2)])
                }.joined(separator: "-")
            } ?? macAddress
        return Record(
            kind: .netAdapter,
            [
                ("ComputerName", .string(host.computerName)), ("Name", .string(name)),
                ("Id", .string(id)), ("InterfaceAlias", .string(name)), ("InterfaceDescription", .string(interfaceDescription)),
                ("ifIndex", .int(Int64(ifIndex))), ("Status", "Up"), ("MacAddress", .string(mac)), ("LinkSpeed", "10 Gbps"),
            ])
    }

    static func nextIndex(on hostKey: String, _ db: Database) throws -> Int {
        (try Int.fetchOne(db, sql: "SELECT max(ifIndex) FROM netAdapter WHERE host = ?", arguments: [hostKey]) ?? 1) + 1
    }

    /// Creates `vEthernet (NAME)` on the switch's host.
    static func addSwitchAdapter(for vmSwitch: SwitchRow, on host: Host, _ db: Database) throws {
        let row = NetAdapterRow(
            id: Inventory.newId(), host: host.key, name: vmSwitch.hostAdapterName,
            interfaceDescription: "Hyper-V Virtual Ethernet Adapter", ifIndex: try nextIndex(on: host.key, db),
            macAddress: try MacPool.next(on: host, db).description, switchId: vmSwitch.id, vmAdapterId: nil)
        try row.insert(db)
    }

    /// Creates, inside `vm`, the adapter its guest sees for `adapter`: `Ethernet`, then `Ethernet 2` ….
    static func addGuestAdapter(for adapter: AdapterRow, insideVM vm: VMRow, _ db: Database) throws {
        let taken = Set(try String.fetchAll(db, sql: "SELECT lower(name) FROM netAdapter WHERE host = ?", arguments: [vm.id]))
        var number = 1
        while taken.contains((number == 1 ? "ethernet" : "ethernet \(number)")) { number += 1 }
        let row = NetAdapterRow(
            id: Inventory.newId(), host: vm.id, name: number == 1 ? "Ethernet" : "Ethernet \(number)",
            interfaceDescription: "Microsoft Hyper-V Network Adapter\(number == 1 ? "" : " #\(number)")",
            ifIndex: try nextIndex(on: vm.id, db), macAddress: adapter.macAddress, switchId: nil, vmAdapterId: adapter.id)
        try row.insert(db)
    }

    /// The host adapter called `alias` (compared without regard to case).
    static func fetch(alias: String, on host: Host, _ db: Database) throws -> NetAdapterRow {
        guard let row = try NetAdapterRow.filter(Column("host") == host.key && Column("name") == alias).fetchOne(db) else {
            throw NestError(
                .objectNotFound, "no host adapter '\(alias)' on \(host.computerName); `vmnet adapter get\(host.hostFlag)` lists them",
                target: alias)
        }
        return row
    }

    static func fetch(index: Int, on host: Host, _ db: Database) throws -> NetAdapterRow {
        guard let row = try NetAdapterRow.filter(Column("host") == host.key && Column("ifIndex") == index).fetchOne(db) else {
            throw NestError(
                .objectNotFound,
                "no host adapter with ifIndex \(index) on \(host.computerName); `vmnet adapter get\(host.hostFlag)` lists them",
                target: String(index))
        }
        return row
    }
}

/// How a command names a host adapter: by name (InterfaceAlias) or by interface index.
public enum NetAdapterSelector: Sendable, Equatable {
    case alias(String)
    case index(Int)

    func fetch(on host: Host, _ db: Database) throws -> NetAdapterRow {
        switch self {
        case .alias(let alias): return try NetAdapterRow.fetch(alias: alias, on: host, db)
        case .index(let index): return try NetAdapterRow.fetch(index: index, on: host, db)
        }
    }
}

extension Inventory {
    /// Host adapters (Get-NetAdapter): all, or those selected.
    public func netAdapterRecords(host path: String?, selectors: [NetAdapterSelector] = []) throws(NestError) -> [Record] {
        try store.read { db in
            let host = try Host.resolve(path, in: db).host
            let rows =
                selectors.isEmpty
                ? try NetAdapterRow.filter(Column("host") == host.key).order(Column("ifIndex")).fetchAll(db)
                : try selectors.map { try $0.fetch(on: host, db) }
            return rows.map { $0.record(on: host) }
        }
    }
}
