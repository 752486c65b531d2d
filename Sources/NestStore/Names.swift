import NestErrors
import NestRecords
/// The rule for the names of VMs, switches and NATs: letters, digits, `.`, `-`, `_`; a letter first; at most
/// 64 characters. Unique per host, compared without regard to case as Hyper-V does.
public enum ObjectName {
    /// The longest name allowed.
    public static let maximumLength = 64

    /// Checks `name` for an object of `kind` ("VM", "switch", "NAT").
    public static func validate(_ name: String, kind: String) throws(NestError) {
        guard let first = name.unicodeScalars.first else {
            throw NestError(.invalidName, "a \(kind) name must not be empty")
        }
        guard name.unicodeScalars.count <= maximumLength else {
            throw NestError(
                .invalidName,
                "\(kind) name '\(Self.shown(name))' is \(name.unicodeScalars.count) characters long; the limit is \(maximumLength)",
                target: Self.shown(name))
        }
        guard isASCIILetter(first) else {
            throw NestError(
                .invalidName, "\(kind) name '\(Self.shown(name))' must start with an ASCII letter (a-z, A-Z)", target: Self.shown(name))
        }
        if let bad = name.unicodeScalars.first(where: {
            !(isASCIILetter($0) || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0))
        }) {
            let what =
                bad == " "
                ? "a space" : bad.properties.generalCategory == .control ? "the control character \(Shown.codePoint(bad))" : "'\(bad)'"
            throw NestError(
                .invalidName, "\(kind) name '\(Self.shown(name))' contains \(what); use ASCII letters, digits, '.', '-' and '_'",
                target: Self.shown(name))
        }
    }

    private static func isASCIILetter(_ s: Unicode.Scalar) -> Bool { ("a"..."z").contains(s) || ("A"..."Z").contains(s) }

    /// The name as a message can print it: control characters written as `U+XXXX`, so none reaches a terminal.
    static func shown(_ name: String) -> String {
        name.unicodeScalars.map { $0.properties.generalCategory == .control ? Shown.codePoint($0) : String($0) }.joined()
    }
}

/// The rule for network adapter names, which Hyper-V lets be free text ("Network Adapter", "Lab uplink"): 1 to
/// 100 characters, not all spaces, no control characters. They are unique per VM only by choice, as in Hyper-V.
public enum AdapterName {
    /// The longest adapter name allowed.
    public static let maximumLength = 100

    /// Checks an adapter name.
    public static func validate(_ name: String) throws(NestError) {
        guard !name.allSatisfy({ $0 == " " }) else {
            throw NestError(.invalidName, "an adapter name must not be empty or only spaces (Hyper-V's default is 'Network Adapter')")
        }
        guard name.unicodeScalars.count <= maximumLength else {
            throw NestError(
                .invalidName,
                "adapter name '\(ObjectName.shown(name).prefix(40))…' is \(name.unicodeScalars.count) characters long; the limit is \(maximumLength)"
            )
        }
        if let bad = name.unicodeScalars.first(where: { $0.properties.generalCategory == .control }) {
            throw NestError(.invalidName, "adapter name '\(ObjectName.shown(name))' contains the control character \(Shown.codePoint(bad))")
        }
    }
}
