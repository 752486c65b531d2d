import ArgumentParser
import NestStore
import NestTool

extension VMProc {
    /// `vmproc set` (Set-VMProcessor).
    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Change VMs' processors (Set-VMProcessor).",
            discussion:
                "Count, ExposeVirtualizationExtensions, HwThreadCountPerCore and CompatibilityForMigrationEnabled change only while the VM is Off."
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var change: ChangeOptions

        @Argument(help: "VM names (default: the VMs piped in).", completion: Completions.vmNames())
        var names: [String] = []

        @OptionGroup var vmName: VMNameOption

        @Option(name: [.customLong("count"), .customLong("processor-count")], help: "Virtual processors.")
        var count: Int?

        @Option(
            name: [.customLong("expose-virtualization-extensions"), .customLong("nested")],
            help: ArgumentHelp("Let a hypervisor run inside the VM (nested virtualization).", valueName: "true|false"))
        var exposeVirtualizationExtensions: BoolArgument?

        @Option(help: "Limit, percent of a processor (0-100).")
        var maximum: Int?

        @Option(help: "Reserve, percent of a processor (0-100).")
        var reserve: Int?

        @Option(name: .customLong("relative-weight"), help: "Share against other VMs (1-10000).")
        var relativeWeight: Int?

        @Option(
            name: .customLong("compatibility-for-migration-enabled"),
            help: ArgumentHelp("Limit processor features for migration.", valueName: "true|false"))
        var compatibilityForMigrationEnabled: BoolArgument?

        @Option(name: .customLong("hw-thread-count-per-core"), help: "Hardware threads per core (0 = the host's).")
        var hwThreadCountPerCore: Int?

        func validate() throws {
            if changes.isEmpty { throw ValidationError("say what to change, e.g. --expose-virtualization-extensions true or --count 2") }
        }

        var changes: ProcessorChanges {
            var changes = ProcessorChanges()
            changes.count = count
            changes.exposeVirtualizationExtensions = exposeVirtualizationExtensions?.value
            changes.maximum = maximum
            changes.reserve = reserve
            changes.relativeWeight = relativeWeight
            changes.compatibilityForMigrationEnabled = compatibilityForMigrationEnabled?.value
            changes.hwThreadCountPerCore = hwThreadCountPerCore
            return changes
        }

        func run() throws {
            let changes = self.changes
            try Session.change(
                tool: tool, global: global, change: change, given: (names + vmName.names).map(VMSelector.name), what: "VMs",
                bind: Binding.vm, view: Views.vmProcessor
            ) { inventory, selector, host in
                [try inventory.setProcessor(host: host, selector, changes).processorRecord]
            }
        }
    }
}
