import ArgumentParser
import NestStore
import NestTool

extension VMNet.IP {
    /// `vmnet ip add` (New-NetIPAddress).
    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Give host adapters an IPv4 address (New-NetIPAddress).",
            discussion:
                "The address must be a host address of its subnet, new on this host, and its subnet must not overlap another adapter's. Adapters come from --interface-alias, --interface-index or piped NetAdapter records."
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var change: ChangeOptions

        @Option(name: .customLong("ip-address"), help: ArgumentHelp("The address, e.g. 192.168.100.1.", valueName: "address"))
        var ipAddress: String

        @Option(name: .customLong("prefix-length"), help: "The subnet's prefix length, e.g. 24.")
        var prefixLength: Int

        @Option(
            name: .customLong("interface-alias"),
            help: ArgumentHelp("The adapter's name (default: the adapters piped in).", valueName: "adapter"),
            completion: Completions.netAdapterNames)
        var interfaceAlias: String?

        @Option(name: .customLong("interface-index"), help: "The adapter's ifIndex.")
        var interfaceIndex: Int?

        @Option(name: .customLong("default-gateway"), help: ArgumentHelp("A default gateway inside the subnet.", valueName: "address"))
        var defaultGateway: String?

        @Option(name: .customLong("address-family"), help: "IPv4 (the only family supported).")
        var addressFamily = "IPv4"

        func validate() throws {
            if addressFamily.lowercased() != "ipv4" { throw ValidationError("only --address-family IPv4 is supported") }
            if interfaceAlias != nil, interfaceIndex != nil {
                throw ValidationError("give --interface-alias or --interface-index, not both")
            }
        }

        func run() throws {
            let named: [NetAdapterSelector] = interfaceAlias.map { [.alias($0)] } ?? interfaceIndex.map { [.index($0)] } ?? []
            try Session.change(
                tool: tool, global: global, change: change, given: named, what: "adapters",
                bind: Binding.netAdapter, view: Views.netIPAddress
            ) { inventory, selector, host in
                [
                    try inventory.addIPAddress(
                        host: host, selector, address: ipAddress, prefixLength: prefixLength, defaultGateway: defaultGateway)
                ]
            }
        }
    }
}
