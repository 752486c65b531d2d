import Foundation
import Testing
import TestSupport

/// Runs the built tools as a user would, in a fresh state directory.
struct ToolRunner {
    /// Where the built executables are: `NESTVM_BIN`, else the package's debug build folder.
    static let binDirectory: String = {
        if let bin = ProcessInfo.processInfo.environment["NESTVM_BIN"], !bin.isEmpty { return bin }
        return PackageRoot.path + "/.build/debug"
    }()

    /// The state directory this runner's commands use.
    let stateDirectory: String

    init() throws {
        stateDirectory = TestDirectory.path("tool")
    }

    struct Result {
        var stdout: String
        var stderr: String
        var status: Int32
    }

    /// Runs `command` with bash (pipefail on), the tools first on PATH, stdin from /dev/null.
    func run(_ command: String, environment extra: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-o", "pipefail", "-c", command]
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = Self.binDirectory + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        environment["NESTVM_HOME"] = stateDirectory
        environment.removeValue(forKey: "NESTVM_HOST")
        environment["COLUMNS"] = "200"
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes to the end before waiting, so a full pipe cannot stall the child.
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(
            stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self),
            status: process.terminationStatus)
    }

    /// Starts an HTTP server on 127.0.0.1:`port` serving `page` as /index.html from a folder in the state
    /// directory; returns its PID, for the caller to end with SIGKILL (SIGTERM may be ignored in what the test
    /// process hands down).
    func servePage(_ page: String, port: Int) throws -> Int32 {
        let www = stateDirectory + "/www"
        try FileManager.default.createDirectory(atPath: www, withIntermediateDirectories: true)
        try page.write(toFile: www + "/index.html", atomically: true, encoding: .utf8)
        return try startBackground("python3 -m http.server \(port) --bind 127.0.0.1 --directory '\(www)'")
    }

    /// Starts `command` in the background (stdin, stdout and stderr on /dev/null) and returns its PID, for the
    /// caller to end. Every other descriptor is closed first: one inherited from this process (Foundation's
    /// Process keeps a socket per child it waits for) would keep `run` waiting for as long as the command runs.
    func startBackground(_ command: String) throws -> Int32 {
        let started = try run(
            """
            ( for fd in /proc/self/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done 2> /dev/null; exec \(command) ) \
              < /dev/null > /dev/null 2>&1 & echo $!
            """)
        guard let pid = Int32(started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw ToolRunnerError.notStarted(command, started.stderr)
        }
        return pid
    }
}

enum ToolRunnerError: Error {
    case notStarted(String, String)
}
