import Foundation
import NestErrors
import NestStore

/// The console log of a running VM: what the guest prints on COM1, in `vms/VMID/console.log`.
///
/// It is bounded: once it holds `limit` bytes it is rotated (console.log becomes console.log.1, replacing the
/// one before, and a new console.log begins), so a chatty guest keeps at most twice the limit on disk. The limit
/// is `NESTVM_CONSOLE_LOG_LIMIT` (a size such as 64M), 16 MiB by default. A failure to write (a full disk) never
/// stops the VM: that output is dropped and counted, and the run's exit reason says how much was lost and why.
final class ConsoleLog {
    /// The limit without `NESTVM_CONSOLE_LOG_LIMIT`.
    static let defaultLimit: Int64 = 16 << 20
    /// The smallest limit accepted.
    static let minimumLimit: Int64 = 256

    let files: WorkerFiles
    let limit: Int64
    var fd: Int32
    /// Bytes in the current console.log.
    var written: Int64 = 0
    /// Bytes of output that could not be logged, and the first error.
    private(set) var droppedBytes: Int64 = 0
    private(set) var firstError: String?

    /// The limit `NESTVM_CONSOLE_LOG_LIMIT` sets, or the default.
    static func configuredLimit() throws(NestError) -> Int64 {
        guard let text = ProcessInfo.processInfo.environment["NESTVM_CONSOLE_LOG_LIMIT"] else { return defaultLimit }
        guard let bytes = ByteSize.parse(text), bytes >= minimumLimit else {
            throw NestError(.invalidSetting, "NESTVM_CONSOLE_LOG_LIMIT is '\(text)', not a size of 256 bytes or more (e.g. 64M)")
        }
        return bytes
    }

    /// A new, empty log for the VM whose files are `files`.
    init(files: WorkerFiles, limit: Int64) throws(NestError) {
        self.files = files
        self.limit = limit
        fd = try files.open(files.consoleLog, O_WRONLY | O_CREAT | O_TRUNC)
    }

    deinit { close(fd) }

    /// Appends `bytes`, rotating at the limit; what cannot be written is dropped and counted.
    func append(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            if written >= limit { rotate() }
            let chunk = min(bytes.count - offset, Int(max(1, limit - written)))
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, chunk) }
            if n < 0 {
                if errno == EINTR { continue }
                drop(bytes.count - offset, String(cString: strerror(errno)))
                return
            }
            offset += n
            written += Int64(n)
        }
    }

    /// Moves console.log to console.log.1 and starts a new one.
    func rotate() {
        written = 0
        guard rename(files.consoleLog, files.rotatedConsoleLog) == 0 else { return }  // then go on in the same file
        do {
            let next = try files.open(files.consoleLog, O_WRONLY | O_CREAT | O_TRUNC)
            close(fd)
            fd = next
        } catch {
            if firstError == nil { firstError = error.message }
        }
    }

    func drop(_ count: Int, _ why: String) {
        droppedBytes += Int64(count)
        if firstError == nil { firstError = why }
    }

    /// What the exit reason adds when output was lost.
    var lossSummary: String? {
        guard droppedBytes > 0 else { return nil }
        return "\(droppedBytes) bytes of console output were not logged (\(firstError ?? "write failed"))"
    }
}
