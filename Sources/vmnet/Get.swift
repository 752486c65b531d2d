import ArgumentParser
import NestStore
import NestTool

extension VMNet {
    /// `vmnet get` (Get-VMNetworkAdapter).
    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "get", abstract: "List VMs' network adapters (Get-VMNetworkAdapter).")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "VM names (default: every VM on the host, or those piped in).", completion: Completions.vmNames())
        var vmNames: [String] = []

        @Option(
            name: .customLong("vm-name"), help: ArgumentHelp("A VM whose adapters to list (repeatable).", valueName: "vm"),
            completion: Completions.vmNames())
        var vmNameOptions: [String] = []

        @Option(name: .customLong("adapter-name"), help: ArgumentHelp("Only adapters with this name.", valueName: "adapter"))
        var adapterName: String?

        @Option(name: .customLong("switch-name"), help: "Only adapters connected to this switch.", completion: Completions.switchNames)
        var switchName: String?

        func run() throws {
            try Session.run(tool: tool, global: global) { session in
                let emitter = Emitter(options: output, view: Views.vmNetworkAdapter)
                defer { emitter.finish() }
                try session.forEachTarget(
                    given: (vmNames + vmNameOptions).map { AdapterSelector.vm(.name($0), adapterName: adapterName) },
                    what: "VMs", allIfNone: true, bind: Binding.adapter(adapterName: adapterName)
                ) { selector, host in
                    var records = try session.inventory().adapterRecords(
                        host: host, selectors: selector.map { [$0] } ?? [], switchName: switchName)
                    if selector == nil, let adapterName { records = records.filter { $0.string("Name") == adapterName } }
                    records.forEach(emitter.emit)
                }
            }
        }
    }
}
