import ArgumentParser
import NestStore
import NestTool

extension VMNet {
    /// `vmnet adapter` (Get-NetAdapter).
    struct Adapter: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "adapter",
            abstract: "The host's own network adapters (Get-NetAdapter).",
            discussion:
                "Each internal switch gives its host an adapter `vEthernet (SWITCH)`; inside a VM (--host), each of the VM's network adapters shows as `Ethernet`, `Ethernet 2` ….",
            subcommands: [Get.self])
    }
}
