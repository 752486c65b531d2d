#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import NestErrors
import NestRecords

/// Writes text to stdout or stderr unbuffered by Foundation. A closed pipe on stdout (the reader went away, as
/// with `| head`) ends the process quietly with status 0; any other failure to write stdout (a full disk, a
/// closed descriptor) ends it with a message and status 74 (`ExitStatus.ioError`), so that `vmrun get > file`
/// cannot "succeed" with an empty file.
public enum Stream {
    /// The tool's name, for the message when stdout fails.
    nonisolated(unsafe) static var tool = "nestvm"
    /// Whether the process started with descriptor 1 closed (then /dev/null holds its place; see `guardDescriptors`).
    nonisolated(unsafe) static var stdoutWasClosed = false

    /// Bytes read from standard input and not yet returned by `readLineBytes`.
    nonisolated(unsafe) static var pendingInput: [UInt8] = []
    /// Where the unreturned bytes of `pendingInput` begin.
    nonisolated(unsafe) static var pendingStart = 0
    nonisolated(unsafe) static var inputEnded = false

    /// The next line of standard input as bytes, without its newline, or nil at the end; unlike `readLine`, bytes
    /// that are not UTF-8 stay as they are, so that the record reader can refuse them by offset. Reads descriptor
    /// 0 itself, so it does not mix with stdio's buffer (records and prompts are never read from one stdin).
    public static func readLineBytes() -> [UInt8]? {
        while true {
            if let newline = pendingInput[pendingStart...].firstIndex(of: 0x0A) {
                let line = Array(pendingInput[pendingStart..<newline])
                pendingStart = newline + 1
                return line
            }
            if inputEnded {
                guard pendingStart < pendingInput.count else { return nil }
                defer { (pendingInput, pendingStart) = ([], 0) }
                return Array(pendingInput[pendingStart...])
            }
            pendingInput.removeSubrange(..<pendingStart)
            pendingStart = 0
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = chunk.withUnsafeMutableBytes { Glibc.read(0, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { inputEnded = true } else { pendingInput += chunk[..<count] }
        }
    }

    /// Writes to standard output.
    public static func out(_ text: String) { write(1, text) }

    /// Writes to standard error.
    public static func err(_ text: String) { write(2, text) }

    static func write(_ fd: Int32, _ text: String) {
        if fd == 1 && stdoutWasClosed { outputFailed("standard output is closed") }
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                if fd == 1 && errno == EPIPE { exit(0) }
                if fd == 1 { outputFailed("cannot write standard output: \(String(cString: strerror(errno)))") }
                return  // stderr: nowhere left to say it
            }
            offset += n
        }
    }

    /// Ends the process with status 74 and `message` on stderr.
    static func outputFailed(_ message: String) -> Never {
        err("\(tool): \(message) [\(ErrorCategory.outputFailed.rawValue)]\n")
        exit(ExitStatus.ioError.rawValue)
    }

    /// Lets a closed pipe show up as EPIPE from write instead of killing the process.
    public static func ignoreSigpipe() { signal(SIGPIPE, SIG_IGN) }

    /// Puts /dev/null on any of descriptors 0, 1 and 2 the process started without, so that no file the tool
    /// opens later (the store, a log) can land on them and receive its output; a closed stdout is remembered and
    /// reported at the first write.
    public static func guardDescriptors() {
        for fd: Int32 in 0...2 where fcntl(fd, F_GETFD) == -1 && errno == EBADF {
            let opened = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY)
            if opened != fd, opened >= 0 {
                dup2(opened, fd)
                close(opened)
            }
            if fd == 1 { stdoutWasClosed = true }
        }
    }
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
        formatter = RecordFormatter(
            format: format, columns: columns, fields: fields, showsHeadings: showsHeadings, width: Environment.outputWidth)
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

    /// Prints what was gathered; call once at the end. TSV prints its heading line even with no rows, so a
    /// script reading columns by name sees them; an empty table prints nothing, as PowerShell's do.
    public func finish() {
        if !gathered.isEmpty || (formatter.format == .tsv && !namesOnly) { Stream.out(formatter.tabulated(gathered)) }
        gathered.removeAll()
    }

    /// The name `--name` prints for a record: its first identity key (`RecordKind.identityKeys`).
    static func name(of record: Record) -> String {
        let key = record.recordKind?.identityKeys.first ?? "Name"
        return record[key]?.displayText ?? ""
    }
}
