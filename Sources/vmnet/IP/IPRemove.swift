import ArgumentParser
import NestStore
import NestTool

extension VMNet.IP {
    /// `vmnet ip remove` (Remove-NetIPAddress).
    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove", abstract: "Remove host IPv4 addresses (Remove-NetIPAddress).")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var change: ChangeOptions

        @Argument(help: "Addresses (default: the NetIPAddress records piped in).", completion: Completions.ipAddresses)
        var addresses: [String] = []

        @Option(
            name: .customLong("ip-address"), help: ArgumentHelp("An address to remove (repeatable).", valueName: "address"),
            completion: Completions.ipAddresses)
        var ipAddressOptions: [String] = []

        func run() throws {
            try Session.change(
                tool: tool, global: global, change: change, given: addresses + ipAddressOptions, what: "addresses",
                bind: Binding.ipAddress, view: Views.netIPAddress
            ) { inventory, address, host in
                [try inventory.removeIPAddress(host: host, address: address)]
            }
        }
    }
}
