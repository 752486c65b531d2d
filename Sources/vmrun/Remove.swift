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

        @Flag(help: "Discard a saved state, and remove nested objects with the VM.")
        var force = false

        func run() throws {
            try Session.change(
                tool: "vmrun", global: global, change: change, given: names.map(VMSelector.name), what: "VMs",
                bind: Binding.vm, view: Views.virtualMachine
            ) { inventory, selector, host in
                [try inventory.removeVM(host: host, selector, force: force).record]
            }
        }
    }

    /// `vmrun remove-saved-state` (Remove-VMSavedState).
    struct RemoveSavedState: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove-saved-state", abstract: "Discard Saved VMs' saved state, leaving them Off (Remove-VMSavedState).")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var change: ChangeOptions

        @Argument(help: "VM names (default: the VMs piped in).", completion: Completions.vmNames())
        var names: [String] = []

        func run() throws {
            try Session.change(
                tool: "vmrun", global: global, change: change, given: names.map(VMSelector.name), what: "VMs",
                bind: Binding.vm, view: Views.virtualMachine
            ) { inventory, selector, host in
                [try inventory.removeSavedState(host: host, selector).record]
            }
        }
    }

    /// `vmrun update-version` (Update-VMVersion).
    struct UpdateVersion: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "update-version",
            abstract: "Upgrade VMs' configuration version to the newest, 12.0 (Update-VMVersion); the VM must be Off.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var change: ChangeOptions

        @Argument(help: "VM names (default: the VMs piped in).", completion: Completions.vmNames())
        var names: [String] = []

        func run() throws {
            try Session.change(
                tool: "vmrun", global: global, change: change, given: names.map(VMSelector.name), what: "VMs",
                bind: Binding.vm, view: Views.virtualMachine
            ) { inventory, selector, host in
                [try inventory.updateVersion(host: host, selector).record]
            }
        }
    }
}
