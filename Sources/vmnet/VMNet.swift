import ArgumentParser
import NestRecords
import NestStore
import NestTool

/// vmnet: VMs' network adapters, the host's adapters, and their IP addresses.
/// The tool's name, as its errors and prompts give it.
let tool = "vmnet"

@main
struct VMNet: ParsableCommand {
    /// Global options may come before the subcommand; see `runTool`.
    static func main() { runTool() }

    static let configuration = CommandConfiguration(
        commandName: tool,
        abstract: "Manage VMs' network adapters, host adapters and host IP addresses.",
        discussion: """
            Nested VMs reach the network through two switches only when MAC address spoofing is on for the L1 \
            VM's adapter: vmnet get --vm-name lab1 | vmnet set --mac-address-spoofing on
            """ + "\n\n" + Help.exitStatuses,
        subcommands: [Get.self, Add.self, Set.self, Remove.self, Connect.self, Disconnect.self, Adapter.self, IP.self]
    )
}

/// Which adapters of the named VMs a command means.
struct AdapterTargets: ParsableArguments {
    @Argument(help: "VM names (default: the adapters or VMs piped in).", completion: Completions.vmNames())
    var vmNames: [String] = []

    @Option(
        name: .customLong("vm-name"),
        help: ArgumentHelp("A VM whose adapters to act on (repeatable; same as the positional names).", valueName: "vm"),
        completion: Completions.vmNames())
    var vmNameOptions: [String] = []

    @Option(
        name: .customLong("adapter-name"), help: ArgumentHelp("Only the adapters with this name (Hyper-V's -Name).", valueName: "adapter"))
    var adapterName: String?

    var allNames: [String] { vmNames + vmNameOptions }

    func fromName(_ vm: String) -> AdapterSelector { .vm(.name(vm), adapterName: adapterName) }

    /// Runs a changing command over the adapters selected by name or by piped records.
    func change(
        _ global: GlobalOptions, _ change: ChangeOptions,
        _ body: (Inventory, AdapterSelector, _ host: String?) throws -> [Record]
    ) throws {
        try Session.change(
            tool: tool, global: global, change: change, given: allNames.map(fromName), what: "VMs or adapters",
            bind: Binding.adapter(adapterName: adapterName), view: Views.vmNetworkAdapter, body)
    }
}
