import ArgumentParser
import NestStore
import NestTool

extension VMNet {
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
}
