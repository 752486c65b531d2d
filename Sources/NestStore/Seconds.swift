/// Durations as users give them, in options (`--timeout`, `--grace`), environment variables
/// (`NESTVM_BUSY_TIMEOUT`) and control requests: a decimal number of seconds, finite, not negative, and at most
/// `maximum`. `nan`, `inf` and overflowing forms such as `1e400` are not durations.
public enum Seconds {
    /// The longest duration accepted: about 31 years, so that any deadline built from it stays exact.
    public static let maximum: Double = 1e9

    /// The seconds `text` means, or nil when it is not a duration.
    public static func parse(_ text: String) -> Double? {
        let trimmed = text.trimmingSpaces()
        // Digits, a point and an exponent only: Double(_:) would also take "nan", "inf" and hexadecimal forms.
        guard !trimmed.isEmpty, trimmed.allSatisfy({ $0.isASCII && ($0.isNumber || ".eE+-".contains($0)) }),
            let value = Double(trimmed), value.isFinite, value >= 0, value <= maximum
        else { return nil }
        return value
    }
}
