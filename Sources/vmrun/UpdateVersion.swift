import ArgumentParser
import NestStore
import NestTool

extension VMRun {
    /// `vmrun update-version` (Update-VMVersion).
    struct UpdateVersion: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "update-version",
            abstract: "Upgrade VMs' configuration version to the newest, 12.0 (Update-VMVersion); the VM must be Off.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var change: ChangeOptions

        @Argument(help: "VM names (default: the VMs piped in).", completion: Completions.vmNames())
        var names: [String] = []

        @OptionGroup var vmName: VMNameOption

        func run() throws {
            try Session.change(
                tool: tool, global: global, change: change, given: (names + vmName.names).map(VMSelector.name), what: "VMs",
                bind: Binding.vm, view: Views.virtualMachine
            ) { inventory, selector, host in
                [try inventory.updateVersion(host: host, selector).record]
            }
        }
    }
}
