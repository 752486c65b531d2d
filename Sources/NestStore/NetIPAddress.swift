import NestErrors
import NestRecords
import GRDB

/// An IPv4 address on a host adapter (New-NetIPAddress).
struct IPAddressRow: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "netIPAddress"

    var host: String
    var address: String
    var netAdapterId: String
    var prefixLength: Int
    var defaultGateway: String?

    var prefix: IPv4Prefix? { IPv4Address(address).map { IPv4Prefix(containing: $0, length: prefixLength) } }

    func record(on host: Host, adapter: NetAdapterRow) -> Record {
        Record(
            kind: .netIPAddress,
            [
                ("ComputerName", .string(host.computerName)), ("IPAddress", .string(address)),
                ("InterfaceAlias", .string(adapter.name)), ("InterfaceIndex", .int(Int64(adapter.ifIndex))),
                ("AddressFamily", "IPv4"), ("Type", "Unicast"), ("PrefixLength", .int(Int64(prefixLength))),
                ("PrefixOrigin", "Manual"), ("SuffixOrigin", "Manual"), ("AddressState", "Preferred"),
                ("DefaultGateway", defaultGateway.map(JSONValue.string) ?? .null),
            ])
    }
}

extension Inventory {
    /// Gives a host adapter an IPv4 address (New-NetIPAddress). The address must be a host address of its subnet,
    /// not already on this host, and its subnet must not overlap another adapter's; a default gateway must lie
    /// inside the subnet.
    public func addIPAddress(
        host path: String?, _ selector: NetAdapterSelector, address text: String, prefixLength: Int, defaultGateway: String?
    ) throws(NestError) -> Record {
        try store.write { db in
            let host = try Host.resolveForChange(path, in: db)
            let adapter = try selector.fetch(on: host, db)
            guard let address = IPv4Address(text) else {
                throw NestError(
                    .invalidAddress, "'\(text)' is not an IPv4 address; write it as four numbers 0–255, e.g. 192.168.100.1",
                    target: adapter.name)
            }
            guard (1...32).contains(prefixLength) else {
                throw NestError(.invalidAddress, "prefix length \(prefixLength) is out of range; it must be 1 to 32", target: adapter.name)
            }
            let subnet = IPv4Prefix(containing: address, length: prefixLength)
            if prefixLength <= 30, address == subnet.network || address == subnet.broadcast {
                let which = address == subnet.network ? "network" : "broadcast"
                throw NestError(
                    .notAHostAddress, "\(address) is the \(which) address of \(subnet); choose a host address inside it",
                    target: adapter.name)
            }
            let firstOctet = address.value >> 24
            if firstOctet == 0 || firstOctet == 127 || firstOctet >= 224 {
                throw NestError(.notAHostAddress, "\(address) is not a unicast address an adapter can have", target: adapter.name)
            }
            if let existing = try IPAddressRow.fetchOne(db, key: ["host": host.key, "address": address.description]) {
                let owner = try NetAdapterRow.fetchOne(db, key: existing.netAdapterId)?.name ?? "?"
                throw NestError(
                    .addressInUse,
                    "\(address) is already assigned on \(host.computerName) (to '\(owner)'); remove it first: vmnet ip remove --ip-address \(address)\(host.hostFlag)",
                    target: adapter.name)
            }
            for other in try IPAddressRow.filter(Column("host") == host.key && Column("netAdapterId") != adapter.id).fetchAll(db) {
                if let otherSubnet = other.prefix, otherSubnet.overlaps(subnet) {
                    let owner = try NetAdapterRow.fetchOne(db, key: other.netAdapterId)?.name ?? "?"
                    throw NestError(
                        .subnetOverlap,
                        "\(address)/\(prefixLength) overlaps \(other.address)/\(other.prefixLength) on '\(owner)'; two adapters cannot share a subnet, choose another",
                        target: adapter.name)
                }
            }
            if let gateway = defaultGateway {
                guard let gatewayAddress = IPv4Address(gateway) else {
                    throw NestError(.invalidAddress, "default gateway '\(gateway)' is not an IPv4 address", target: adapter.name)
                }
                guard subnet.contains(gatewayAddress), gatewayAddress != address else {
                    throw NestError(
                        .invalidAddress, "default gateway \(gateway) must be another address inside \(subnet)", target: adapter.name)
                }
            }
            let row = IPAddressRow(
                host: host.key, address: address.description, netAdapterId: adapter.id, prefixLength: prefixLength,
                defaultGateway: defaultGateway)
            try row.insert(db)
            return row.record(on: host, adapter: adapter)
        }
    }

    /// IPv4 addresses on a host's adapters (Get-NetIPAddress), optionally of one adapter or one address.
    public func ipAddressRecords(host path: String?, adapter: NetAdapterSelector? = nil, addresses: [String] = []) throws(NestError)
        -> [Record]
    {
        try store.read { db in
            let host = try Host.resolve(path, in: db).host
            var request = IPAddressRow.filter(Column("host") == host.key)
            if let adapter { request = request.filter(Column("netAdapterId") == (try adapter.fetch(on: host, db)).id) }
            var rows = try request.fetchAll(db).sorted { (IPv4Address($0.address)?.value ?? 0) < (IPv4Address($1.address)?.value ?? 0) }
            if !addresses.isEmpty {
                rows = try addresses.map { text in
                    guard let row = rows.first(where: { $0.address == text }) else {
                        throw NestError(
                            .objectNotFound, "no IP address \(text) on \(host.computerName); `vmnet ip get\(host.hostFlag)` lists them",
                            target: text)
                    }
                    return row
                }
            }
            return try rows.map { row in
                guard let owner = try NetAdapterRow.fetchOne(db, key: row.netAdapterId) else {
                    throw NestError(.storeUnavailable, "address \(row.address) has no adapter")
                }
                return row.record(on: host, adapter: owner)
            }
        }
    }

    /// Removes an IPv4 address from a host (Remove-NetIPAddress).
    public func removeIPAddress(host path: String?, address: String) throws(NestError) -> Record {
        try store.write { db in
            let host = try Host.resolveForChange(path, in: db)
            guard let row = try IPAddressRow.fetchOne(db, key: ["host": host.key, "address": address]),
                let adapter = try NetAdapterRow.fetchOne(db, key: row.netAdapterId)
            else {
                throw NestError(
                    .objectNotFound, "no IP address \(address) on \(host.computerName); `vmnet ip get\(host.hostFlag)` lists them",
                    target: address)
            }
            try row.delete(db)
            return row.record(on: host, adapter: adapter)
        }
    }
}
