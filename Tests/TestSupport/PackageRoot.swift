import Foundation

/// Where the package's files are, for tests that read the checked-in data or the build outputs.
public enum PackageRoot {
    /// The package's root folder, found from this file's path (Tests/TestSupport/PackageRoot.swift).
    public static let path: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The text of a file under the root.
    public static func text(_ relativePath: String) throws -> String {
        try String(contentsOfFile: path + "/" + relativePath, encoding: .utf8)
    }

    /// The rows of a reference table in share/reference: tab-separated, `#` comments, a header line first.
    public static func referenceRows(_ name: String) throws -> [[String]] {
        let lines = try text("share/reference/" + name).split(separator: "\n").filter { !$0.hasPrefix("#") }
        return lines.dropFirst().map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }
}
