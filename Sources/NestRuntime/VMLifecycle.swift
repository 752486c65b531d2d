import NestErrors
import Foundation
import Machine
import NestStore

/// Starting, running, stopping and pausing VMs on L0 (Start-VM, Stop-VM, Suspend-VM, Resume-VM). A VM runs in
/// one process that holds its lock: `vmrun run` itself, or a detached worker that `vmrun start` spawns.
public struct VMLifecycle {
    /// The inventory the VMs are in (their files are beside its store).
    public let inventory: Inventory

    /// Lifecycle operations on the VMs of `inventory`.
    public init(inventory: Inventory) { self.inventory = inventory }

    var directory: String { inventory.store.directory }

    /// The VM `selector` names on L0; VMs inside VMs run under their host's hypervisor (`nestedTarget`).
    func vm(_ selector: VMSelector, host: String?) throws(NestError) -> VMRow {
        let (found, rows) = try inventory.vms(host: host, selectors: [selector])
        guard found.level == 0 else {
            let name = rows[0].name, host = found.computerName
            throw NestError(
                .invalidArgument,
                "VM '\(name)' lives inside \(host) and runs under its hypervisor, not in the foreground here: vmrun start --host \(host) \(name), then vmrun console --host \(host) \(name)",
                target: name)
        }
        return rows[0]
    }

    /// Refuses a run whose control socket cannot exist: a Unix socket's path has at most 107 bytes, and the
    /// state directory's path is part of it. Checked before anything is recorded, so no exit status is left for
    /// a run that never began.
    func checkSocketPath(_ files: WorkerFiles, _ row: VMRow) throws(NestError) {
        guard ControlChannel.address(files.controlSocket) == nil else { return }
        let room = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1 - (files.controlSocket.utf8.count - directory.utf8.count)
        throw NestError(
            .controlChannelFailed,
            "VM '\(row.name)' cannot run from this state directory: its control socket \(files.controlSocket) would be \(files.controlSocket.utf8.count) bytes, and a Unix socket's path has at most 107; use a state directory of at most \(room) bytes (NESTVM_HOME or --state-dir)",
            target: row.name)
    }

    /// Marks the run begun (`Inventory.beginRun`). When the VM was removed meanwhile (`vmrun remove` between
    /// this command's look-up and now), the directory this command made again for its lock is removed too, so
    /// that no orphan is left in `vms/`.
    func begin(_ row: VMRow, _ files: WorkerFiles) throws(NestError) -> HostedVM {
        do {
            return try inventory.beginRun(.id(row.id))
        } catch  where error.category == .objectNotFound {
            try? FileManager.default.removeItem(atPath: files.directory)
            throw error
        }
    }

    func alreadyRunning(_ row: VMRow) -> NestError {
        let pid = row.workerPID.map { " (PID \($0))" } ?? ""
        return NestError(
            .vmAlreadyRunning, "VM '\(row.name)' is already running\(pid); stop it first: vmrun stop \(row.name)", target: row.name)
    }

    /// Runs a VM in this process until it ends (`vmrun run`): serial output on stdout.
    public func runInForeground(
        _ selector: VMSelector, host: String?, modules: [BootModule],
        maxInstructions: UInt64?, timeout: Double?, trace: TraceOptions = TraceOptions(mode: .off, path: nil)
    ) throws(NestError) -> VMRunResult {
        let row = try vm(selector, host: host)
        let files = WorkerFiles(directory: directory, vmId: row.id)
        // The lock says whether a worker runs; the recorded worker process says so too when the VM's files were
        // deleted under it (a new lock file would then be free), so that one VM never runs twice.
        if row.state == .running || row.state == .paused, files.isRunning(workerPID: row.workerPID) { throw alreadyRunning(row) }
        try checkSocketPath(files, row)
        guard let lock = try files.acquireLock() else { throw alreadyRunning(row) }
        defer { close(lock) }
        let machine = try MachineSettings.machine(for: row, modules: modules, inventory: inventory)
        try trace.check(vmName: row.name, detached: false)
        let outcome: VMRunResult
        let started = try begin(row, files)
        do {
            files.reserveExitRecord()
            try inventory.recordWorker(vmId: row.id, pid: getpid())
            let runner = try MachineRunner(machine: machine, row: row, inventory: inventory, echoToStdout: true, trace: trace)
            runner.maxInstructions = maxInstructions
            runner.timeout = timeout
            outcome = runner.run()
        } catch {
            try? inventory.finishRun(
                vmId: row.id, exitStatus: ExitStatus.unsupported.rawValue, reason: error.message, instructionsRetired: nil)
            throw error
        }
        try finish(files, startedAt: started.row.startedAt, outcome, instructionsRetired: machine.instructionsRetired)
        return outcome
    }

    /// Records how a run ended. When the store cannot take it (a full disk), the exit goes into the VM's reserved
    /// `ExitRecord` instead, which the next command takes into the store; the error then says so.
    func finish(_ files: WorkerFiles, startedAt: String?, _ outcome: VMRunResult, instructionsRetired: UInt64) throws(NestError) {
        do {
            try inventory.finishRun(
                vmId: files.vmId, exitStatus: outcome.exitStatus, reason: outcome.reason, instructionsRetired: instructionsRetired)
            files.removeExitRecord()
        } catch {
            let exit = ExitRecord(
                startedAt: startedAt ?? "", exitStatus: outcome.exitStatus, reason: outcome.reason,
                instructionsRetired: instructionsRetired)
            let kept =
                files.writeExitRecord(exit)
                ? "the exit (status \(outcome.exitStatus)) is kept in \(files.exitRecord) and recorded by the next command that can write the store"
                : "nor could it be kept in \(files.exitRecord); the VM will show exit status \(ExitStatus.workerLost.rawValue)"
            throw NestError(error.category, "the run ended, but the store could not record it: \(error.message); \(kept)")
        }
    }

    /// Starts a VM in a detached worker and returns once its guest runs (`vmrun start`).
    public func start(
        _ selector: VMSelector, host: String?, modules: [String], trace: TraceOptions = TraceOptions(mode: .off, path: nil)
    ) throws(NestError) -> HostedVM {
        if let nested = try nestedTarget(selector, host: host) { return try startNested(nested, modules: modules, trace: trace) }
        let row = try vm(selector, host: host)
        let files = WorkerFiles(directory: directory, vmId: row.id)
        // The lock says whether a worker runs; the recorded worker process says so too when the VM's files were
        // deleted under it (a new lock file would then be free), so that one VM never runs twice.
        if row.state == .running || row.state == .paused, files.isRunning(workerPID: row.workerPID) { throw alreadyRunning(row) }
        try checkSocketPath(files, row)
        guard let lock = try files.acquireLock() else { throw alreadyRunning(row) }
        defer { close(lock) }
        // Every error a start can meet shows up here, before anything changes.
        _ = try MachineSettings.machine(for: row, modules: try MachineSettings.modules(modules), inventory: inventory)
        try trace.check(vmName: row.name, detached: true)
        _ = try begin(row, files)
        let reply: String
        do {
            reply = try WorkerProcess.spawn(
                stateDirectory: directory, vmId: row.id, arguments: modules.flatMap { ["--module", $0] } + trace.workerArguments,
                lock: lock, log: files.workerLog)
        } catch {
            try? inventory.finishRun(
                vmId: row.id, exitStatus: ExitStatus.unsupported.rawValue, reason: error.message, instructionsRetired: nil)
            throw error
        }
        guard reply == "ready" else {
            let why = reply.isEmpty ? "the worker process ended before the guest ran; see \(files.workerLog)" : reply
            try? inventory.finishRun(vmId: row.id, exitStatus: ExitStatus.unsupported.rawValue, reason: why, instructionsRetired: nil)
            throw NestError(.workerFailed, "VM '\(row.name)' did not start: \(why)", target: row.name)
        }
        let (found, rows) = try inventory.vms(host: nil, selectors: [.id(row.id)])
        return HostedVM(host: found, row: rows[0])
    }

    /// The body of a detached worker: builds the machine, reports readiness on `readyFD`, runs to the end.
    ///
    /// A worker runs only with the lock `vmrun start` took for it (descriptor `lockFD`): run by hand, it would
    /// start a second machine for a running VM and take over its files.
    public func work(
        vmId: String, modules: [String], trace: TraceOptions = TraceOptions(mode: .off, path: nil), lockFD: Int32, readyFD: Int32
    ) throws(NestError) -> Int32 {
        let files = WorkerFiles(directory: directory, vmId: vmId)
        guard files.isHeldLock(lockFD) else {
            if files.isLocked {
                throw NestError(.vmAlreadyRunning, "the VM is running in another worker, which holds its lock", target: vmId)
            }
            throw NestError(
                .workerFailed, "vmrun worker runs only as vmrun start spawns it, holding the VM's lock; use vmrun start",
                target: vmId)
        }
        func ready(_ line: String) {
            _ = ControlChannel.writeAll(readyFD, Array((line + "\n").utf8))
            close(readyFD)
        }
        let row: VMRow, machine: Machine, runner: MachineRunner
        do {
            row = try vm(.id(vmId), host: nil)
            machine = try MachineSettings.machine(for: row, modules: try MachineSettings.modules(modules), inventory: inventory)
            files.reserveExitRecord()
            try inventory.recordWorker(vmId: vmId, pid: getpid())
            runner = try MachineRunner(machine: machine, row: row, inventory: inventory, echoToStdout: false, trace: trace)
        } catch {
            try? inventory.finishRun(
                vmId: vmId, exitStatus: ExitStatus.unsupported.rawValue, reason: error.message, instructionsRetired: nil)
            ready(error.message)
            return 1
        }
        ready("ready")
        let outcome = runner.run()
        try finish(files, startedAt: row.startedAt, outcome, instructionsRetired: machine.instructionsRetired)
        return 0
    }

    /// Stops a VM (Stop-VM): asks the guest to shut down (port 0xF5) and turns it off after `grace` seconds,
    /// or at once with `turnOff`. Returns once it is Off. A VM that is already Off is left alone.
    public func stop(_ selector: VMSelector, host: String?, grace: Double, turnOff: Bool) throws(NestError) -> HostedVM {
        if let nested = try nestedTarget(selector, host: host) { return try stopNested(nested, grace: grace, turnOff: turnOff) }
        let row = try vm(selector, host: host)
        if row.state == .running || row.state == .paused {
            let files = WorkerFiles(directory: directory, vmId: row.id)
            do {
                _ = try ControlChannel.send(turnOff ? "turn-off" : "stop \(grace)", to: files.controlSocket, vm: row.name)
            } catch {
                // The worker does not answer: end it by signal (it turns the machine off and records the exit).
                if let pid = row.workerPID, files.isWorker(pid) { kill(pid, SIGTERM) }
            }
            let running = { files.isRunning(workerPID: row.workerPID) }
            let deadline = Date().addingTimeInterval((turnOff ? 0 : grace) + 5)
            while running() && Date() < deadline { usleep(20_000) }
            if running(), let pid = row.workerPID, files.isWorker(pid) {
                kill(pid, SIGTERM)
                let last = Date().addingTimeInterval(5)
                while running() && Date() < last { usleep(20_000) }
            }
            try inventory.recoverLostWorkers()
            // Success means Off: a worker that outlived every request and signal is an error, not a stop.
            if running() {
                throw NestError(
                    .vmNotOff, "VM '\(row.name)' is still running: its worker (PID \(row.workerPID.map(String.init) ?? "?")) did not end",
                    target: row.name)
            }
        }
        let (found, rows) = try inventory.vms(host: nil, selectors: [.id(row.id)])
        return HostedVM(host: found, row: rows[0])
    }

    /// Pauses or resumes a running VM (Suspend-VM, Resume-VM).
    public func setPaused(_ selector: VMSelector, host: String?, _ paused: Bool) throws(NestError) -> HostedVM {
        if let nested = try nestedTarget(selector, host: host) { return try setNestedPaused(nested, paused) }
        let row = try vm(selector, host: host)
        guard row.state == .running || row.state == .paused else {
            throw NestError(
                .vmNotRunning, "VM '\(row.name)' is \(row.state.rawValue); start it first: vmrun start \(row.name)", target: row.name)
        }
        _ = try ControlChannel.send(
            paused ? "pause" : "resume", to: WorkerFiles(directory: directory, vmId: row.id).controlSocket, vm: row.name)
        let (found, rows) = try inventory.vms(host: nil, selectors: [.id(row.id)])
        return HostedVM(host: found, row: rows[0])
    }
}
