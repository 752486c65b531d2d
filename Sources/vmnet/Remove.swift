import ArgumentParser
import NestStore
import NestTool

extension VMNet {
    /// `vmnet remove` (Remove-VMNetworkAdapter).
    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove", abstract: "Remove VMs' network adapters (Remove-VMNetworkAdapter); a generation 1 VM must be Off.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var change: ChangeOptions
        @OptionGroup var targets: AdapterTargets

        func run() throws {
            try targets.change(global, change) { inventory, selector, host in
                try inventory.removeAdapters(host: host, selector)
            }
        }
    }

    /// `vmnet connect` (Connect-VMNetworkAdapter).
    struct Connect: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "connect", abstract: "Connect VMs' network adapters to a switch (Connect-VMNetworkAdapter).")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var change: ChangeOptions
        @OptionGroup var targets: AdapterTargets

        @Option(name: .customLong("switch-name"), help: "The switch.", completion: Completions.switchNames)
        var switchName: String

        func run() throws {
            try targets.change(global, change) { inventory, selector, host in
                try inventory.connectAdapters(host: host, selector, switchName: switchName)
            }
        }
    }

    /// `vmnet disconnect` (Disconnect-VMNetworkAdapter).
    struct Disconnect: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "disconnect", abstract: "Disconnect VMs' network adapters from their switch (Disconnect-VMNetworkAdapter).")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var change: ChangeOptions
        @OptionGroup var targets: AdapterTargets

        func run() throws {
            try targets.change(global, change) { inventory, selector, host in
                try inventory.connectAdapters(host: host, selector, switchName: nil)
            }
        }
    }
}
