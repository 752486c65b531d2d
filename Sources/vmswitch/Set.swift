import ArgumentParser
import NestStore
import NestTool

extension VMSwitch {
    /// `vmswitch set` (Set-VMSwitch).
    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Change switches (Set-VMSwitch).",
            discussion: "Turning an internal switch private removes its host adapter and that adapter's IP addresses.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var change: ChangeOptions

        @Argument(help: "Switch names (default: the switches piped in).", completion: Completions.switchNames)
        var names: [String] = []

        @Option(name: [.customLong("switch-type"), .customLong("type")], help: "internal or private.")
        var switchType: SwitchType?

        @Option(help: "Free-form notes.")
        var notes: String?

        func validate() throws {
            if switchType == nil, notes == nil { throw ValidationError("say what to change: --switch-type or --notes") }
        }

        func run() throws {
            try Session.change(
                tool: tool, global: global, change: change, given: names.map(NamedSelector.name), what: "switches",
                bind: Binding.vmSwitch, view: Views.vmSwitch
            ) { inventory, selector, host in
                [try inventory.setSwitch(host: host, selector, type: switchType, notes: notes)]
            }
        }
    }

}
