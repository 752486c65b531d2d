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
                .invalidName, "\(kind) name '\(name)' is \(name.unicodeScalars.count) characters long; the limit is \(maximumLength)",
                target: name)
        }
        guard isASCIILetter(first) else {
            throw NestError(.invalidName, "\(kind) name '\(name)' must start with a letter", target: name)
        }
        if let bad = name.unicodeScalars.first(where: {
            !(isASCIILetter($0) || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0))
        }) {
            let shown = bad == " " ? "a space" : "'\(bad)'"
            throw NestError(.invalidName, "\(kind) name '\(name)' contains \(shown); use letters, digits, '.', '-' and '_'", target: name)
        }
    }

    private static func isASCIILetter(_ s: Unicode.Scalar) -> Bool { ("a"..."z").contains(s) || ("A"..."Z").contains(s) }
}
