import ArgumentParser
import NestStore
import NestTool

extension VMSwitch {
    /// `vmswitch remove` (Remove-VMSwitch).
    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove",
            abstract: "Remove switches (Remove-VMSwitch).",
            discussion: "A switch with VM adapters connected is removed only with --force, which disconnects them.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var change: ChangeOptions

        @Argument(help: "Switch names (default: the switches piped in).", completion: Completions.switchNames)
        var names: [String] = []

        @Flag(help: "Disconnect connected adapters and remove the switch anyway.")
        var force = false

        func run() throws {
            try Session.change(
                tool: tool, global: global, change: change, given: names.map(NamedSelector.name), what: "switches",
                bind: Binding.vmSwitch, view: Views.vmSwitch
            ) { inventory, selector, host in
                [try inventory.removeSwitch(host: host, selector, force: force)]
            }
        }
    }
}
