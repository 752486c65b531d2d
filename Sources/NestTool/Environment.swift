#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process's surroundings: environment variables and which streams are terminals or pipes.
public enum Environment {
    /// An environment variable's value.
    public static func value(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// Whether file descriptor `fd` is a terminal.
    public static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    /// Whether standard input carries piped data: a pipe or a regular file. A terminal, `/dev/null` (as in cron)
    /// or a socket is not read for records.
    public static var stdinIsPiped: Bool {
        var info = stat()
        guard fstat(0, &info) == 0 else { return false }
        let type = info.st_mode & S_IFMT
        return type == S_IFIFO || type == S_IFREG
    }
}
