/// What is wrong with one line of a record stream.
public enum RecordInputError: Error, Equatable, Sendable {
    /// The line is not valid JSON.
    case malformed(line: Int, JSONSyntaxError)
    /// The line is JSON but not an object.
    case notAnObject(line: Int)
    /// The line's bytes are not UTF-8: the 0-based offset of the first byte that is not, and the byte.
    case invalidUTF8(line: Int, offset: Int, byte: UInt8)
    /// The record has no `Kind`, or one this tool does not know.
    case unknownKind(line: Int, kind: String?)
    /// The record's `Kind` is not a string (with the JSON type it has).
    case kindNotAString(line: Int, type: String)
    /// The record lacks the keys that say which object it is.
    case missingIdentity(line: Int, kind: String, keys: [String])
    /// A key that names an object holds something no name or id can be: a value that is not a string, or a
    /// string with a control character (which a C string would cut short, so that "vm\u0000x" would act on
    /// "vm").
    case invalidReference(line: Int, key: String, problem: String)

    /// The 1-based line number of the offending input.
    public var line: Int {
        switch self {
        case .malformed(let line, _), .notAnObject(let line), .unknownKind(let line, _), .invalidUTF8(let line, _, _),
            .kindNotAString(let line, _), .missingIdentity(let line, _, _), .invalidReference(let line, _, _):
            return line
        }
    }

    /// The message for the user, naming the line and what to do.
    public var message: String {
        switch self {
        case .malformed(let line, let syntax):
            return "stdin line \(line): not a JSON record: \(syntax.message) at column \(syntax.column)"
        case .notAnObject(let line):
            return "stdin line \(line): a record must be a JSON object ({...})"
        case .unknownKind(let line, let kind?):
            return "stdin line \(line): unknown record Kind \"\(kind)\"; pipe records made by the nestvm tools"
        case .invalidUTF8(let line, let offset, let byte):
            return
                "stdin line \(line): byte \(offset + 1) (\(Shown.byte(byte))) is not valid UTF-8; records are UTF-8 text"
        case .kindNotAString(let line, let type):
            return "stdin line \(line): \"Kind\" is \(type), not a string such as \"VirtualMachine\""
        case .unknownKind(let line, nil):
            return "stdin line \(line): the record has no \"Kind\" key; pipe records made by the nestvm tools"
        case .missingIdentity(let line, let kind, let keys):
            let names = keys.map { "\"\($0)\"" }.joined(separator: " or ")
            return "stdin line \(line): the \(kind) record has no \(names) to say which object it is"
        case .invalidReference(let line, let key, let problem):
            return "stdin line \(line): \"\(key)\" \(problem)"
        }
    }
}

/// Every `Kind` a record may carry; a record of another kind is an input error.
public enum RecordKind: String, CaseIterable, Sendable {
    case virtualMachine = "VirtualMachine"
    case vmProcessor = "VMProcessor"
    case vmMemory = "VMMemory"
    case vmNetworkAdapter = "VMNetworkAdapter"
    case vmSwitch = "VMSwitch"
    case netNat = "NetNat"
    case netNatStaticMapping = "NetNatStaticMapping"
    case netAdapter = "NetAdapter"
    case netIPAddress = "NetIPAddress"
    case nestedFinding = "NestedFinding"
    case plannedChange = "PlannedChange"
    /// A VM exit traced by `vmrun … --trace exits`.
    case vmExit = "VMExit"
    /// A VM entry traced by `vmrun … --trace entries`.
    case vmEntry = "VMEntry"

    /// Every key the tools read to find an object from a record (identities and references such as
    /// `SwitchName`): each must be a string without control characters, or null.
    public static let referenceKeys: Set<String> = [
        "VMName", "VMId", "Name", "Id", "SwitchName", "NatName", "InterfaceAlias", "IPAddress",
    ]

    /// The keys of which at least one must be present for the record to name its object.
    public var identityKeys: [String] {
        switch self {
        case .virtualMachine, .vmProcessor, .vmMemory, .nestedFinding, .plannedChange: return ["VMName", "VMId"]
        case .vmExit, .vmEntry: return ["VMName"]
        case .vmNetworkAdapter, .vmSwitch, .netNat, .netAdapter: return ["Name", "Id"]
        case .netNatStaticMapping: return ["StaticMappingID"]
        case .netIPAddress: return ["IPAddress"]
        }
    }
}

/// A record read from the stream, with where it came from.
public struct InputRecord: Sendable {
    /// The 1-based line number in the input.
    public var line: Int
    /// The record's kind.
    public var kind: RecordKind
    /// The record itself.
    public var record: Record
}

/// Splits JSON Lines input into records, checking each for shape, kind and identity.
public enum RecordReader {
    /// Parses one line (1-based `number`), or returns `nil` for a blank line.
    public static func parse(line bytes: [UInt8], number: Int) throws(RecordInputError) -> InputRecord? {
        if let (offset, byte) = firstInvalidUTF8(bytes) { throw .invalidUTF8(line: number, offset: offset, byte: byte) }
        return try parse(line: String(decoding: bytes, as: UTF8.self), number: number)
    }

    /// The offset and value of the first byte of `bytes` that does not belong to valid UTF-8, if any.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> (Int, UInt8)? {
        var iterator = bytes.makeIterator(), parser = Unicode.UTF8.ForwardParser(), offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .emptyInput: return nil
            case .error: return (offset, bytes[offset])
            }
        }
    }

    /// Parses one line already decoded as text; see `parse(line:number:)` for bytes.
    public static func parse(line text: String, number: Int) throws(RecordInputError) -> InputRecord? {
        if text.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) { return nil }
        let value: JSONValue
        do { value = try JSONParser.parse(text) } catch { throw .malformed(line: number, error) }
        guard case .object(let record) = value else { throw .notAnObject(line: number) }
        if let kind = record["Kind"], kind.stringValue == nil { throw .kindNotAString(line: number, type: kind.typeName) }
        guard let name = record.kind, let kind = RecordKind(rawValue: name) else {
            throw .unknownKind(line: number, kind: record.kind)
        }
        let present = kind.identityKeys.contains { key in
            guard let value = record[key] else { return false }
            return value != .null && value != .string("")
        }
        guard present else { throw .missingIdentity(line: number, kind: name, keys: kind.identityKeys) }
        for (key, value) in record.fields where RecordKind.referenceKeys.contains(key) {
            switch value {
            case .null: continue
            case .string(let text):
                if let control = text.unicodeScalars.first(where: { $0.properties.generalCategory == .control }) {
                    throw .invalidReference(
                        line: number, key: key,
                        problem: "holds the control character \(Shown.codePoint(control)), which no name or id contains")
                }
            default:
                throw .invalidReference(line: number, key: key, problem: "is \(value.typeName), but names and ids are strings")
            }
        }
        return InputRecord(line: number, kind: kind, record: record)
    }
}
