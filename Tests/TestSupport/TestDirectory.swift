import Foundation

/// Temporary directories for tests, all inside one folder of this test process (`nvt-PID` in the temporary
/// directory) that is removed when the process exits, so test runs leave nothing behind. Paths stay short: a
/// state directory's path is part of its VMs' control-socket paths, which Unix limits to 107 bytes.
public enum TestDirectory {
    /// The folder of this test process.
    public static let root: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nvt-\(getpid())").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: TestDirectory.root) }
        return path
    }()

    /// A new path in `root` named after `purpose` (not created: the code under test makes it).
    public static func path(_ purpose: String) -> String {
        root + "/" + purpose + "-" + UUID().uuidString.prefix(8).lowercased()
    }
}
