import ArgumentParser
import NestStore
import NestTool

extension NetNatTool {
    /// `netnat mapping` (Add/Get/Remove-NetNatStaticMapping).
    struct Mapping: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mapping",
            abstract: "Static port mappings through a NAT (Add/Get/Remove-NetNatStaticMapping).",
            subcommands: [Add.self, Get.self, Remove.self])

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
                try Session.run(tool: "netnat", global: global) { session in
                    let spec = MappingSpec(
                        natName: natName, protocol: `protocol`, externalIPAddress: externalIPAddress, externalPort: externalPort,
                        internalIPAddress: internalIPAddress, internalPort: internalPort)
                    let emitter = Emitter(options: output, view: Views.netNatStaticMapping)
                    emitter.emit(try session.inventory().addMapping(host: global.hostPath, spec))
                    emitter.finish()
                }
            }
        }

        /// `netnat mapping get`.
        struct Get: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "get", abstract: "List static mappings (Get-NetNatStaticMapping).")

            @OptionGroup var global: GlobalOptions
            @OptionGroup var output: OutputOptions

            @Option(name: .customLong("nat-name"), help: "Only this NAT's mappings.", completion: Completions.natNames)
            var natName: String?

            @Argument(help: "StaticMappingIDs (default: all).")
            var ids: [Int64] = []

            func run() throws {
                try Session.run(tool: "netnat", global: global) { session in
                    let emitter = Emitter(options: output, view: Views.netNatStaticMapping)
                    defer { emitter.finish() }
                    try session.inventory().mappingRecords(host: global.hostPath, natName: natName, ids: ids).forEach(emitter.emit)
                }
            }
        }

        /// `netnat mapping remove`.
        struct Remove: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "remove", abstract: "Remove static mappings by StaticMappingID (Remove-NetNatStaticMapping).")

            @OptionGroup var global: GlobalOptions
            @OptionGroup var change: ChangeOptions

            @Argument(help: "StaticMappingIDs (default: the mappings piped in).")
            var ids: [Int64] = []

            func run() throws {
                try Session.change(
                    tool: "netnat", global: global, change: change, given: ids, what: "mappings",
                    bind: Binding.mapping, view: Views.netNatStaticMapping
                ) { inventory, id, host in
                    [try inventory.removeMapping(host: host, id: id)]
                }
            }
        }
    }
}
