import NestRecords
/// A VM configuration version (Hyper-V's `Version`, `Get-VMHostSupportedVersion`).
public struct ConfigurationVersion: Comparable, Sendable, CustomStringConvertible {
    /// The major number.
    public var major: Int
    /// The minor number.
    public var minor: Int

    /// The versions this host can create, oldest first (Hyper-V's list through Windows Server 2025).
    public static let supported: [ConfigurationVersion] = [
        (5, 0), (6, 2), (7, 0), (7, 1), (8, 0), (8, 1), (8, 2), (8, 3), (9, 0), (9, 1), (9, 2), (9, 3), (10, 0),
        (11, 0), (12, 0),
    ].map { ConfigurationVersion(major: $0.0, minor: $0.1) }

    /// The version new VMs get.
    public static let `default` = ConfigurationVersion(major: 12, minor: 0)

    /// The oldest version that can expose virtualization extensions on Intel hosts ("Enable nested
    /// virtualization": VM configuration version 8.0 or higher).
    public static let minimumForNesting = ConfigurationVersion(major: 8, minor: 0)

    /// A version from its parts.
    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Parses `8.0` or `8`, accepting only supported versions.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let major = Int(parts[0]) else { return nil }
        let minor = parts.count == 2 ? Int(parts[1]) : 0
        guard let minor else { return nil }
        self.init(major: major, minor: minor)
        guard Self.supported.contains(self) else { return nil }
    }

    /// `major.minor`.
    public var description: String { "\(major).\(minor)" }

    /// Older versions order first.
    public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.major, lhs.minor) < (rhs.major, rhs.minor) }
}
