import NestErrors
import NestRecords
import Foundation
import GRDB

/// The state store: one SQLite database in the state directory holding every host's inventory.
///
/// Every check-then-change runs in one `BEGIN IMMEDIATE` transaction, so two processes never both pass a check
/// and then both write; waiting writers retry for `busyTimeout` seconds before giving up with `StoreBusy`.
public final class Store: Sendable {
    /// The database file's name inside the state directory.
    public static let databaseName = "nestvm.sqlite"
    /// The file whose `flock` serializes opening: creating the database, setting WAL and migrating.
    public static let openLockName = "nestvm.lock"

    let queue: DatabaseQueue

    /// The state directory.
    public let directory: String

    /// Opens (creating and migrating when needed) the store in `directory`, which is created with mode 0700.
    /// With `readOnly`, nothing is created or migrated: the store must exist already (shell completion uses this,
    /// so a TAB never leaves files behind).
    public init(directory: String, busyTimeout: Double = 10, readOnly: Bool = false) throws(NestError) {
        self.directory = directory
        do {
            var config = Configuration()
            config.readonly = readOnly
            if readOnly {
                guard FileManager.default.fileExists(atPath: directory + "/" + Self.databaseName) else {
                    throw NestError(.storeUnavailable, "no state store in \(directory)")
                }
            } else {
                try Self.makeDirectory(directory)
                config.journalMode = .wal
            }
            config.busyMode = .timeout(busyTimeout)
            config.foreignKeysEnabled = true
            config.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
            let path = directory + "/" + Self.databaseName
            try Self.refuseForeignFile(path)
            if readOnly {
                queue = try DatabaseQueue(path: path, configuration: config)
            } else {
                // SQLite makes each statement atomic, not the reading of the schema version and the migration
                // after it: two first users of a new directory would both migrate. Opening is serialized instead;
                // the others wait here (up to the busy timeout) and then find the schema complete.
                queue = try Self.whileHoldingOpenLock(directory, timeout: busyTimeout) {
                    let queue = try DatabaseQueue(path: path, configuration: config)
                    try Schema.migrator.migrate(queue)
                    return queue
                }
            }
        } catch let error as NestError {
            throw error
        } catch {
            throw Self.translate(error, action: "open the state store in \(directory)")
        }
    }

    /// Runs `body` in one immediate write transaction: all of it commits, or none of it does.
    public func write<T>(_ body: (Database) throws -> T) throws(NestError) -> T {
        do {
            return try queue.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        } catch let error as NestError {
            throw error
        } catch {
            throw Self.translate(error, action: "write the state store")
        }
    }

    /// Runs `body` on a consistent snapshot of the store.
    public func read<T>(_ body: (Database) throws -> T) throws(NestError) -> T {
        do {
            return try queue.read(body)
        } catch let error as NestError {
            throw error
        } catch {
            throw Self.translate(error, action: "read the state store")
        }
    }

    static func translate(_ error: any Error, action: String) -> NestError {
        if let db = error as? DatabaseError, db.resultCode == .SQLITE_BUSY || db.resultCode == .SQLITE_LOCKED {
            return NestError(.storeBusy, "could not \(action): another nestvm command held it past the busy timeout; try again")
        }
        if let db = error as? DatabaseError, db.resultCode == .SQLITE_NOTADB || db.resultCode == .SQLITE_CORRUPT {
            return NestError(
                .storeUnavailable,
                "could not \(action): \(databaseName) is damaged (\(db.message ?? "corrupt")); nothing was changed. Restore it from a backup, or move it aside to start an empty inventory"
            )
        }
        if let db = error as? DatabaseError {
            return NestError(.storeUnavailable, "could not \(action): \(db.message ?? db.description)")
        }
        return NestError(.storeUnavailable, "could not \(action): \(error)")
    }

    /// Refuses a file at `path` that is not empty and not an SQLite database: SQLite would take a short one for
    /// an empty database and overwrite it, losing whatever it was.
    static func refuseForeignFile(_ path: String) throws(NestError) {
        guard let handle = FileHandle(forReadingAtPath: path) else { return }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 16)) ?? Data()
        guard !head.isEmpty, head != Data("SQLite format 3\0".utf8) else { return }
        throw NestError(
            .storeUnavailable,
            "could not open the state store: \(path) is damaged (not an SQLite database); nothing was changed. Restore it from a backup, or move it aside to start an empty inventory"
        )
    }

    /// Runs `body` holding the exclusive lock on the state directory's `openLockName`, waiting for it up to
    /// `timeout` seconds (then `StoreBusy`). The lock file is opened without following a symlink.
    static func whileHoldingOpenLock<T>(_ directory: String, timeout: Double, _ body: () throws -> T) throws -> T {
        let path = directory + "/" + openLockName
        let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw NestError(.storeUnavailable, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }  // closing releases the lock
        let deadline = Date().addingTimeInterval(timeout)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, Date() < deadline else {
                throw NestError(
                    .storeBusy, "could not open the state store: another nestvm command held \(path) past the busy timeout; try again")
            }
            usleep(5_000)
        }
        return try body()
    }

    static func makeDirectory(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw NestError(.storeUnavailable, "state directory \(path) exists but is not a directory")
            }
            return
        }
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }
}
