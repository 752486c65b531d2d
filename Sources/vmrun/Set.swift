import ArgumentParser
import NestRuntime
import NestStore
import NestTool

extension VMRun {
    /// `vmrun set` (Set-VM, Set-VMMemory).
    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Change VMs' memory, image, command line, automatic start action and notes (Set-VM, Set-VMMemory).",
            discussion: "Memory, image and command line change only while the VM is Off. With dynamic memory, minimum ≤ startup ≤ maximum.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var change: ChangeOptions

        @Argument(help: "VM names (default: the VMs piped in).", completion: Completions.vmNames())
        var names: [String] = []

        @OptionGroup var vmName: VMNameOption

        @Option(
            name: [.customLong("memory-startup-bytes"), .customLong("memory")],
            help: ArgumentHelp("Startup memory, e.g. 2G.", valueName: "size"))
        var memoryStartupBytes: BytesArgument?

        @Option(name: .customLong("memory-minimum-bytes"), help: ArgumentHelp("Minimum memory under dynamic memory.", valueName: "size"))
        var memoryMinimumBytes: BytesArgument?

        @Option(name: .customLong("memory-maximum-bytes"), help: ArgumentHelp("Maximum memory under dynamic memory.", valueName: "size"))
        var memoryMaximumBytes: BytesArgument?

        @Option(name: .customLong("dynamic-memory-enabled"), help: ArgumentHelp("Turn dynamic memory on or off.", valueName: "true|false"))
        var dynamicMemoryEnabled: BoolArgument?

        @Option(
            help: ArgumentHelp("The guest image: a shipped guest's name or the path of an ELF64 file.", valueName: "image"),
            completion: Completions.images { GuestImages.shippedNames })
        var image: String?

        @Option(help: ArgumentHelp("The command line the image boots with.", valueName: "text"))
        var commandLine: String?

        @Option(help: "Free-form notes.")
        var notes: String?

        @Option(
            help: ArgumentHelp(
                "Hyper-V's AutomaticStartAction: what the VM's hypervisor does with it when it starts (StartIfRunning: start it if it was running when the hypervisor last stopped).",
                valueName: "action"))
        var automaticStartAction: AutomaticStartAction?

        func validate() throws {
            if memoryStartupBytes == nil, memoryMinimumBytes == nil, memoryMaximumBytes == nil, dynamicMemoryEnabled == nil, notes == nil,
                image == nil, commandLine == nil, automaticStartAction == nil
            {
                throw ValidationError("say what to change, e.g. --memory-startup-bytes 2G or --notes TEXT")
            }
        }

        func run() throws {
            var changes = VMChanges()
            changes.memoryStartupBytes = memoryStartupBytes?.bytes
            changes.memoryMinimumBytes = memoryMinimumBytes?.bytes
            changes.memoryMaximumBytes = memoryMaximumBytes?.bytes
            changes.dynamicMemoryEnabled = dynamicMemoryEnabled?.value
            changes.notes = notes
            changes.commandLine = commandLine
            changes.automaticStartAction = automaticStartAction
            try Session.change(
                tool: tool, global: global, change: change, given: (names + vmName.names).map(VMSelector.name), what: "VMs",
                bind: Binding.vm, view: Views.virtualMachine
            ) { inventory, selector, host in
                var changes = changes
                changes.image = try image.map(GuestImages.normalize)
                return [try inventory.setVM(host: host, selector, changes).record]
            }
        }
    }
}
