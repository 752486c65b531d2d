import NestErrors
import NestRecords
/// An IPv4 address.
public struct IPv4Address: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The address as a 32-bit number, most significant octet first.
    public var value: UInt32

    /// An address from its number.
    public init(value: UInt32) { self.value = value }

    /// Parses dotted-quad notation (`192.168.100.1`); leading zeros are refused as ambiguous.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), part.allSatisfy(\.isNumber),
                part == "0" || !part.hasPrefix("0"), let octet = UInt32(part), octet <= 255
            else { return nil }
            value = value << 8 | octet
        }
        self.value = value
    }

    /// Dotted decimal.
    public var description: String {
        "\(value >> 24).\(value >> 16 & 0xFF).\(value >> 8 & 0xFF).\(value & 0xFF)"
    }

    /// Numeric order.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }
}

/// An IPv4 network: an address and a prefix length (`192.168.100.0/24`).
public struct IPv4Prefix: Hashable, Sendable, CustomStringConvertible {
    /// The network address (host bits zero).
    public var network: IPv4Address
    /// The prefix length, 0 to 32.
    public var length: Int

    /// The network that contains `address` with this prefix length.
    public init(containing address: IPv4Address, length: Int) {
        self.length = length
        self.network = IPv4Address(value: address.value & Self.mask(length))
    }

    /// Parses `a.b.c.d/n`; refuses host bits set, so a typo does not silently become another network.
    public static func parse(_ text: String) -> Result<IPv4Prefix, NestError> {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPv4Address(String(parts[0])) else {
            return .failure(
                NestError(.invalidAddress, "'\(text)' is not an IPv4 prefix; write it as address/length, e.g. 192.168.100.0/24"))
        }
        // Digits only, without leading zeros, as the octets are: `/+8` and `/08` are refused.
        let digits = parts[1]
        guard !digits.isEmpty, digits.allSatisfy({ ("0"..."9").contains($0) }), digits == "0" || !digits.hasPrefix("0"),
            let length = Int(digits), (0...32).contains(length)
        else {
            return .failure(
                NestError(
                    .invalidAddress, "'\(text)' has an invalid prefix length; it must be 0 to 32, in digits without a sign or leading zeros"
                ))
        }
        let prefix = IPv4Prefix(containing: address, length: length)
        guard prefix.network == address else {
            return .failure(NestError(.invalidAddress, "'\(text)' has host bits set; the network is \(prefix)"))
        }
        return .success(prefix)
    }

    /// The netmask for a prefix length.
    public static func mask(_ length: Int) -> UInt32 { length == 0 ? 0 : UInt32.max << (32 - length) }

    /// The broadcast address (all host bits set).
    public var broadcast: IPv4Address { IPv4Address(value: network.value | ~Self.mask(length)) }

    /// Whether `address` lies in this network.
    public func contains(_ address: IPv4Address) -> Bool {
        address.value & Self.mask(length) == network.value
    }

    /// Whether the two networks share any address.
    public func overlaps(_ other: IPv4Prefix) -> Bool {
        let shorter = min(length, other.length)
        return network.value & Self.mask(shorter) == other.network.value & Self.mask(shorter)
    }

    /// `address/length`.
    public var description: String { "\(network)/\(length)" }
}
