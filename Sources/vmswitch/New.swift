import ArgumentParser
import NestStore
import NestTool

extension VMSwitch {
    /// `vmswitch new` (New-VMSwitch).
    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "new", abstract: "Create a switch (New-VMSwitch).")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "The switch's name: letters, digits, '.', '-', '_', a letter first.")
        var name: String

        @Option(
            name: [.customLong("switch-type"), .customLong("type")],
            help: "internal, private or external (external binds the TAP interface --net-adapter-name, as root).")
        var switchType: SwitchType

        @Option(
            name: .customLong("net-adapter-name"),
            help: ArgumentHelp("The TAP interface an External switch binds (as root; makes the switch External).", valueName: "adapter"))
        var netAdapterName: String?

        @Option(
            help: ArgumentHelp(
                "How an internal switch's host adapter is made: user (libslirp, the default) or tap (a Linux TAP interface nvtapN, as root).",
                valueName: "type"))
        var hostAdapter: HostAdapterType = .user

        @Option(help: "Free-form notes.")
        var notes = ""

        func run() throws {
            try Session.run(tool: tool, global: global) { session in
                let type: SwitchType = netAdapterName == nil ? switchType : .external
                let emitter = Emitter(options: output, view: Views.vmSwitch)
                emitter.emit(
                    try session.inventory().newSwitch(
                        host: global.hostPath, name: name, type: type, notes: notes, hostAdapter: hostAdapter,
                        netAdapterName: netAdapterName)
                )
                emitter.finish()
            }
        }
    }

}
