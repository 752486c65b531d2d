/// A record L0 sent over the integration channel, parsed: one flat JSON object whose values are strings,
/// integers, booleans or null (nestvm(7), "INTEGRATION CHANNEL"). Anything else — nesting, a number with a
/// fraction, a malformed escape — makes the line no record at all, and minivisor counts and ignores it: L0 is
/// trusted no more than a guest would be.
struct ChannelRecord {
    enum Value {
        case string([UInt8])
        case integer(Int)
        case boolean(Bool)
        case null
    }

    var fields: [([UInt8], Value)] = []

    /// The value of `key`.
    func value(_ key: StaticString) -> Value? {
        let name = key.withUTF8Buffer { Array($0) }
        return fields.first { $0.0 == name }?.1
    }

    func string(_ key: StaticString) -> [UInt8]? {
        if case .string(let s)? = value(key) { return s }
        return nil
    }

    func text(_ key: StaticString) -> String? { string(key).map { String(decoding: $0, as: UTF8.self) } }

    func integer(_ key: StaticString) -> Int? {
        if case .integer(let n)? = value(key) { return n }
        return nil
    }

    func boolean(_ key: StaticString) -> Bool? {
        if case .boolean(let b)? = value(key) { return b }
        return nil
    }

    /// Whether `Kind` is `kind`.
    func isKind(_ kind: StaticString) -> Bool { has("Kind", kind) }

    /// Whether string `key` is `value`.
    func has(_ key: StaticString, _ value: StaticString) -> Bool { string(key) == value.withUTF8Buffer { Array($0) } }

    /// A record of these fields.
    init(fields: [([UInt8], Value)]) { self.fields = fields }

    /// Parses `line`; nil when it is not one flat JSON object.
    init?(_ line: [UInt8]) {
        var p = Parser(bytes: line)
        p.skipSpace()
        guard p.take(UInt8(ascii: "{")) else { return nil }
        p.skipSpace()
        var isClosed = p.take(UInt8(ascii: "}"))
        while !isClosed {
            p.skipSpace()
            guard let key = p.string() else { return nil }
            p.skipSpace()
            guard p.take(UInt8(ascii: ":")) else { return nil }
            p.skipSpace()
            guard let value = p.value() else { return nil }
            fields.append((key, value))
            p.skipSpace()
            if p.take(UInt8(ascii: ",")) { continue }
            guard p.take(UInt8(ascii: "}")) else { return nil }
            isClosed = true
        }
        p.skipSpace()
        guard p.atEnd else { return nil }
    }

    struct Parser {
        let bytes: [UInt8]
        var at = 0

        var atEnd: Bool { at == bytes.count }

        mutating func skipSpace() {
            while at < bytes.count, bytes[at] == 0x20 || bytes[at] == 0x09 || bytes[at] == 0x0D { at += 1 }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard at < bytes.count, bytes[at] == byte else { return false }
            at += 1
            return true
        }

        mutating func value() -> Value? {
            guard at < bytes.count else { return nil }
            switch bytes[at] {
            case UInt8(ascii: "\""): return string().map { .string($0) }
            case UInt8(ascii: "t"): return word("true") ? .boolean(true) : nil
            case UInt8(ascii: "f"): return word("false") ? .boolean(false) : nil
            case UInt8(ascii: "n"): return word("null") ? .null : nil
            default: return integer().map { .integer($0) }
            }
        }

        mutating func word(_ text: StaticString) -> Bool {
            let w = text.withUTF8Buffer { Array($0) }
            guard bytes.count - at >= w.count, Array(bytes[at..<at + w.count]) == w else { return false }
            at += w.count
            return true
        }

        /// A decimal integer of at most 18 digits (no fraction, no exponent).
        mutating func integer() -> Int? {
            let negative = take(UInt8(ascii: "-"))
            var value = 0, digits = 0
            while at < bytes.count, bytes[at] >= UInt8(ascii: "0"), bytes[at] <= UInt8(ascii: "9"), digits < 18 {
                value = value * 10 + Int(bytes[at] - UInt8(ascii: "0"))
                at += 1
                digits += 1
            }
            guard digits > 0 else { return nil }
            if at < bytes.count,
                bytes[at] >= UInt8(ascii: "0") && bytes[at] <= UInt8(ascii: "9") || bytes[at] == UInt8(ascii: ".")
                    || bytes[at] == UInt8(ascii: "e") || bytes[at] == UInt8(ascii: "E")
            {
                return nil
            }
            return negative ? -value : value
        }

        /// A string's bytes, escapes decoded (\u escapes of the Basic Multilingual Plane as UTF-8).
        mutating func string() -> [UInt8]? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            var out: [UInt8] = []
            while at < bytes.count {
                let b = bytes[at]
                at += 1
                if b == UInt8(ascii: "\"") { return out }
                if b < 0x20 { return nil }
                guard b == UInt8(ascii: "\\") else {
                    out.append(b)
                    continue
                }
                guard at < bytes.count else { return nil }
                let e = bytes[at]
                at += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    guard bytes.count - at >= 4 else { return nil }
                    var code: UInt32 = 0
                    for _ in 0..<4 {
                        let h = bytes[at]
                        at += 1
                        let digit: UInt32
                        switch h {
                        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(h - UInt8(ascii: "0"))
                        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(h - UInt8(ascii: "a") + 10)
                        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(h - UInt8(ascii: "A") + 10)
                        default: return nil
                        }
                        code = code << 4 | digit
                    }
                    guard !(0xD800...0xDFFF).contains(code) else { return nil }  // surrogates: not for names and lines
                    if code < 0x80 {
                        out.append(UInt8(code))
                    } else if code < 0x800 {
                        out += [UInt8(0xC0 | code >> 6), UInt8(0x80 | code & 0x3F)]
                    } else {
                        out += [UInt8(0xE0 | code >> 12), UInt8(0x80 | code >> 6 & 0x3F), UInt8(0x80 | code & 0x3F)]
                    }
                default: return nil
                }
            }
            return nil
        }
    }
}
