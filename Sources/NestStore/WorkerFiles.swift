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
    /// The VM's id.
    public let vmId: String

    /// The files of VM `vmId` in state directory `stateDirectory`.
    public init(directory stateDirectory: String, vmId: String) {
        directory = stateDirectory + "/vms/" + vmId
        self.vmId = vmId
    }

    /// The files of the process that runs switch `switchId` (in `switches/SWITCHID/`): its lock, its log, and
    /// the socket its ports connect to (`switchSocket`).
    public init(stateDirectory: String, switchId: String) {
        directory = stateDirectory + "/switches/" + switchId
        vmId = switchId
    }

    /// A running switch's socket, which the workers of the VMs connected to it join.
    public var switchSocket: String { directory + "/switch.sock" }
    /// What the guest printed on COM1 in its current or last run.
    public var consoleLog: String { directory + "/console.log" }
    /// The running worker's control socket (ControlChannel).
    public var controlSocket: String { directory + "/control.sock" }
    /// The file whose `flock` the running process holds.
    public var lock: String { directory + "/lock" }
    /// Diagnostics of a detached worker (its stderr).
    public var workerLog: String { directory + "/worker.log" }
    /// The console log before the last rotation (see `ConsoleLog`).
    public var rotatedConsoleLog: String { consoleLog + ".1" }

    /// Flags every file of the VM's directory is opened with: a symbolic link planted in its place is refused
    /// (ELOOP), never followed, so nothing outside the state directory is written; no descriptor leaks into a
    /// spawned process unless it is passed on purpose.
    public static let openFlags = O_NOFOLLOW | O_CLOEXEC

    /// Opens `path`, one of this VM's files, with `flags` and `openFlags` (mode 0600 when created). Only a
    /// regular file is taken: a FIFO or device planted in its place would block the worker or swallow its output.
    public func open(_ path: String, _ flags: Int32) throws(NestError) -> Int32 {
        let fd = Glibc.open(path, flags | Self.openFlags | O_NONBLOCK, 0o600)
        guard fd >= 0 else {
            let why =
                switch errno {
                case ELOOP: "it is a symbolic link, which nestvm does not follow; remove it"
                case ENXIO: "it is a FIFO or a device, not a regular file; remove it"
                default: String(cString: strerror(errno))
                }
            throw NestError(.fileUnavailable, "cannot open \(path): \(why)")
        }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw NestError(.fileUnavailable, "cannot open \(path): it is not a regular file; remove it")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return fd
    }

    /// Creates the VM's directory (mode 0700), or checks the one there: a real directory (not a symbolic link)
    /// owned by this user and closed to others, since the worker creates files in it.
    public func prepare() throws(NestError) {
        var info = stat()
        if lstat(directory, &info) != 0 {
            try Store.makeDirectories(directory)
            guard lstat(directory, &info) == 0 else {
                throw NestError(.storeUnavailable, "cannot create \(directory): \(String(cString: strerror(errno)))")
            }
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw NestError(
                .fileUnavailable, "\(directory) is not a directory (a symbolic link or a file); remove it, and nestvm makes it again")
        }
        guard info.st_uid == geteuid() else {
            throw NestError(
                .fileUnavailable,
                "\(directory) belongs to user \(info.st_uid), not to you (\(geteuid())); nestvm uses only its own VM directories")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw NestError(
                .fileUnavailable,
                "\(directory) has mode \(String(info.st_mode & 0o777, radix: 8)), open to other users; nestvm keeps it 0700: chmod 700 '\(directory)'"
            )
        }
    }

    /// Takes the VM's lock without waiting: the open descriptor holding it, or nil when another process has it.
    /// The descriptor is inherited by a spawned worker (no close-on-exec), which keeps the lock after the
    /// caller closes its copy.
    public func acquireLock() throws(NestError) -> Int32? {
        try prepare()
        let fd = try open(lock, O_RDWR | O_CREAT)
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

    /// Whether the VM's worker still runs: its lock is held, or the process recorded as its worker (`pid`) is
    /// alive and is `vmrun worker` for this VM. The second test is what keeps a running VM from being declared
    /// dead when its files are deleted (a tmp cleaner, `rm -rf` of the state directory's vms/).
    public func isRunning(workerPID pid: Int32?) -> Bool {
        isLocked || pid.map(isWorker) == true
    }

    /// Whether process `pid` is a `vmrun worker` of this VM (its command line, from /proc).
    public func isWorker(_ pid: Int32) -> Bool {
        guard pid > 0, let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        guard let worker = arguments.firstIndex(of: "worker") else { return false }
        return arguments[worker...].contains(vmId)
    }

    /// Whether some process holds the VM's lock.
    public var isLocked: Bool {
        let fd = Glibc.open(lock, O_RDONLY | Self.openFlags)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return true
    }
}
