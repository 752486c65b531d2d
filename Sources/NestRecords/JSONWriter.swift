/// Writes records as single-line JSON, keys in record order: the JSON Lines form of the stream.
public enum JSONWriter {
    /// The record as one line of JSON, without the newline.
    public static func line(_ record: Record) -> String {
        var out = ""
        write(.object(record), into: &out)
        return out
    }

    /// Appends the JSON text of `value` to `out`.
    public static func write(_ value: JSONValue, into out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += number(d)
        case .string(let s): quote(s, into: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                write(item, into: &out)
            }
            out += "]"
        case .object(let record):
            out += "{"
            for (i, field) in record.fields.enumerated() {
                if i > 0 { out += "," }
                quote(field.key, into: &out)
                out += ":"
                write(field.value, into: &out)
            }
            out += "}"
        }
    }

    /// A double in JSON: integral values without a fraction, non-finite values as `null`.
    static func number(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return String(d)
    }

    /// A JSON string literal, escaping what RFC 8259 requires.
    static func quote(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
