import NestErrors
import ArgumentParser
import Foundation
import Machine
import NestRuntime
import NestStore
import NestTool

extension VMRun {
    /// `vmrun worker`: the detached process `vmrun start` spawns (not for direct use).
    struct Worker: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "worker",
            abstract: "Run a started VM (spawned by vmrun start; not for direct use).", shouldDisplay: false)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The VM's id.")
        var vmId: String

        @Option(help: "A boot module (NAME=PATH).")
        var module: [String] = []

        @OptionGroup var trace: TraceOption

        func run() throws {
            // Keep nothing of the starting command's open files but the lock and the readiness pipe: a pipe held
            // open here would keep that command's reader waiting for as long as the VM runs.
            let highest = max(WorkerProcess.lockDescriptor, WorkerProcess.readyDescriptor)
            let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
            for fd in open.compactMap(Int32.init) where fd > highest { close(fd) }
            var status: Int32 = 0
            try Session.run(tool: tool, global: global) { session in
                status = try VMLifecycle(inventory: try session.inventory()).work(
                    vmId: vmId, modules: module, trace: trace.options, lockFD: WorkerProcess.lockDescriptor,
                    readyFD: WorkerProcess.readyDescriptor)
            }
            if status != 0 { throw ExitCode(status) }
        }
    }
}
