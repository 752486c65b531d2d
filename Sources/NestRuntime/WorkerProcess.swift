import NestErrors
import Foundation
import NestStore

/// Spawning the detached process that runs a VM: `vmrun worker` in a session of its own, holding the VM's lock
/// (inherited as descriptor 3) and reporting readiness on descriptor 4.
public enum WorkerProcess {
    /// The worker's descriptors beyond stdin, stdout and stderr: the VM's lock and the readiness pipe's write end.
    public static let lockDescriptor: Int32 = 3, readyDescriptor: Int32 = 4
    /// POSIX_SPAWN_SETSID (glibc 2.26; Glibc's module does not export it): the worker gets a session of its own.
    static let spawnSetSID: Int16 = 0x80

    /// This program's own executable.
    static var executable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Spawns the worker and waits for its first line: `ready`, or why it could not start.
    static func spawn(stateDirectory: String, vmId: String, arguments extra: [String], lock: Int32, log: String) throws(NestError) -> String
    {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw NestError(.workerFailed, "cannot make a pipe: \(String(cString: strerror(errno)))") }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        defer { close(readEnd) }

        // The log is opened here, not by the spawn, so that a symbolic link planted in its place is refused.
        let logFD = try WorkerFiles(directory: stateDirectory, vmId: vmId).open(log, O_WRONLY | O_CREAT | O_TRUNC)
        defer { close(logFD) }
        let (result, _) = spawnDetached(
            ["vmrun", "worker", "--state-dir", stateDirectory, vmId] + extra, log: logFD,
            passing: [(lock, lockDescriptor), (writeEnd, readyDescriptor)])
        close(writeEnd)
        guard result == 0 else {
            throw NestError(.workerFailed, "cannot start the worker process: \(String(cString: strerror(result)))")
        }
        return ControlChannel.readLine(readEnd) ?? ""
    }

    /// Runs this program with `arguments` in a session of its own: stdin and stdout on /dev/null, stderr to `log`,
    /// and each of `passing` (a descriptor here, its number there) handed on. posix_spawn's result (0: started) and
    /// the child's PID.
    static func spawnDetached(_ arguments: [String], log: Int32, passing: [(Int32, Int32)] = []) -> (Int32, pid_t) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, log, 2)
        for (fd, number) in passing { posix_spawn_file_actions_adddup2(&actions, fd, number) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, spawnSetSID)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, &argv, environ)
        return (result, pid)
    }
}
