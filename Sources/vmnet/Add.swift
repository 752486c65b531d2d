import ArgumentParser
import NestStore
import NestTool

extension VMNet {
    /// `vmnet add` (Add-VMNetworkAdapter).
    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Add a network adapter to VMs (Add-VMNetworkAdapter).",
            discussion:
                "A VM has at most 8 adapters; a generation 1 VM must be Off. The MAC address is dynamic (00155D…) unless --static-mac-address is given."
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var change: ChangeOptions

        @Argument(help: "VM names (default: the VMs piped in).", completion: Completions.vmNames())
        var vmNames: [String] = []

        @Option(
            name: .customLong("vm-name"), help: ArgumentHelp("A VM to add the adapter to (repeatable).", valueName: "vm"),
            completion: Completions.vmNames())
        var vmNameOptions: [String] = []

        @Option(
            name: [.customLong("adapter-name"), .customLong("name")], help: ArgumentHelp("The new adapter's name.", valueName: "adapter"))
        var name = "Network Adapter"

        @Option(name: .customLong("switch-name"), help: "Connect it to this switch.", completion: Completions.switchNames)
        var switchName: String?

        @Option(name: .customLong("static-mac-address"), help: ArgumentHelp("A fixed MAC address, e.g. 00155D0A0B0C.", valueName: "mac"))
        var staticMacAddress: String?

        func run() throws {
            try Session.change(
                tool: tool, global: global, change: change, given: (vmNames + vmNameOptions).map(VMSelector.name), what: "VMs",
                bind: Binding.vm, view: Views.vmNetworkAdapter
            ) { inventory, selector, host in
                [try inventory.addAdapter(host: host, selector, name: name, switchName: switchName, staticMac: staticMacAddress)]
            }
        }
    }
}
