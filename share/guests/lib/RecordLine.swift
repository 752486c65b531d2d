/// A JSON Lines record being written, key by key: the records the integration channel carries (nestvm(7),
/// "Integration channel"), with string values escaped as JSON requires (quotation mark, reverse solidus and
/// control characters).
public struct RecordLine {
    /// The object so far, without its closing brace.
    var bytes: [UInt8] = [UInt8(ascii: "{")]

    /// A record of kind `kind` (its `Kind` key).
    public init(kind: String) { add("Kind", kind) }

    /// Adds a string value.
    public mutating func add(_ key: String, _ value: String) {
        addKey(key)
        Self.appendString(Array(value.utf8), to: &bytes)
    }

    /// Adds an integer value.
    public mutating func add(_ key: String, _ value: Int) {
        addKey(key)
        bytes += Array(String(value).utf8)
    }

    /// Adds a Boolean value.
    public mutating func add(_ key: String, _ value: Bool) {
        addKey(key)
        bytes += Array((value ? "true" : "false").utf8)
    }

    /// Adds a string value given as bytes (console output, which need not be UTF-8: bytes that are not
    /// become U+FFFD).
    public mutating func add(_ key: String, bytes value: [UInt8]) {
        addKey(key)
        Self.appendString(Array(String(decoding: value, as: UTF8.self).utf8), to: &bytes)
    }

    /// The finished line, without a line end.
    public var line: [UInt8] { bytes + [UInt8(ascii: "}")] }

    mutating func addKey(_ key: String) {
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
        Self.appendString(Array(key.utf8), to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    static func appendString(_ text: [UInt8], to out: inout [UInt8]) {
        let hexDigits = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for b in text {
            switch b {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), b]
            case 0x0A: out += Array("\\n".utf8)
            case 0x0D: out += Array("\\r".utf8)
            case 0x09: out += Array("\\t".utf8)
            case 0..<0x20: out += Array("\\u00".utf8) + [hexDigits[Int(b >> 4)], hexDigits[Int(b & 15)]]
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
