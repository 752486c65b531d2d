import ArgumentParser
import NestStore
import NestTool

extension VMNet {
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
