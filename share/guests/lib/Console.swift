/// COM1 as a console: `print` from the Swift standard library writes here through the runtime's `putchar`;
/// these add hexadecimal and input.
public enum Console {
    /// Writes `value` as 0x-prefixed hexadecimal with at least `digits` digits.
    public static func hex(_ value: UInt64, digits: Int = 1) -> String {
        var text = String(value, radix: 16)
        while text.utf8.count < digits { text = "0" + text }
        return "0x" + text
    }

    /// Switches COM1 input to interrupts (IRQ 4 through the PIC, vector 0x24); `readLine` needs it.
    public static func enableInput() { nv_serial_enable_input() }

    /// The next line typed (without its line end), echoing nothing; nil once a stop was requested.
    public static func readLine() -> String? {
        var bytes: [UInt8] = []
        while true {
            let c = nv_serial_read_byte()
            if c < 0 { return nil }
            if c == 0x0A || c == 0x0D {
                if bytes.isEmpty && c == 0x0A { continue }  // the LF of a CR LF
                return String(decoding: bytes, as: UTF8.self)
            }
            bytes.append(UInt8(c))
        }
    }

    /// A received byte, if one is waiting (LSR bit 0, data ready).
    public static func readByte() -> UInt8? {
        nv_inb(0x3F8 + 5) & 1 != 0 ? nv_inb(0x3F8) : nil
    }
}
