#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import NestRecords

/// Writes text to stdout or stderr unbuffered by Foundation; a closed stdout (the reader went away, as with
/// `| head`) ends the process quietly with status 0.
public enum Stream {
    /// Writes to standard output.
    public static func out(_ text: String) { write(1, text) }

    /// Writes to standard error.
    public static func err(_ text: String) { write(2, text) }

    static func write(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                if fd == 1 && errno == EPIPE { exit(0) }
                return
            }
            offset += n
        }
    }

    /// Lets a closed pipe show up as EPIPE from write instead of killing the process.
    public static func ignoreSigpipe() { signal(SIGPIPE, SIG_IGN) }
}

/// Prints records as the output options ask: streamed for JSON and lists, gathered and aligned for tables.
public final class Emitter {
    let formatter: RecordFormatter
    let namesOnly: Bool
    var gathered: [Record] = []

    /// An emitter in `format` (by default a table on a terminal, else JSON Lines), with `view` as the table's
    /// curated columns unless `fields` names the keys to show.
    public init(format: OutputFormat?, fields: [String]? = nil, showsHeadings: Bool = true, namesOnly: Bool = false, view: [Column]) {
        let format = format ?? (Environment.isTerminal(1) ? .table : .json)
        let columns = fields.map { keys in keys.map { Column($0) } } ?? view
        formatter = RecordFormatter(format: format, columns: columns, fields: fields, showsHeadings: showsHeadings)
        self.namesOnly = namesOnly
    }

    /// An emitter for the output options of a listing command.
    public convenience init(options: OutputOptions, view: [Column]) {
        self.init(
            format: options.format, fields: options.fieldList, showsHeadings: !options.noHeadings, namesOnly: options.namesOnly, view: view)
    }

    /// An emitter for what `--passthru` prints.
    public convenience init(passthru change: ChangeOptions, view: [Column]) {
        self.init(format: change.format, view: view)
    }

    /// Prints or gathers one record.
    public func emit(_ record: Record) {
        if namesOnly {
            Stream.out(Self.name(of: record) + "\n")
        } else if let text = formatter.streamed(record) {
            Stream.out(text)
        } else {
            gathered.append(record)
        }
    }

    /// Prints what was gathered; call once at the end.
    public func finish() {
        if !gathered.isEmpty { Stream.out(formatter.tabulated(gathered)) }
        gathered.removeAll()
    }

    /// The name `--name` prints for a record: its first identity key (`RecordKind.identityKeys`).
    static func name(of record: Record) -> String {
        let key = record.recordKind?.identityKeys.first ?? "Name"
        return record[key]?.displayText ?? ""
    }
}
