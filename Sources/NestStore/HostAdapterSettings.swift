import NestErrors
import GRDB

/// What an internal switch's host adapter `vEthernet (NAME)` carries while the switch runs: its MAC address, the
/// addresses `vmnet ip add` gave it, the NetNats of its host (whose internal prefixes decide how far guests reach
/// through it) and their static mappings. For an External switch: the TAP interface it binds (`bridges`), whose
/// addresses are the host's business.
public struct HostAdapterSettings: Sendable, Equatable {
    /// How the adapter is made, and the name of its TAP interface when it is one.
    public var type: HostAdapterType, tapName: String
    /// Whether the switch is External: its port to the host is the TAP interface `tapName` as the host set it up.
    public var bridges = false
    /// The adapter's MAC address, six bytes.
    public var mac: [UInt8]
    /// Its IPv4 addresses with their prefix lengths.
    public var addresses: [HostAddress]
    /// The internal prefixes of the host's NetNats.
    public var natPrefixes: [IPv4Prefix]
    /// The static mappings of those NATs.
    public var mappings: [PortMapping]

    /// An address on the host adapter.
    public struct HostAddress: Sendable, Equatable {
        /// The address, and the length of its subnet's prefix.
        public var address: IPv4Address, prefixLength: Int
        /// Its subnet.
        public var prefix: IPv4Prefix { IPv4Prefix(containing: address, length: prefixLength) }
    }

    /// A static mapping (Add-NetNatStaticMapping): a host address and port forwarded to a guest's.
    public struct PortMapping: Sendable, Hashable {
        /// UDP rather than TCP.
        public var isUDP: Bool
        /// Where the host listens (0.0.0.0: every address), and whom it forwards to.
        public var externalAddress: IPv4Address, externalPort: Int, internalAddress: IPv4Address, internalPort: Int
    }

    /// Whether a NetNat's internal prefix covers `address`'s subnet: guests behind it reach beyond the host.
    public func isTranslated(_ address: HostAddress) -> Bool {
        natPrefixes.contains { $0.contains(address.address) && $0.length <= address.prefixLength }
    }
}

extension Inventory {
    /// The host adapter of switch `switchId` as its running switch needs it; nil for a switch without one
    /// (private, external).
    public func hostAdapterSettings(switchId: String) throws(NestError) -> HostAdapterSettings? {
        try store.read { db in
            guard let vmSwitch = try SwitchRow.fetchOne(db, key: switchId) else { return nil }
            if vmSwitch.switchType == .external, let bound = vmSwitch.netAdapterName {
                return HostAdapterSettings(
                    type: .tap, tapName: bound, bridges: true, mac: [0, 0, 0, 0, 0, 0], addresses: [], natPrefixes: [], mappings: [])
            }
            guard vmSwitch.switchType == .internal,
                let adapter = try NetAdapterRow.filter(Column("switchId") == switchId && Column("vmAdapterId") == nil).fetchOne(db)
            else { return nil }
            let addresses = try IPAddressRow.filter(Column("netAdapterId") == adapter.id).fetchAll(db).compactMap { row in
                IPv4Address(row.address).map { HostAdapterSettings.HostAddress(address: $0, prefixLength: row.prefixLength) }
            }
            let nats = try NatRow.filter(Column("host") == vmSwitch.host).fetchAll(db)
            let prefixes = nats.compactMap { try? IPv4Prefix.parse($0.internalPrefix).get() }
            let mappings = try nats.flatMap { nat in
                try MappingRow.filter(Column("natId") == nat.id).fetchAll(db).compactMap { row -> HostAdapterSettings.PortMapping? in
                    guard let external = IPv4Address(row.externalIPAddress), let internalAddress = IPv4Address(row.internalIPAddress) else {
                        return nil
                    }
                    return HostAdapterSettings.PortMapping(
                        isUDP: row.protocol.uppercased() == "UDP", externalAddress: external, externalPort: row.externalPort,
                        internalAddress: internalAddress, internalPort: row.internalPort)
                }
            }
            let value = MacAddress(adapter.macAddress)?.value ?? 0
            return HostAdapterSettings(
                type: vmSwitch.hostAdapterType, tapName: SwitchRow.tapName(ifIndex: adapter.ifIndex),
                mac: (0..<6).map { UInt8(truncatingIfNeeded: value >> (40 - 8 * UInt64($0))) }, addresses: addresses, natPrefixes: prefixes,
                mappings: mappings)
        }
    }
}
