import NestErrors
import Foundation

extension VMRow {
    /// Time since the current run started, as Hyper-V prints a VM's Uptime (`[d.]hh:mm:ss`); zero when not running.
    func uptime(now: Date = Date()) -> String {
        guard state == .running || state == .paused, let startedAt, let start = Inventory.date(from: startedAt) else { return "00:00:00" }
        let seconds = max(0, Int(now.timeIntervalSince(start)))
        let days = seconds / 86_400, h = seconds / 3600 % 24, m = seconds / 60 % 60, s = seconds % 60
        let clock = String(format: "%02d:%02d:%02d", h, m, s)
        return days > 0 ? "\(days).\(clock)" : clock
    }
}

extension Inventory {
    static func date(from timestamp: String) -> Date? { Timestamp.date(from: timestamp) }

    /// Run start times carry milliseconds, so Uptime turns over on the second the run began.
    static func preciseTimestamp() -> String { Timestamp.now(milliseconds: true) }

    /// Marks a VM Running for a run that is about to begin (Start-VM): it must be Off, have no saved state, live on
    /// L0 and have an image. The caller holds the VM's worker lock.
    public func beginRun(_ selector: VMSelector) throws(NestError) -> HostedVM {
        try store.write { db in
            let host = try Host.resolve(nil, in: db).host
            var row = try selector.fetch(on: host, db)
            switch row.state {
            case .off: break
            case .saved:
                throw NestError(
                    .vmHasSavedState,
                    "VM '\(row.name)' has a saved state that cannot be restored yet; discard it first: \(SuggestedCommand.removeSavedState(vm: row.name).text())",
                    target: row.name)
            case .running, .paused:
                throw NestError(
                    .vmAlreadyRunning,
                    "VM '\(row.name)' is already \(row.state.rawValue.lowercased()); stop it first: \(SuggestedCommand.stop(vm: row.name).text())",
                    target: row.name)
            }
            guard row.image != nil else {
                throw NestError(
                    .noImage, "VM '\(row.name)' has no image to boot; give it one: \(SuggestedCommand.setImage(vm: row.name).text())",
                    target: row.name)
            }
            row.state = .running
            row.startedAt = Self.preciseTimestamp()
            row.workerPID = nil
            row.instructionsRetired = 0
            row.exitStatus = nil
            row.exitReason = nil
            row.integrationService = nil
            try row.update(db)
            return HostedVM(host: host, row: row)
        }
    }

    /// Records the integration service the hypervisor inside a running VM announced.
    public func recordIntegrationService(vmId: String, _ service: String) throws(NestError) {
        try updateRunning(vmId) { $0.integrationService = service }
    }

    /// Records the process running a VM.
    public func recordWorker(vmId: String, pid: Int32) throws(NestError) {
        try updateRunning(vmId) { $0.workerPID = pid }
    }

    /// Records progress of a running VM: instructions retired, and Running or Paused.
    public func recordProgress(vmId: String, instructionsRetired: UInt64, paused: Bool) throws(NestError) {
        try updateRunning(vmId) { row in
            row.instructionsRetired = Int64(clamping: instructionsRetired)
            row.state = paused ? .paused : .running
        }
    }

    /// Records the end of a run: the VM is Off with the run's exit status and reason, and so is every VM still
    /// running inside it.
    public func finishRun(vmId: String, exitStatus: Int32, reason: String, instructionsRetired: UInt64?) throws(NestError) {
        try store.write { db in
            guard var row = try VMRow.fetchOne(db, key: vmId) else { return }
            row.state = .off
            row.workerPID = nil
            row.startedAt = nil
            if let instructionsRetired { row.instructionsRetired = Int64(clamping: instructionsRetired) }
            row.exitStatus = exitStatus
            row.exitReason = reason
            try row.update(db)
            _ = try Self.endNestedRuns(
                hostVMId: vmId, exitStatus: ExitStatus.turnedOff.rawValue, reason: "VM '\(row.name)' that ran it stopped: \(reason)", db)
        }
    }

    func updateRunning(_ vmId: String, _ change: @escaping (inout VMRow) -> Void) throws(NestError) {
        try store.write { db in
            guard var row = try VMRow.fetchOne(db, key: vmId), row.state == .running || row.state == .paused else { return }
            change(&row)
            try row.update(db)
        }
    }

    /// Marks Off every L0 VM recorded as running whose worker no longer holds its lock: the process was killed
    /// (or crashed) without recording an exit, or recorded it in its `ExitRecord` because the store could not
    /// be written, in which case that exit is taken. Returns the names of the VMs recovered. (VMs inside VMs run under
    /// their host's hypervisor, not in a worker of their own.)
    @discardableResult
    public func recoverLostWorkers() throws(NestError) -> [String] {
        let running = try store.read { db in
            try VMRow.filter(sql: "host = ? AND state IN ('Running', 'Paused')", arguments: [Host.localhost.key]).fetchAll(db)
        }
        var recovered: [String] = []
        for row in running where !WorkerFiles(directory: store.directory, vmId: row.id).isRunning(workerPID: row.workerPID) {
            let pid = row.workerPID.map { " (PID \($0))" } ?? ""
            let files = WorkerFiles(directory: store.directory, vmId: row.id)
            try store.write { db in
                // Check again inside the transaction: a run may have ended or restarted meanwhile.
                guard var current = try VMRow.fetchOne(db, key: row.id), current.state == .running || current.state == .paused,
                    current.startedAt == row.startedAt,
                    !files.isRunning(workerPID: current.workerPID)
                else { return }
                // The run's own exit, when its store write failed (a full disk) and it was kept beside the VM.
                if let exit = files.readExitRecord(), exit.startedAt == current.startedAt {
                    current.exitStatus = exit.exitStatus
                    current.exitReason = exit.reason
                    if let retired = exit.instructionsRetired { current.instructionsRetired = Int64(clamping: retired) }
                } else {
                    current.exitStatus = ExitStatus.workerLost.rawValue
                    current.exitReason = "the process running the VM\(pid) ended without recording an exit (killed?)"
                }
                current.state = .off
                current.workerPID = nil
                current.startedAt = nil
                try current.update(db)
                _ = try Self.endNestedRuns(
                    hostVMId: row.id, exitStatus: ExitStatus.workerLost.rawValue,
                    reason: "VM '\(row.name)' that ran it lost its worker\(pid)", db)
                recovered.append(row.name)
            }
            // Once committed, the record has served; a new run since has blanked it for itself, and keeps it.
            if let exit = files.readExitRecord(), exit.startedAt == row.startedAt { files.removeExitRecord() }
        }
        return recovered
    }
}
