/// How messages and tables show what a terminal must not receive raw: one spelling for every tool.
public enum Shown {
    /// A byte that is not printable ASCII: `\x01`, `\xff`.
    public static func byte(_ byte: UInt8) -> String { "\\x" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16) }

    /// A character by its code point: `U+001B`.
    public static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
