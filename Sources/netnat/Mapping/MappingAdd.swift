import ArgumentParser
import NestStore
import NestTool

extension NetNat.Mapping {
    /// `netnat mapping add`.
    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add", abstract: "Map an external port to an internal address and port (Add-NetNatStaticMapping).")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "The NAT.", completion: Completions.natNames)
        var natName: String

        @Option(help: "tcp or udp.")
        var `protocol`: String

        @Option(
            name: .customLong("external-ip-address"),
            help: ArgumentHelp("The external address (0.0.0.0 for any).", valueName: "address"))
        var externalIPAddress = "0.0.0.0"

        @Option(name: .customLong("external-port"), help: "The external port.")
        var externalPort: Int

        @Option(name: .customLong("internal-ip-address"), help: ArgumentHelp("The address behind the NAT.", valueName: "address"))
        var internalIPAddress: String

        @Option(name: .customLong("internal-port"), help: "The internal port (default: the external port).")
        var internalPort: Int?

        func run() throws {
            try Session.run(tool: tool, global: global) { session in
                let spec = MappingSpec(
                    natName: natName, protocol: `protocol`, externalIPAddress: externalIPAddress, externalPort: externalPort,
                    internalIPAddress: internalIPAddress, internalPort: internalPort)
                let emitter = Emitter(options: output, view: Views.netNatStaticMapping)
                emitter.emit(try session.inventory().addMapping(host: global.hostPath, spec))
                emitter.finish()
            }
        }
    }
}
