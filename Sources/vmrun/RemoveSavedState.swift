import ArgumentParser
import NestStore
import NestTool

extension VMRun {
    /// `vmrun remove-saved-state` (Remove-VMSavedState).
    struct RemoveSavedState: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove-saved-state", abstract: "Discard Saved VMs' saved state, leaving them Off (Remove-VMSavedState).")

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
                [try inventory.removeSavedState(host: host, selector).record]
            }
        }
    }
}
