import NestErrors
import NestRecords
import GRDB

/// A NAT as stored (New-NetNat).
struct NatRow: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "netNat"

    var id: String
    var host: String
    var name: String
    var internalPrefix: String
    var externalPrefix: String?

    /// The `NetNat` record, with WinNAT's default timeouts and filtering as Get-NetNat prints them.
    func record(on host: Host) -> Record {
        Record(
            kind: .netNat,
            [
                ("ComputerName", .string(host.computerName)), ("Name", .string(name)), ("Id", .string(id)),
                ("InternalIPInterfaceAddressPrefix", .string(internalPrefix)),
                ("ExternalIPInterfaceAddressPrefix", externalPrefix.map(JSONValue.string) ?? .null),
                ("IcmpQueryTimeout", 30), ("TcpEstablishedConnectionTimeout", 1800), ("TcpTransientConnectionTimeout", 120),
                ("TcpFilteringBehavior", "AddressDependentFiltering"), ("UdpFilteringBehavior", "AddressDependentFiltering"),
                ("UdpIdleSessionTimeout", 120), ("UdpInboundRefresh", false), ("Store", "Local"), ("Active", true),
            ])
    }

    static func fetch(_ selector: NamedSelector, on host: Host, _ db: Database) throws -> NatRow {
        let found: NatRow?
        let shown: String
        switch selector {
        case .name(let name):
            found = try NatRow.filter(Column("host") == host.key && Column("name") == name).fetchOne(db)
            shown = name
        case .id(let id):
            found = try NatRow.filter(Column("host") == host.key && Column("id") == id.lowercased()).fetchOne(db)
            shown = id
        }
        guard let found else {
            throw NestError(
                .objectNotFound, "no NAT '\(shown)' on \(host.computerName); `netnat get\(host.hostFlag)` lists them", target: shown)
        }
        return found
    }
}

/// A static port mapping through a NAT (Add-NetNatStaticMapping).
struct MappingRow: Codable, FetchableRecord, MutablePersistableRecord, Sendable {
    static let databaseTableName = "netNatStaticMapping"

    var id: Int64?
    var host: String
    var natId: String
    var `protocol`: String
    var externalIPAddress: String
    var externalPort: Int
    var internalIPAddress: String
    var internalPort: Int

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    func record(on host: Host, natName: String) -> Record {
        Record(
            kind: .netNatStaticMapping,
            [
                ("ComputerName", .string(host.computerName)),
                ("StaticMappingID", .int(id ?? 0)), ("NatName", .string(natName)), ("Protocol", .string(`protocol`)),
                ("RemoteExternalIPAddressPrefix", "0.0.0.0/0"), ("ExternalIPAddress", .string(externalIPAddress)),
                ("ExternalPort", .int(Int64(externalPort))), ("InternalIPAddress", .string(internalIPAddress)),
                ("InternalPort", .int(Int64(internalPort))), ("InternalRoutingDomainId", "{00000000-0000-0000-0000-000000000000}"),
                ("Active", true),
            ])
    }
}

/// A static mapping's settings.
public struct MappingSpec: Sendable {
    /// The NAT the mapping belongs to.
    public var natName: String
    /// TCP or UDP.
    public var `protocol`: String
    /// The external address.
    public var externalIPAddress: String
    /// The external port.
    public var externalPort: Int
    /// The internal address.
    public var internalIPAddress: String
    /// The internal port (default: the external one).
    public var internalPort: Int?

    /// A mapping with these settings.
    public init(
        natName: String, protocol: String, externalIPAddress: String, externalPort: Int, internalIPAddress: String, internalPort: Int?
    ) {
        self.natName = natName
        self.protocol = `protocol`
        self.externalIPAddress = externalIPAddress
        self.externalPort = externalPort
        self.internalIPAddress = internalIPAddress
        self.internalPort = internalPort
    }
}

extension Inventory {
    /// Creates a NAT (New-NetNat). WinNAT's documented limits hold: one NAT per host ("you're limited to one NAT
    /// network per host") unless `allowMultiple`, and never two NATs with overlapping internal prefixes.
    public func newNat(host path: String?, name: String, internalPrefix: String, externalPrefix: String?, allowMultiple: Bool)
        throws(NestError) -> Record
    {
        try ObjectName.validate(name, kind: "NAT")
        let prefix = try IPv4Prefix.parse(internalPrefix).mapError { NestError($0.category, $0.message, target: name) }.get()
        guard (1...30).contains(prefix.length) else {
            throw NestError(
                .invalidAddress,
                prefix.length == 0
                    ? "internal prefix \(prefix) covers every address, which a NAT's internal network cannot; use a prefix length of 1 to 30"
                    : "internal prefix \(prefix) leaves no room for hosts; use a prefix length of 1 to 30", target: name)
        }
        var external: IPv4Prefix?
        if let externalPrefix {
            external = try IPv4Prefix.parse(externalPrefix).mapError { NestError($0.category, $0.message, target: name) }.get()
        }
        if let external, external.overlaps(prefix) {
            throw NestError(
                .prefixOverlap, "external prefix \(external) overlaps internal prefix \(prefix); WinNAT requires them apart", target: name)
        }
        return try store.write { db in
            let host = try Host.resolveForChange(path, in: db)
            let existing = try NatRow.filter(Column("host") == host.key).fetchAll(db)
            if let same = existing.first(where: { $0.name.lowercased() == name.lowercased() }) {
                throw NestError(
                    .nameInUse, "a NAT named '\(same.name)' already exists on \(host.computerName); choose another name", target: name)
            }
            for other in existing {
                if let otherPrefix = try? IPv4Prefix.parse(other.internalPrefix).get(), otherPrefix.overlaps(prefix) {
                    throw NestError(
                        .prefixOverlap, "internal prefix \(prefix) overlaps NAT '\(other.name)' (\(otherPrefix)); choose a disjoint prefix",
                        target: name)
                }
            }
            if let other = existing.first, !allowMultiple {
                throw NestError(
                    .natLimit,
                    "NAT '\(other.name)' already exists on \(host.computerName), and Hyper-V's WinNAT is limited to one NAT network per host; remove it (netnat remove \(other.name)\(host.hostFlag)) or pass --allow-multiple",
                    target: name)
            }
            let row = NatRow(
                id: Self.newId(), host: host.key, name: name, internalPrefix: prefix.description, externalPrefix: external?.description)
            try row.insert(db)
            return row.record(on: host)
        }
    }

    /// NATs on a host (Get-NetNat): all, or those selected.
    public func natRecords(host path: String?, selectors: [NamedSelector] = []) throws(NestError) -> [Record] {
        try store.read { db in
            let host = try Host.resolve(path, in: db).host
            let rows =
                selectors.isEmpty
                ? try NatRow.filter(Column("host") == host.key).order(Column("name")).fetchAll(db)
                : try selectors.map { try NatRow.fetch($0, on: host, db) }
            return rows.map { $0.record(on: host) }
        }
    }

    /// The identifiers of every NAT on a host, as selectors (what `netnat remove --all` removes).
    public func natSelectors(host path: String?) throws(NestError) -> [NamedSelector] {
        try store.read { db in
            let host = try Host.resolve(path, in: db).host
            return try NatRow.filter(Column("host") == host.key).order(Column("name")).fetchAll(db).map { .id($0.id) }
        }
    }

    /// Removes a NAT and its static mappings (Remove-NetNat).
    public func removeNat(host path: String?, _ selector: NamedSelector) throws(NestError) -> Record {
        try store.write { db in
            let host = try Host.resolveForChange(path, in: db)
            let row = try NatRow.fetch(selector, on: host, db)
            try row.delete(db)
            return row.record(on: host)
        }
    }

    /// Adds a static mapping (Add-NetNatStaticMapping): the internal address must lie in the NAT's internal
    /// prefix, and a protocol, external address and port may be mapped only once per host.
    public func addMapping(host path: String?, _ spec: MappingSpec) throws(NestError) -> Record {
        try store.write { db in
            let host = try Host.resolveForChange(path, in: db)
            let nat = try NatRow.fetch(.name(spec.natName), on: host, db)
            let proto = spec.protocol.uppercased()
            guard proto == "TCP" || proto == "UDP" else {
                throw NestError(.invalidArgument, "protocol '\(spec.protocol)' is not TCP or UDP", target: nat.name)
            }
            guard let external = IPv4Address(spec.externalIPAddress) else {
                throw NestError(
                    .invalidAddress, "external address '\(spec.externalIPAddress)' is not an IPv4 address (0.0.0.0 means any)",
                    target: nat.name)
            }
            guard let internalAddress = IPv4Address(spec.internalIPAddress) else {
                throw NestError(.invalidAddress, "internal address '\(spec.internalIPAddress)' is not an IPv4 address", target: nat.name)
            }
            let internalPort = spec.internalPort ?? spec.externalPort
            for (port, which) in [(spec.externalPort, "external"), (internalPort, "internal")] where !(1...65535).contains(port) {
                throw NestError(.invalidArgument, "\(which) port \(port) is out of range; ports are 1 to 65535", target: nat.name)
            }
            if let prefix = try? IPv4Prefix.parse(nat.internalPrefix).get(), !prefix.contains(internalAddress) {
                throw NestError(
                    .addressOutsideNat,
                    "internal address \(internalAddress) is outside NAT '\(nat.name)' (\(prefix)); map to an address of a VM behind it",
                    target: nat.name)
            }
            let clash = try MappingRow.filter(
                Column("host") == host.key && Column("protocol") == proto && Column("externalPort") == spec.externalPort
                    && (Column("externalIPAddress") == external.description || Column("externalIPAddress") == "0.0.0.0"
                        || external.description == "0.0.0.0")
            ).fetchOne(db)
            if let clash {
                throw NestError(
                    .mappingInUse,
                    "\(proto) port \(spec.externalPort) on \(clash.externalIPAddress) is already mapped (StaticMappingID \(clash.id ?? 0)); remove that mapping or choose another port",
                    target: nat.name)
            }
            var row = MappingRow(
                id: nil, host: host.key, natId: nat.id, protocol: proto, externalIPAddress: external.description,
                externalPort: spec.externalPort, internalIPAddress: internalAddress.description, internalPort: internalPort)
            try row.insert(db)
            return row.record(on: host, natName: nat.name)
        }
    }

    /// Static mappings on a host (Get-NetNatStaticMapping), optionally of one NAT.
    public func mappingRecords(host path: String?, natName: String? = nil, ids: [Int64] = []) throws(NestError) -> [Record] {
        try store.read { db in
            let host = try Host.resolve(path, in: db).host
            var request = MappingRow.filter(Column("host") == host.key)
            if let natName { request = request.filter(Column("natId") == (try NatRow.fetch(.name(natName), on: host, db)).id) }
            var rows = try request.order(Column("id")).fetchAll(db)
            if !ids.isEmpty {
                rows = try ids.map { id in
                    guard let row = rows.first(where: { $0.id == id }) else {
                        throw NestError(
                            .objectNotFound,
                            "no static mapping \(id) on \(host.computerName); `netnat mapping get\(host.hostFlag)` lists them",
                            target: String(id))
                    }
                    return row
                }
            }
            return try rows.map { row in
                let name = try String.fetchOne(db, sql: "SELECT name FROM netNat WHERE id = ?", arguments: [row.natId]) ?? ""
                return row.record(on: host, natName: name)
            }
        }
    }

    /// Removes a static mapping by its StaticMappingID (Remove-NetNatStaticMapping).
    public func removeMapping(host path: String?, id: Int64) throws(NestError) -> Record {
        try store.write { db in
            let host = try Host.resolveForChange(path, in: db)
            guard let row = try MappingRow.filter(Column("host") == host.key && Column("id") == id).fetchOne(db) else {
                throw NestError(
                    .objectNotFound, "no static mapping \(id) on \(host.computerName); `netnat mapping get\(host.hostFlag)` lists them",
                    target: String(id))
            }
            let name = try String.fetchOne(db, sql: "SELECT name FROM netNat WHERE id = ?", arguments: [row.natId]) ?? ""
            try row.delete(db)
            return row.record(on: host, natName: name)
        }
    }
}
