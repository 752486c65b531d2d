import ArgumentParser
import NestStore
import NestTool

extension VMRun {
    /// `vmrun remove` (Remove-VM).
    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove",
            abstract: "Remove VMs (Remove-VM).",
            discussion:
                "Only a VM that is Off, or Saved with --force, can be removed. A VM that hosts nested objects is removed with them only with --force."
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var change: ChangeOptions

        @Argument(help: "VM names (default: the VMs piped in).", completion: Completions.vmNames())
        var names: [String] = []

        @OptionGroup var vmName: VMNameOption

        @Flag(help: "Discard a saved state, and remove nested objects with the VM.")
        var force = false

        func run() throws {
            try Session.change(
                tool: tool, global: global, change: change, given: (names + vmName.names).map(VMSelector.name), what: "VMs",
                bind: Binding.vm, view: Views.virtualMachine
            ) { inventory, selector, host in
                [try inventory.removeVM(host: host, selector, force: force).record]
            }
        }
    }

}
