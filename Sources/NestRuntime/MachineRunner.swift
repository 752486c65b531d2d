import NestErrors
import Foundation
import Machine
import NestStore

/// How a run ended: the exit status `vmrun run` reports and the reason recorded with the VM.
public struct VMRunResult: Sendable, Equatable {
    /// The status `vmrun run` exits with (nestvm(7), "GUEST EXIT STATUSES").
    public var exitStatus: Int32
    /// Why the run ended, as recorded in the VM's ExitReason.
    public var reason: String
}

/// Runs one VM's machine to its end in the current process: console output to the VM's log (and to stdout for
/// `vmrun run`), control requests from its socket, progress to the store about once a second, and the limits
/// and signals that end a run. Both `vmrun run` and the detached worker of `vmrun start` are this loop.
public final class MachineRunner {
    let machine: Machine
    let inventory: Inventory
    let vmId: String
    let vmName: String
    let control: ControlServer
    let log: ConsoleLog
    let echoToStdout: Bool
    let trace: TraceWriter?
    /// L0's end of the VM's integration channel.
    let relay: IntegrationRelay

    /// The most instructions to run, and the most seconds of wall-clock time (nil: no limit).
    public var maxInstructions: UInt64?
    /// Seconds of wall-clock time before the run is ended with status 124, or nil for no limit.
    public var timeout: Double?

    var isPaused = false
    var stopDeadline: Date?
    var stopGrace: Double = 0
    /// Why the machine is being turned off from outside, when it is.
    var turnOffReason: String?
    /// Whether stdout's reader went away (`vmrun run` only): the run then ends.
    var stdoutClosed = false
    /// When the adapters' links were last compared with the store.
    var linksCheckedAt = Date.distantPast
    /// Each network adapter's link to its switch, in the machine's order.
    var links: [SwitchLink] = []
    /// Instructions per `Machine.run` call: a few milliseconds of guest time between looks at the outside.
    static let quantum: UInt64 = 2_000_000

    /// A runner for `machine` of VM `row`; truncates the console log and opens the control socket.
    public init(
        machine: Machine, row: VMRow, inventory: Inventory, echoToStdout: Bool, trace: TraceOptions = TraceOptions(mode: .off, path: nil)
    ) throws(NestError) {
        self.machine = machine
        self.inventory = inventory
        vmId = row.id
        vmName = row.name
        self.echoToStdout = echoToStdout
        relay = IntegrationRelay(inventory: inventory, vmId: row.id, vmName: row.name)
        relay.send = { [unowned machine] in machine.console.send($0) }
        let files = WorkerFiles(directory: inventory.store.directory, vmId: row.id)
        try files.prepare()
        do {
            log = try ConsoleLog(files: files, limit: try ConsoleLog.configuredLimit())
        } catch {
            throw NestError(error.category, error.message, target: row.name)
        }
        self.trace = trace.mode == .off ? nil : try TraceWriter(options: trace, files: files, vmName: row.name)
        machine.tracing = trace.mode
        if let writer = self.trace { machine.traceSink = { writer.append($0) } }
        control = try ControlServer(path: files.controlSocket)
        let adapters = (try? inventory.machineAdapters(vmId: row.id)) ?? []
        for (device, adapter) in zip(machine.networkAdapters, adapters) {
            links.append(SwitchLink(device: device, adapter: adapter, stateDirectory: inventory.store.directory))
        }
        // Frames come from other machines in real time: a guest's time-out waiting for one must be real too.
        machine.idlesInRealTime = !links.isEmpty
    }

    /// Runs until the machine stops, a limit is reached, or a signal or request turns it off. When console
    /// output could not be logged (a full disk), the reason says how much.
    public func run() -> VMRunResult {
        var result = runToEnd()
        relay.abandonRequests("stopped")
        if let loss = log.lossSummary { result.reason += "; " + loss }
        if let summary = relay.summary { printDiagnostic(summary) }
        return result
    }

    func printDiagnostic(_ line: String) {
        FileHandle.standardError.write(Data("vmrun: \(vmName): \(line)\n".utf8))
    }

    func runToEnd() -> VMRunResult {
        Signals.install()
        var lastProgress = Date()
        let started = Date()
        for link in links { link.connectIfNeeded(waiting: true) }
        while true {
            control.serve(timeout: 0, handle)
            if let signal = Signals.received {
                machine.turnOff()
                flushOutput()
                return VMRunResult(exitStatus: ExitStatus.turnedOff.rawValue, reason: "turned off by signal \(signal)")
            }
            if let stopDeadline, Date() >= stopDeadline, turnOffReason == nil {
                turnOffReason = "turned off: the guest did not shut down within \(stopGrace) s of the stop request"
                machine.turnOff()
            }
            if isPaused {
                control.serve(timeout: 0.1, handle)
                continue
            }
            var budget = Self.quantum
            if let maxInstructions {
                let done = machine.instructionsRetired
                if done >= maxInstructions {
                    flushOutput()
                    return VMRunResult(exitStatus: ExitStatus.timeout.rawValue, reason: "reached --max-instructions \(maxInstructions)")
                }
                budget = min(budget, maxInstructions - done)
            }
            let status = machine.run(budget: budget)
            flushOutput()
            if stdoutClosed, turnOffReason == nil {
                turnOffReason = "turned off: standard output was closed (its reader went away)"
                machine.turnOff()
            }
            switch status {
            case .stopped(let stop):
                return VMRunResult(exitStatus: stop.exitStatus, reason: stop == .turnedOff ? turnOffReason ?? stop.reason : stop.reason)
            case .waitingForInput:
                waitForEvents(timeout: 0.05)
            case .waitingForTimer(let nanoseconds):
                let before = DispatchTime.now().uptimeNanoseconds
                waitForEvents(timeout: min(Double(nanoseconds) / 1e9, 0.05))
                machine.passIdleTime(DispatchTime.now().uptimeNanoseconds - before)
            case .running:
                break
            }
            let now = Date()
            if let timeout, now.timeIntervalSince(started) >= timeout {
                machine.turnOff()
                return VMRunResult(exitStatus: ExitStatus.timeout.rawValue, reason: "reached --timeout \(timeout) s")
            }
            if now.timeIntervalSince(lastProgress) >= 1 {
                lastProgress = now
                try? inventory.recordProgress(vmId: vmId, instructionsRetired: machine.instructionsRetired, paused: false)
            }
        }
    }

    func flushOutput() {
        trace?.flush()
        // Which VM-entry check failed, for the author of the guest hypervisor (nestvm(7), "NESTED VIRTUALIZATION").
        relay.take(machine.console.takeTransmitted())
        for line in machine.takeDiagnostics() + (trace?.takeFailure().map { [$0] } ?? []) + relay.diagnostics {
            printDiagnostic(line)
        }
        relay.diagnostics.removeAll()
        relay.expire()
        relay.sendInventoryChanges()
        followLinks()
        for link in links { link.pump() }
        let output = machine.takeOutput()
        guard !output.isEmpty else { return }
        log.append(output)
        guard echoToStdout, !stdoutClosed else { return }
        var offset = 0
        while offset < output.count {
            let n = output.withUnsafeBytes { write(1, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 {
                // `vmrun run … | head`: the reader went away, so the run ends as a filter's would.
                if errno == EPIPE { stdoutClosed = true }
                return
            }
            offset += n
        }
    }

    /// Each adapter's link follows the store while the VM runs (`vmnet connect` and `disconnect`), looked at every
    /// 0.5 s: up while a switch connects the adapter, and joined to that switch; down once none does (or the
    /// adapter was removed).
    func followLinks(now: Date = Date()) {
        guard !links.isEmpty, now.timeIntervalSince(linksCheckedAt) >= 0.5 else { return }
        linksCheckedAt = now
        guard let adapters = try? inventory.machineAdapters(vmId: vmId) else { return }
        for link in links {
            let current = adapters.first { $0.id == link.adapter.id }
            var adapter = current ?? link.adapter
            if current == nil { adapter.switchId = nil }
            link.follow(adapter)
        }
    }

    /// Waits up to `timeout` seconds for a control request or a frame from a switch, then serves what came.
    func waitForEvents(timeout: Double) {
        var fds = [pollfd(fd: control.fd, events: Int16(POLLIN), revents: 0)]
        for link in links where link.fd >= 0 { fds.append(pollfd(fd: link.fd, events: Int16(POLLIN), revents: 0)) }
        // Rounded up: a guest's timer a fraction of a millisecond away is waited for, not spun on (rounding down
        // would make it no wait at all, and a guest ticking at 1 kHz would keep a core busy while idle).
        _ = poll(&fds, nfds_t(fds.count), Int32((max(timeout, 0) * 1000).rounded(.up)))
        control.serve(timeout: 0, handle)
        for link in links { link.pump() }
    }

    /// One control request; nil when `client` is answered later (a nested VM's request).
    func handle(_ request: String, _ client: ControlClient) -> String? {
        let parts = request.split(separator: " ", maxSplits: 1)
        switch parts.first ?? "" {
        case "nested":
            guard !isPaused else {
                return ControlChannel.errorReply(
                    NestError(
                        .vmNotRunning, "VM '\(vmName)' is paused, and so is its hypervisor; resume it first: vmrun resume \(vmName)",
                        target: vmName))
            }
            return relay.request(parts.count > 1 ? parts[1] : "", client: client)
        case "status":
            return "ok \(isPaused ? "Paused" : "Running") \(machine.instructionsRetired)"
        case "stop":
            let grace = parts.count > 1 ? Seconds.parse(String(parts[1])) ?? 10 : 10
            machine.isStopRequested = true
            if stopDeadline == nil {
                stopGrace = grace
                stopDeadline = Date().addingTimeInterval(grace)
            }
            isPaused = false
            return "ok"
        case "turn-off":
            if turnOffReason == nil { turnOffReason = "turned off (vmrun stop --turn-off)" }
            machine.turnOff()
            isPaused = false
            return "ok"
        case "pause", "resume":
            isPaused = parts[0] == "pause"
            try? inventory.recordProgress(vmId: vmId, instructionsRetired: machine.instructionsRetired, paused: isPaused)
            return "ok"
        case "input":
            guard parts.count > 1, let bytes = ControlChannel.bytes(fromHex: parts[1]) else { return "error input needs hexadecimal bytes" }
            machine.uart.receive(bytes)
            return "ok"
        default:
            return "error unknown request '\(request)'"
        }
    }
}

/// SIGINT, SIGTERM and SIGHUP end a run: the machine is turned off and the exit recorded.
enum Signals {
    nonisolated(unsafe) static var last: Int32 = 0

    /// Catches SIGINT, SIGTERM and SIGHUP, and unblocks them: a process may inherit a mask that blocks them
    /// (some launchers spawn with one), and a blocked SIGTERM would leave `vmrun stop` unable to end the run.
    static func install() {
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for signal in [SIGINT, SIGTERM, SIGHUP] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { Signals.last = $0 }
            sigemptyset(&action.sa_mask)
            sigaction(signal, &action, nil)
            sigaddset(&unblock, signal)
        }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }

    /// The name of a signal that arrived, if any.
    static var received: String? {
        switch last {
        case 0: return nil
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        case SIGHUP: return "SIGHUP"
        default: return "\(last)"
        }
    }
}
