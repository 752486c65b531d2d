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

    /// The width tables fit in: `$COLUMNS` when set to a number, else the terminal's on stdout; nil (no limit)
    /// for output that is not a terminal and no `COLUMNS`.
    public static var outputWidth: Int? {
        if let text = value("COLUMNS"), let columns = Int(text), columns > 0 { return columns }
        var size = winsize()
        if isTerminal(1), ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return nil
    }

    /// Whether standard input carries piped data: a pipe or a regular file. A terminal, `/dev/null` (as in cron)
    /// or a socket is not read for records.
    public static var stdinIsPiped: Bool {
        var info = stat()
        guard fstat(0, &info) == 0 else { return false }
        let type = info.st_mode & S_IFMT
        return type == S_IFIFO || type == S_IFREG
    }
}
