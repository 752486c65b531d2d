import NestRecords
/// Byte counts as users type them (`2G`, `256MB`, `512MiB`, `1073741824`), in binary multiples as
/// PowerShell's `2GB` literal is.
public enum ByteSize {
    /// The number of bytes `text` means, or `nil` when it is not a size.
    public static func parse(_ text: String) -> Int64? {
        var digits = Substring(text.trimmingSpaces())
        var multiplier: Int64 = 1
        let suffixes: [(String, Int64)] = [
            ("KIB", 1 << 10), ("MIB", 1 << 20), ("GIB", 1 << 30), ("TIB", 1 << 40),
            ("KB", 1 << 10), ("MB", 1 << 20), ("GB", 1 << 30), ("TB", 1 << 40),
            ("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30), ("T", 1 << 40), ("B", 1),
        ]
        let upper = digits.uppercased()
        for (suffix, factor) in suffixes where upper.hasSuffix(suffix) {
            digits = digits.dropLast(suffix.count)
            multiplier = factor
            break
        }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let value = Int64(digits), value >= 0 else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : product
    }

    /// `bytes` as the shortest exact form with a binary suffix (`2G`, `384M`), for messages and commands.
    public static func format(_ bytes: Int64) -> String {
        for (suffix, factor) in [("T", Int64(1) << 40), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)]
        where bytes >= factor && bytes % factor == 0 {
            return "\(bytes / factor)\(suffix)"
        }
        return String(bytes)
    }
}

extension String {
    /// The string without leading and trailing white space (Foundation-free, for the tools' argument parsing).
    public func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s.removeFirst() }
        while s.last?.isWhitespace == true { s.removeLast() }
        return String(s)
    }
}
