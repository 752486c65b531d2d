import ArgumentParser
import NestStore
import NestTool

extension VMSwitchTool {
    /// `vmswitch new` (New-VMSwitch).
    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "new", abstract: "Create a switch (New-VMSwitch).")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "The switch's name: letters, digits, '.', '-', '_', a letter first.")
        var name: String

        @Option(name: [.customLong("switch-type"), .customLong("type")], help: "internal or private (external is not available yet).")
        var switchType: SwitchType

        @Option(
            name: .customLong("net-adapter-name"),
            help: ArgumentHelp("Bind a physical adapter (makes an External switch: not available yet).", valueName: "adapter"))
        var netAdapterName: String?

        @Option(help: "Free-form notes.")
        var notes = ""

        func run() throws {
            try Session.run(tool: "vmswitch", global: global) { session in
                let type: SwitchType = netAdapterName == nil ? switchType : .external
                let emitter = Emitter(options: output, view: Views.vmSwitch)
                emitter.emit(try session.inventory().newSwitch(host: global.hostPath, name: name, type: type, notes: notes))
                emitter.finish()
            }
        }
    }

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
            try Session.run(tool: "vmswitch", global: global) { session in
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
