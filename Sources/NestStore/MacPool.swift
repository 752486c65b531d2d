import NestErrors
import NestRecords
import GRDB

/// Hands out dynamic MAC addresses from Hyper-V's 00-15-5D prefix.
///
/// One counter serves every host, so addresses are unique across levels too: a nested VM's frames cross the L1
/// switch and the L0 switch with MAC spoofing on, and must not collide with L0's addresses on the way.
enum MacPool {
    static func next(on host: Host, _ db: Database) throws -> MacAddress {
        var suffix = try Int64.fetchOne(db, sql: "SELECT nextSuffix FROM macPool WHERE host = 'global'") ?? 1
        while true {
            guard suffix < 1 << 24 else {
                throw NestError(
                    .macAddressInUse, "the dynamic MAC address range 00155D000001–00155DFFFFFF is used up; give adapters static addresses")
            }
            let mac = MacAddress(value: MacPool.prefix | UInt64(suffix))
            suffix += 1
            if try !isInUse(mac, on: host, db) {
                try db.execute(
                    sql:
                        "INSERT INTO macPool (host, nextSuffix) VALUES ('global', ?) ON CONFLICT(host) DO UPDATE SET nextSuffix = excluded.nextSuffix",
                    arguments: [suffix])
                return mac
            }
        }
    }

    static let prefix = MacAddress.hyperVPrefix << 24

    /// Whether an adapter on `host` (a VM's or the host's own) already has `mac`.
    static func isInUse(_ mac: MacAddress, on host: Host, excluding adapterId: String? = nil, _ db: Database) throws -> Bool {
        let text = mac.description
        let vmAdapters =
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM vmNetworkAdapter WHERE host = ? AND macAddress = ? AND id IS NOT ?",
                arguments: [host.key, text, adapterId]) ?? 0
        let hostAdapters =
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM netAdapter WHERE host = ? AND macAddress = ? AND vmAdapterId IS NULL",
                arguments: [host.key, text]) ?? 0
        return vmAdapters + hostAdapters > 0
    }

    /// Parses and checks a static MAC address for `host`.
    static func checkStatic(_ text: String, on host: Host, excluding adapterId: String? = nil, _ db: Database) throws -> MacAddress {
        guard let mac = MacAddress(text) else {
            throw NestError(.invalidMacAddress, "'\(text)' is not a MAC address; write twelve hex digits, e.g. 00155D0A0B0C")
        }
        guard mac.value != 0 else {
            throw NestError(.invalidMacAddress, "\(mac) is the all-zero address, which no adapter may own")
        }
        guard !mac.isMulticast else {
            throw NestError(
                .invalidMacAddress,
                "\(mac) is a multicast address (its first octet is odd), which no adapter may own; the first octet must be even")
        }
        if try isInUse(mac, on: host, excluding: adapterId, db) {
            throw NestError(
                .macAddressInUse,
                "MAC address \(mac) is already used by an adapter on \(host.computerName); choose another or use a dynamic address")
        }
        return mac
    }
}
