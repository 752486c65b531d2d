import NestErrors
import ArgumentParser
import Foundation
import NestRuntime
import NestStore
import NestTool

extension VMRun {
    /// `vmrun switch`: the process of one switch, started by the first running VM connected to it (not for direct
    /// use).
    struct Switch: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "switch", abstract: "Run a switch's frames (started by a running VM; not for direct use).", shouldDisplay: false)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The switch's id.")
        var switchId: String

        func run() throws {
            // Nothing of the starting worker's open files: its VM lock held here would outlive the VM.
            let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
            for fd in open.compactMap(Int32.init) where fd > 2 { close(fd) }
            try Session.run(tool: tool, global: global) { session in
                try SwitchProcess(inventory: try session.inventory(), switchId: switchId).run()
            }
        }
    }
}
