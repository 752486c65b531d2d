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
    /// Whether the store was opened read-only (asked for, or not writable by this user): every write is refused.
    public let isReadOnly: Bool

    /// Opens (creating and migrating when needed) the store in `directory`, which is created with mode 0700.
    /// With `readOnly`, nothing is created or migrated: the store must exist already (shell completion uses this,
    /// so a TAB never leaves files behind). A store this user may read but not write (another user's, or on a
    /// read-only mount) opens read-only as well: listing works, and a change is refused with a message.
    public init(directory: String, busyTimeout: Double = 10, readOnly: Bool = false) throws(NestError) {
        self.directory = directory
        let path = directory + "/" + Self.databaseName
        let exists = FileManager.default.fileExists(atPath: path)
        var readOnly = readOnly || (exists && (access(path, W_OK) != 0 || access(directory, W_OK) != 0))
        do {
            var config = Configuration()
            config.busyMode = .timeout(busyTimeout)
            config.foreignKeysEnabled = true
            config.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
            try Self.refuseForeignFile(path)
            var opened: DatabaseQueue?
            if !readOnly {
                try Self.makeDirectory(directory)
                do {
                    opened = try Self.openWritable(path, config, timeout: busyTimeout)
                } catch let error as DatabaseError where exists && Self.cannotWrite.contains(error.resultCode.primaryResultCode) {
                    readOnly = true  // a full disk: what is there can still be read
                }
            }
            if readOnly {
                guard exists else { throw NestError(.storeUnavailable, "no state store in \(directory)") }
                guard access(path, R_OK) == 0 else {
                    throw NestError(.storeUnavailable, "cannot read the state store \(path): \(String(cString: strerror(errno)))")
                }
                config.readonly = true
                let queue = try Self.openReadOnly(path, config)
                guard try queue.read({ try Schema.migrator.hasCompletedMigrations($0) }) else {
                    throw NestError(
                        .storeUnavailable,
                        "the state store \(path) was made by another version of nestvm and must be upgraded, which needs write access; run any nestvm command as its owner first"
                    )
                }
                opened = queue
            }
            queue = opened!
            isReadOnly = readOnly
        } catch let error as NestError {
            throw error
        } catch {
            throw Self.translate(error, action: "open the state store in \(directory)")
        }
    }

    /// The results of an open for writing that leave reading possible: no room for the log, or no writing allowed.
    static let cannotWrite: [ResultCode] = [.SQLITE_FULL, .SQLITE_IOERR, .SQLITE_CANTOPEN, .SQLITE_READONLY]

    /// Opens the store for reading and writing, setting write-ahead logging and migrating the schema when needed.
    ///
    /// SQLite makes each statement atomic, not the reading of the schema version and the migration after it: two
    /// first users of a new directory would both migrate. Opening is serialized instead; the others wait here (up
    /// to the busy timeout) and then find the schema complete. A store that is up to date is only read, so opening
    /// never waits for another command's write transaction.
    static func openWritable(_ path: String, _ config: Configuration, timeout: Double) throws -> DatabaseQueue {
        try whileHoldingOpenLock((path as NSString).deletingLastPathComponent, timeout: timeout) {
            let queue = try DatabaseQueue(path: path, configuration: config)
            try queue.writeWithoutTransaction { db in
                if try String.fetchOne(db, sql: "PRAGMA journal_mode") != "wal" { try db.execute(sql: "PRAGMA journal_mode = WAL") }
            }
            if try !queue.read({ try Schema.migrator.hasCompletedMigrations($0) }) { try Schema.migrator.migrate(queue) }
            return queue
        }
    }

    /// Opens a store this process may only read. While another command has it open, its write-ahead log and
    /// shared-memory index are beside it and SQLite reads through them. When there is no log (no other command
    /// has the store open, so the database file is the whole store), or the index cannot be used (another user's
    /// directory, no room on a full disk), SQLite reads the database file alone, as immutable: the store as of
    /// its last checkpoint.
    static func openReadOnly(_ path: String, _ config: Configuration) throws -> DatabaseQueue {
        let allowed = CharacterSet.urlPathAllowed.subtracting(CharacterSet(charactersIn: "?#%"))
        let immutable = "file:" + (path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path) + "?immutable=1"
        // No log beside it: no other command has the store open, and opening it the usual way would create the
        // log and index, which a read-only connection then leaves behind.
        guard FileManager.default.fileExists(atPath: path + "-wal") else {
            return try DatabaseQueue(path: immutable, configuration: config)
        }
        do {
            let queue = try DatabaseQueue(path: path, configuration: config)
            _ = try queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM sqlite_master") }
            return queue
        } catch let error as DatabaseError where cannotWrite.contains(error.resultCode.primaryResultCode) {
            return try DatabaseQueue(path: immutable, configuration: config)
        }
    }

    /// Closes the database: the last connection to close folds the write-ahead log into the database file and
    /// removes it, so a state directory at rest holds the database alone.
    public func close() { try? queue.close() }

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
        if let db = error as? DatabaseError, db.resultCode == .SQLITE_READONLY {
            return NestError(
                .storeUnavailable,
                "could not \(action): it is read-only for you (another user's, or on a read-only file system); only reading works")
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
        defer { Glibc.close(fd) }  // closing releases the lock
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

    static func makeDirectory(_ path: String) throws(NestError) {
        var info = stat()
        if stat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw NestError(.storeUnavailable, "state directory \(path) exists but is not a directory")
            }
            return
        }
        try makeDirectories(path)
    }

    /// Creates directory `path` and any missing parents, each with mode 0700 (mkdir -p), with the system's reason
    /// when one cannot be made: "cannot create /srv/nestvm: Permission denied".
    public static func makeDirectories(_ path: String) throws(NestError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
                throw NestError(.storeUnavailable, "cannot create \(prefix): \(String(cString: strerror(errno)))")
            }
        }
    }
}
