/// One object of the record stream: keys in the order they were set, as the tools print them.
///
/// Keys are Hyper-V's property names verbatim (`VMName`, `ExposeVirtualizationExtensions`); `Kind` names the
/// object type. Lookup is by exact key; a record rarely has more than a few dozen keys, so a linear search over
/// an array beats hashing and keeps the order for free.
public struct Record: Equatable, Sendable {
    /// The key–value pairs in output order.
    public private(set) var fields: [(key: String, value: JSONValue)]

    /// An empty record.
    public init() { fields = [] }

    /// A record with these pairs, in this order.
    public init(_ pairs: [(String, JSONValue)]) {
        fields = pairs.map { (key: $0.0, value: $0.1) }
    }

    /// A record of kind `kind`: `Kind` first, then `pairs` in order.
    public init(kind: RecordKind, _ pairs: [(String, JSONValue)]) {
        self.init([("Kind", .string(kind.rawValue))] + pairs)
    }

    /// The value for `key`; setting `nil` removes the key, setting a new key appends it.
    public subscript(key: String) -> JSONValue? {
        get { fields.first { $0.key == key }?.value }
        set {
            if let index = fields.firstIndex(where: { $0.key == key }) {
                if let newValue { fields[index].value = newValue } else { fields.remove(at: index) }
            } else if let newValue {
                fields.append((key: key, value: newValue))
            }
        }
    }

    /// The keys in order.
    public var keys: [String] { fields.map(\.key) }

    /// The record's `Kind`, when it has one.
    public var kind: String? { self["Kind"]?.stringValue }

    /// The record's `Kind` as one of the kinds the tools know, or nil.
    public var recordKind: RecordKind? { kind.flatMap(RecordKind.init(rawValue:)) }

    /// A string-valued key, when present and a string.
    public func string(_ key: String) -> String? { self[key]?.stringValue }

    /// The record restricted to `keys`, in the order given; keys it lacks come out as `null`.
    public func projected(_ keys: [String]) -> Record {
        Record(keys.map { key in field(matching: key).map { ($0.key, $0.value) } ?? (key, .null) })
    }

    /// The field named `key`, or else the one whose name differs only in letter case (`-o state` finds
    /// `State`, as PowerShell's Select-Object does).
    public func field(matching key: String) -> (key: String, value: JSONValue)? {
        if let exact = fields.first(where: { $0.key == key }) { return exact }
        let lowered = key.lowercased()
        return fields.first { $0.key.lowercased() == lowered }
    }

    /// Records are equal when they hold the same keys, in the same order, with equal values.
    public static func == (lhs: Record, rhs: Record) -> Bool {
        lhs.fields.count == rhs.fields.count
            && zip(lhs.fields, rhs.fields).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}
