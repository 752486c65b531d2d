import NestErrors
import GRDB

/// What the hypervisor inside a VM reported about one of its nested VMs over the integration channel
/// (nestvm(7), "INTEGRATION CHANNEL"): a start, or an end with its exit status and reason.
public enum NestedRunReport: Sendable, Equatable {
    /// The nested VM runs, with the memory its hypervisor gave it when it says.
    case started(memoryAssigned: Int64?)
    /// It ended (or could not start) with this status and reason; `byHost` when the hypervisor turned it off
    /// because it was itself stopping.
    case ended(exitStatus: Int32, reason: String, byHost: Bool)
    /// It was paused (true) or resumed (false).
    case paused(Bool)
    /// It has retired this many instructions so far (recorded while it runs).
    case progress(instructionsRetired: UInt64)
}

extension Inventory {
    /// Records `report` for the VM named `name` in the inventory inside VM `hostVMId`, as a run of an L0 VM is
    /// recorded. Returns that VM's id, or nil when the inventory has no VM of that name (the report is then not
    /// recorded anywhere).
    @discardableResult
    public func recordNestedRun(hostVMId: String, name: String, _ report: NestedRunReport) throws(NestError) -> String? {
        try store.write { db in
            guard var row = try VMRow.filter(Column("host") == hostVMId && Column("name") == name).fetchOne(db)
            else { return nil }
            switch report {
            case .started(let memory):
                row.state = .running
                row.memoryAssigned = memory
                row.startedAt = Self.preciseTimestamp()
                row.instructionsRetired = 0
                row.exitStatus = nil
                row.exitReason = nil
                row.wasRunningAtHostStop = false
            case .ended(let status, let reason, let byHost): row.recordEnd(exitStatus: status, reason: reason, byHost: byHost)
            case .paused(let paused):
                guard row.state == .running || row.state == .paused else { break }
                row.state = paused ? .paused : .running
            case .progress(let count):
                guard row.state == .running || row.state == .paused else { break }
                row.instructionsRetired = Int64(clamping: count)
            }
            try row.update(db)
            return row.id
        }
    }

    /// Marks Off, with `exitStatus` and `reason`, every VM inside VM `hostVMId` still recorded Running or
    /// Paused, and theirs: the hypervisor that ran them is gone, so nothing stays "Running". Returns their names.
    /// Runs inside the transaction that records the host VM's own end.
    static func endNestedRuns(hostVMId: String, exitStatus: Int32, reason: String, _ db: Database) throws -> [String] {
        let running = try VMRow.filter(sql: "host = ? AND state IN ('Running', 'Paused')", arguments: [hostVMId]).fetchAll(db)
        for var row in running {
            // Its own nested VMs end with it.
            _ = try endNestedRuns(hostVMId: row.id, exitStatus: exitStatus, reason: reason, db)
            row.recordEnd(exitStatus: exitStatus, reason: reason, byHost: true)
            try row.update(db)
        }
        return running.map(\.name)
    }
}

extension VMRow {
    /// The end of a run: Off, with its exit status and reason; `byHost` when it ended because its hypervisor
    /// stopped (what StartIfRunning asks about).
    mutating func recordEnd(exitStatus: Int32, reason: String, byHost: Bool) {
        state = .off
        startedAt = nil
        memoryAssigned = nil
        self.exitStatus = exitStatus
        exitReason = reason
        wasRunningAtHostStop = byHost
    }
}
