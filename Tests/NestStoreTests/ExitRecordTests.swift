import NestErrors
import Foundation
import Testing
@testable import NestStore

/// A run's exit kept beside the VM when the store could not take it (`ExitRecord`), and taken in by recovery.
@Suite("Exit records")
struct ExitRecordTests {
    /// An inventory with VM `v` marked Running by a run whose worker is gone, and that VM's files.
    static func lostRun() throws -> (Inventory, VMRow, WorkerFiles) {
        let inventory = try freshInventory()
        try inventory.make("v", memory: 64 << 20)
        _ = try inventory.store.write { db in try db.execute(sql: "UPDATE vm SET image = 'hello'") }
        let row = try inventory.beginRun(.name("v")).row
        let files = WorkerFiles(directory: inventory.store.directory, vmId: row.id)
        try files.prepare()
        return (inventory, row, files)
    }

    @Test("Recovery takes the run's own exit from its record, and removes the record")
    func taken() throws {
        let (inventory, row, files) = try Self.lostRun()
        #expect(files.reserveExitRecord())
        #expect(try Data(contentsOf: URL(fileURLWithPath: files.exitRecord)).count == WorkerFiles.exitRecordSize)
        let exit = ExitRecord(
            startedAt: row.startedAt!, exitStatus: 3, reason: "the guest wrote 1 to the exit port", instructionsRetired: 99)
        #expect(files.writeExitRecord(exit))
        #expect(files.readExitRecord() == exit)
        #expect(try inventory.recoverLostWorkers() == ["v"])
        let after = try inventory.vms(host: nil, selectors: [.name("v")]).rows[0]
        #expect(after.state == .off && after.exitStatus == 3 && after.exitReason == exit.reason && after.instructionsRetired == 99)
        #expect(!FileManager.default.fileExists(atPath: files.exitRecord))
    }

    @Test("A record of another run, a blank reservation or a damaged file is not taken: the run is recovered as lost")
    func notTaken() throws {
        for content in ["stale", "blank", "damaged"] {
            let (inventory, row, files) = try Self.lostRun()
            switch content {
            case "stale":
                files.writeExitRecord(
                    ExitRecord(startedAt: "2020-01-01T00:00:00.000Z", exitStatus: 0, reason: "old", instructionsRetired: nil))
            case "blank": files.reserveExitRecord()
            default:
                try Data("{\"StartedAt\":\"\(row.startedAt!)\",\"ExitStatus\":\"x\"}\n".utf8).write(
                    to: URL(fileURLWithPath: files.exitRecord))
            }
            #expect(try inventory.recoverLostWorkers() == ["v"])
            let after = try inventory.vms(host: nil, selectors: [.name("v")]).rows[0]
            #expect(after.exitStatus == ExitStatus.workerLost.rawValue, "\(content)")
        }
    }

    @Test("A long reason, control characters and all, is cut to fit the reserved space and still reads back")
    func longReason() {
        let reason = String(repeating: "\u{1}x", count: 5_000)
        let exit = ExitRecord(startedAt: "2026-01-01T00:00:00.000Z", exitStatus: 70, reason: reason, instructionsRetired: nil)
        let line = exit.line(limit: WorkerFiles.exitRecordSize)
        #expect(line.utf8.count < WorkerFiles.exitRecordSize)
        let back = ExitRecord(line: line)
        #expect(back?.exitStatus == 70 && back?.reason.hasSuffix("…") == true && reason.hasPrefix(back!.reason.dropLast()))
    }
}
