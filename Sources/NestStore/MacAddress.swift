import NestRecords
/// A 48-bit Ethernet address, printed the way Hyper-V prints it: twelve hex digits, no separators.
public struct MacAddress: Hashable, Sendable, CustomStringConvertible {
    /// The address in the low 48 bits.
    public var value: UInt64

    /// Hyper-V's organisationally unique identifier for dynamic addresses, 00-15-5D.
    public static let hyperVPrefix: UInt64 = 0x00155D

    /// An address from its 48-bit value.
    public init(value: UInt64) { self.value = value & 0xFFFF_FFFF_FFFF }

    /// Parses `00155D000001`, `00-15-5D-00-00-01` or `00:15:5d:00:00:01`.
    public init?(_ text: String) {
        let hex = text.filter { $0 != ":" && $0 != "-" && $0 != "." }
        guard hex.count == 12, hex.allSatisfy(\.isHexDigit), let value = UInt64(hex, radix: 16) else { return nil }
        self.init(value: value)
    }

    /// Whether the group bit is set (a multicast or broadcast address, which no adapter may own).
    public var isMulticast: Bool { (value >> 40) & 1 == 1 }

    /// The address as Hyper-V writes it: twelve hex digits.
    public var description: String {
        let hex = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: 12 - hex.count) + hex
    }
}
