/// COM1 as a console: `print` from the Swift standard library writes here through the runtime's `putchar`;
/// these add hexadecimal and input.
public enum Console {
    /// Writes `value` as 0x-prefixed hexadecimal with at least `digits` digits.
    public static func hex(_ value: UInt64, digits: Int = 1) -> String {
        var text = String(value, radix: 16)
        while text.utf8.count < digits { text = "0" + text }
        return "0x" + text
    }

    /// A received byte, if one is waiting (LSR bit 0, data ready).
    public static func readByte() -> UInt8? {
        nv_inb(0x3F8 + 5) & 1 != 0 ? nv_inb(0x3F8) : nil
    }
}
