import NestErrors

/// Help text every tool shares.
public enum Help {
    /// The exit statuses, appended to each tool's discussion so `--help` and the man pages carry them.
    public static let exitStatuses =
        "Exit status: " + ExitStatus.commandStatuses.map { "\($0.rawValue) \($0.summary)" }.joined(separator: "; ")
        + ". With several failures the status is the first one's. vmrun run exits with the guest's status instead. See nestvm(7)."
}
