import ArgumentParser
import NestStore
import NestTool

extension VMNet.IP {
    /// `vmnet ip get` (Get-NetIPAddress).
    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "get", abstract: "List host IPv4 addresses (Get-NetIPAddress).")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "Addresses (default: all).", completion: Completions.ipAddresses)
        var addresses: [String] = []

        @Option(
            name: .customLong("interface-alias"), help: ArgumentHelp("Only this adapter's addresses.", valueName: "adapter"),
            completion: Completions.netAdapterNames)
        var interfaceAlias: String?

        func run() throws {
            try Session.run(tool: tool, global: global) { session in
                let emitter = Emitter(options: output, view: Views.netIPAddress)
                defer { emitter.finish() }
                let records = try session.inventory().ipAddressRecords(
                    host: global.hostPath, adapter: interfaceAlias.map(NetAdapterSelector.alias), addresses: addresses)
                records.forEach(emitter.emit)
            }
        }
    }
}
