import NestErrors
import NestRecords
import Foundation

/// How a run ended, kept in the VM's directory when the store cannot take it — on a full disk SQLite cannot
/// write, and without this the run would later be recovered as killed (137).
///
/// The space is reserved when the run begins (`WorkerFiles.reserveExitRecord`: `exitRecordSize` bytes written
/// out, so overwriting them needs no new blocks), and the record is written over it in place. The next command
/// that finds the run's worker gone takes the record into the store (`Inventory.recoverLostWorkers`), matched to
/// its run by the run's start time, and removes the file.
public struct ExitRecord: Equatable, Sendable {
    /// The start time of the run it ends (`VMRow.startedAt`).
    public var startedAt: String
    /// The run's exit status.
    public var exitStatus: Int32
    /// Why the run ended.
    public var reason: String
    /// Instructions the guest retired, when known.
    public var instructionsRetired: UInt64?

    /// An exit record for the run that began at `startedAt`.
    public init(startedAt: String, exitStatus: Int32, reason: String, instructionsRetired: UInt64?) {
        self.startedAt = startedAt
        self.exitStatus = exitStatus
        self.reason = reason
        self.instructionsRetired = instructionsRetired
    }

    /// The record as one JSON line shorter than `limit` bytes, its reason cut short (ending in "…") if need be.
    func line(limit: Int) -> String {
        var reason = Substring(reason), cut = false
        while true {
            var pairs: [(String, JSONValue)] = [
                ("StartedAt", .string(startedAt)), ("ExitStatus", .int(Int64(exitStatus))),
                ("ExitReason", .string(cut ? reason + "…" : String(reason))),
            ]
            if let instructionsRetired { pairs.append(("InstructionsRetired", .int(Int64(clamping: instructionsRetired)))) }
            let line = JSONWriter.line(Record(pairs))
            if line.utf8.count < limit || reason.isEmpty { return line }
            reason = reason.dropLast(max(1, reason.count / 4))
            cut = true
        }
    }

    /// The record a line holds, or nil for anything else (a reserved file never written, a damaged one).
    init?(line: String) {
        guard case .object(let record)? = try? JSONParser.parse(line), let startedAt = record["StartedAt"]?.stringValue,
            let status = record["ExitStatus"]?.intValue, let exitStatus = Int32(exactly: status),
            let reason = record["ExitReason"]?.stringValue
        else { return nil }
        self.init(
            startedAt: startedAt, exitStatus: exitStatus, reason: reason,
            instructionsRetired: record["InstructionsRetired"]?.intValue.flatMap { UInt64(exactly: $0) })
    }
}

extension WorkerFiles {
    /// Where a run's exit waits when the store could not take it (`ExitRecord`).
    public var exitRecord: String { directory + "/exit" }
    /// The bytes reserved for an exit record.
    public static let exitRecordSize = 4096

    /// Reserves the space of this run's exit record: the file, `exitRecordSize` bytes of blanks, written out.
    /// False when the disk has no room even for that; the run goes on, and its exit record, should the store fail
    /// at its end, has only the chance of a file made then.
    @discardableResult
    public func reserveExitRecord() -> Bool {
        guard let fd = try? open(exitRecord, O_WRONLY | O_CREAT | O_TRUNC) else { return false }
        defer { close(fd) }
        let blanks = [UInt8](repeating: 0x20, count: Self.exitRecordSize)
        return blanks.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } == blanks.count
    }

    /// Writes `record` over the reserved space, in place (no new blocks needed); false when that failed too.
    @discardableResult
    public func writeExitRecord(_ record: ExitRecord) -> Bool {
        guard let fd = try? open(exitRecord, O_WRONLY | O_CREAT) else { return false }
        defer { close(fd) }
        let bytes = Array((record.line(limit: Self.exitRecordSize) + "\n").utf8)
        let written = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        return written == bytes.count && fsync(fd) == 0
    }

    /// The exit record waiting in the VM's directory, if one was written.
    public func readExitRecord() -> ExitRecord? {
        guard let fd = try? open(exitRecord, O_RDONLY) else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: Self.exitRecordSize)
        let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0, let end = bytes[..<count].firstIndex(of: 0x0A) else { return nil }
        return ExitRecord(line: String(decoding: bytes[..<end], as: UTF8.self))
    }

    /// Removes the exit record (taken into the store, or no longer needed).
    public func removeExitRecord() { unlink(exitRecord) }
}
