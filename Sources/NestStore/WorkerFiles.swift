import NestErrors
import Foundation

/// The files beside the database that belong to one VM's runs, in `vms/VMID/` of the state directory:
/// the console log, the control socket of the running worker, and the lock the worker holds while it runs.
///
/// The lock is what says a VM is really running: the process that runs a VM holds an exclusive `flock` on
/// `lock` for its whole life, so when it dies — even by SIGKILL — the lock is free and the next command
/// knows the recorded Running state is stale.
public struct WorkerFiles: Sendable {
    /// The VM's directory.
    public let directory: String

    /// The files of VM `vmId` in state directory `stateDirectory`.
    public init(directory stateDirectory: String, vmId: String) {
        directory = stateDirectory + "/vms/" + vmId
    }

    /// What the guest printed on COM1 in its current or last run.
    public var consoleLog: String { directory + "/console.log" }
    /// The running worker's control socket (ControlChannel).
    public var controlSocket: String { directory + "/control.sock" }
    /// The file whose `flock` the running process holds.
    public var lock: String { directory + "/lock" }
    /// Diagnostics of a detached worker (its stderr).
    public var workerLog: String { directory + "/worker.log" }

    /// Creates the VM's directory (mode 0700).
    public func prepare() throws(NestError) {
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw NestError(.storeUnavailable, "cannot create \(directory): \(error.localizedDescription)")
        }
    }

    /// Takes the VM's lock without waiting: the open descriptor holding it, or nil when another process has it.
    /// The descriptor is inherited by a spawned worker (no close-on-exec), which keeps the lock after the
    /// caller closes its copy.
    public func acquireLock() throws(NestError) -> Int32? {
        try prepare()
        let fd = open(lock, O_RDWR | O_CREAT, 0o600)
        guard fd >= 0 else { throw NestError(.storeUnavailable, "cannot open \(lock): \(String(cString: strerror(errno)))") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            return nil
        }
        return fd
    }

    /// Whether descriptor `fd` is this VM's lock file (the same file, not one by the same path name) and holds
    /// its exclusive lock: true in a worker `vmrun start` spawned, false in one run by hand.
    public func isHeldLock(_ fd: Int32) -> Bool {
        var held = stat(), named = stat()
        guard fstat(fd, &held) == 0, stat(lock, &named) == 0, held.st_dev == named.st_dev, held.st_ino == named.st_ino
        else { return false }
        return flock(fd, LOCK_EX | LOCK_NB) == 0
    }

    /// Whether some process holds the VM's lock.
    public var isLocked: Bool {
        let fd = open(lock, O_RDONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return true
    }
}
