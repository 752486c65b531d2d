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

}
