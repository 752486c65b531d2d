import ArgumentParser
import NestStore
import NestTool

extension VMSwitch {
    /// `vmswitch get` (Get-VMSwitch).
    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "get", abstract: "List switches (Get-VMSwitch).")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "Switch names (default: all, or those piped in).", completion: Completions.switchNames)
        var names: [String] = []

        @Option(name: [.customLong("switch-type"), .customLong("type")], help: "Only switches of this type (repeatable).")
        var switchType: [SwitchType] = []

        func run() throws {
            try Session.run(tool: tool, global: global) { session in
                let emitter = Emitter(options: output, view: Views.vmSwitch)
                defer { emitter.finish() }
                try session.forEachTarget(given: names.map(NamedSelector.name), what: "switches", allIfNone: true, bind: Binding.vmSwitch) {
                    selector, host in
                    try session.inventory().switches(host: host, selectors: selector.map { [$0] } ?? [], types: switchType).forEach(
                        emitter.emit)
                }
            }
        }
    }
}
