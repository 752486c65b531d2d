import ArgumentParser
import NestStore
import NestTool

extension NetNat {
    /// `netnat new` (New-NetNat).
    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "new", abstract: "Create a NAT (New-NetNat).")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "The NAT's name.")
        var name: String

        @Option(
            name: [.customLong("internal-ip-interface-address-prefix"), .customLong("internal-prefix")],
            help: ArgumentHelp("The internal network, e.g. 192.168.100.0/24.", valueName: "prefix"))
        var internalPrefix: String

        @Option(
            name: [.customLong("external-ip-interface-address-prefix"), .customLong("external-prefix")],
            help: ArgumentHelp("The external network, when it must be fixed.", valueName: "prefix"))
        var externalPrefix: String?

        @Flag(name: .customLong("allow-multiple"), help: "Allow more than one NAT on this host (WinNAT allows one).")
        var allowMultiple = false

        func run() throws {
            try Session.run(tool: tool, global: global) { session in
                let emitter = Emitter(options: output, view: Views.netNat)
                emitter.emit(
                    try session.inventory().newNat(
                        host: global.hostPath, name: name, internalPrefix: internalPrefix, externalPrefix: externalPrefix,
                        allowMultiple: allowMultiple))
                emitter.finish()
            }
        }
    }

}
