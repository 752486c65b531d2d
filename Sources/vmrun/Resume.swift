import ArgumentParser
import NestRuntime
import NestStore
import NestTool

extension VMRun {
    /// `vmrun resume` (Resume-VM).
    struct Resume: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "resume", abstract: "Resume paused VMs (Resume-VM).")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var change: ChangeOptions

        @Argument(help: "VM names (default: the VMs piped in).", completion: Completions.vmNames(states: [.paused]))
        var names: [String] = []

        @OptionGroup var vmName: VMNameOption

        func run() throws { try VMRun.setPaused(false, global: global, change: change, names: names + vmName.names) }
    }
}
