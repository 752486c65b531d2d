import CReadline
import Foundation
import NestStore

/// `vmrun console`: follows a running VM's console log, and sends what is typed to its COM1. On a terminal the
/// input line is edited with GNU readline (the VM's own history, `console_history` in its directory, each line
/// saved as it is sent, so Ctrl-C loses none); Ctrl-] detaches. Without a
/// terminal, stdin's lines are sent as they come. Either way it ends when the VM stops.
///
/// A nested VM's console is the log its host VM's worker keeps from the integration channel, and what is typed
/// goes to its COM1 through the hypervisor inside the host VM.
public struct ConsoleSession {
    let files: WorkerFiles
    let historyFile: String
    /// Whether the VM still runs.
    let isRunning: () -> Bool
    /// Sends typed bytes to the VM's COM1.
    let deliver: ([UInt8]) -> Void

    /// The detach key, Ctrl-] (as telnet and virsh).
    public static let detachKey: Int32 = 0x1D

    /// A console on L0 VM `row`, whose files are in `stateDirectory`.
    public init(row: VMRow, stateDirectory: String) {
        let files = WorkerFiles(directory: stateDirectory, vmId: row.id)
        self.init(files: files, isRunning: { files.isLocked }) { bytes in
            _ = try? ControlChannel.send("input " + ControlChannel.hex(bytes), to: files.controlSocket, vm: row.name)
        }
    }

    /// A console on nested VM `row`, which runs under the hypervisor of L0 VM `host`, in `inventory`.
    public init(nested row: VMRow, host: VMRow, inventory: Inventory) {
        let hostFiles = WorkerFiles(directory: inventory.store.directory, vmId: host.id)
        self.init(files: WorkerFiles(directory: inventory.store.directory, vmId: row.id)) {
            guard hostFiles.isLocked, let now = try? inventory.vms(host: host.name, selectors: [.id(row.id)]).rows.first else {
                return false
            }
            return now.state == .running || now.state == .paused
        } deliver: { bytes in
            _ = try? ControlChannel.send(
                "nested input \(row.id) " + ControlChannel.hex(bytes), to: hostFiles.controlSocket, vm: host.name)
        }
    }

    init(files: WorkerFiles, isRunning: @escaping () -> Bool, deliver: @escaping ([UInt8]) -> Void) {
        self.files = files
        historyFile = files.directory + "/console_history"
        self.isRunning = isRunning
        self.deliver = deliver
    }

    /// The new console log when the one `log` reads has been rotated away, or nil.
    func rotated(from log: FileHandle) -> FileHandle? {
        var open = stat(), named = stat()
        guard fstat(log.fileDescriptor, &open) == 0, stat(files.consoleLog, &named) == 0, open.st_ino != named.st_ino,
            let fd = try? files.open(files.consoleLog, O_RDONLY)
        else { return nil }
        return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    /// Runs until the VM stops or the user detaches; returns true when the VM stopped.
    public func run(interactive: Bool) -> Bool {
        guard let fd = try? files.open(files.consoleLog, O_RDONLY) else { return !isRunning() }
        var log = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        // Show what the console printed so far (its last 64 KiB), then follow.
        let size = (try? log.seekToEnd()) ?? 0
        try? log.seek(toOffset: size > 65_536 ? size - 65_536 : 0)
        if interactive { ConsoleReadline.begin(history: historyFile) }
        defer { if interactive { ConsoleReadline.end(history: historyFile) } }
        var stdinOpen = true
        while true {
            let output = log.availableData
            if !output.isEmpty {
                if interactive { ConsoleReadline.printAbove(output) } else { FileHandle.standardOutput.write(output) }
            }
            // The worker rotated the log (ConsoleLog): what is left of the old one was read above; go on with
            // the new one from its start.
            if output.isEmpty, let next = rotated(from: log) { log = next }
            if !isRunning() {
                // Whatever the guest printed last, then the end.
                let rest = log.availableData
                if !rest.isEmpty { interactive ? ConsoleReadline.printAbove(rest) : FileHandle.standardOutput.write(rest) }
                return true
            }
            if interactive {
                ConsoleReadline.poll(timeout: 50)
                for line in ConsoleReadline.takeLines() { send(Array((line + "\n").utf8)) }
                if ConsoleReadline.detached || nestvm_was_interrupted() != 0 { return false }
            } else if stdinOpen {
                var p = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
                if Glibc.poll(&p, 1, 50) > 0 {
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    let n = read(0, &buffer, buffer.count)
                    if n > 0 { send(Array(buffer[0..<n])) } else { stdinOpen = false }
                }
            } else {
                usleep(50_000)
            }
        }
    }

    func send(_ bytes: [UInt8]) { deliver(bytes) }
}

/// GNU readline in callback mode, so console output can arrive while a line is being edited.
enum ConsoleReadline {
    nonisolated(unsafe) static var lines: [String] = []
    nonisolated(unsafe) static var detached = false
    /// The history file each entered line is appended to at once.
    nonisolated(unsafe) static var historyPath = ""

    /// The most lines a VM's console history keeps.
    static let historyLength: Int32 = 500

    static func begin(history: String) {
        using_history()
        historyPath = history
        nestvm_catch_interrupt()
        _ = read_history(history)
        _ = history_truncate_file(history, historyLength)
        // Ctrl-] detaches; so does Ctrl-C, whether it arrives as a key or (usually) as SIGINT.
        for key in [ConsoleSession.detachKey, 0x03] {
            rl_bind_key(
                key,
                { _, _ in
                    ConsoleReadline.detached = true
                    return 0
                })
        }
        rl_callback_handler_install(
            "",
            { line in
                guard let line else {
                    ConsoleReadline.detached = true  // Ctrl-D on an empty line
                    return
                }
                let text = String(cString: line)
                if !text.isEmpty {
                    add_history(line)
                    // Saved now: a console ended by Ctrl-C or a closed terminal keeps what was typed.
                    if append_history(1, ConsoleReadline.historyPath) != 0 { _ = write_history(ConsoleReadline.historyPath) }
                }
                ConsoleReadline.lines.append(text)
                free(line)
            })
    }

    static func end(history: String) {
        rl_callback_handler_remove()
        _ = history_truncate_file(history, historyLength)
        FileHandle.standardError.write(Data("\n".utf8))
    }

    /// Feeds readline the keys that arrive within `timeout` milliseconds.
    static func poll(timeout: Int32) {
        var p = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
        if Glibc.poll(&p, 1, timeout) > 0 { rl_callback_read_char() }
    }

    static func takeLines() -> [String] {
        defer { lines.removeAll() }
        return lines
    }

    /// Prints guest output above the line being edited, then redraws it.
    static func printAbove(_ data: Data) {
        let point = nestvm_rl_point()
        let saved = rl_copy_text(0, nestvm_rl_end())
        rl_save_prompt()
        rl_replace_line("", 0)
        rl_redisplay()
        FileHandle.standardOutput.write(data)
        rl_restore_prompt()
        if let saved {
            rl_replace_line(saved, 0)
            free(saved)
        }
        nestvm_rl_set_point(point)
        rl_redisplay()
    }
}
