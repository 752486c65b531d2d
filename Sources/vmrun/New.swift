import ArgumentParser
import NestRuntime
import NestStore
import NestTool

extension VMRun {
    /// `vmrun new` (New-VM).
    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "new", abstract: "Create a VM (New-VM).")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "The VM's name: letters, digits, '.', '-', '_', a letter first, at most 64.")
        var name: String

        @Option(
            name: [.customLong("memory-startup-bytes"), .customLong("memory")],
            help: ArgumentHelp("Startup memory, e.g. 2G or 512M (default 512M).", valueName: "size"))
        var memoryStartupBytes: BytesArgument?

        @Option(name: [.customLong("processor-count"), .customLong("cpus")], help: "Virtual processors (default 1).")
        var processorCount: Int?

        @Option(help: "Generation 1 or 2 (default 1).")
        var generation: Int?

        @Option(
            name: [.customLong("version")],
            help: ArgumentHelp("Configuration version, e.g. 8.0 (default: the newest, 12.0).", valueName: "version"))
        var version: String?

        @Option(
            help: ArgumentHelp("The guest image: a shipped guest's name or the path of an ELF64 file.", valueName: "image"),
            completion: Completions.images { GuestImages.shippedNames })
        var image: String?

        @Option(help: ArgumentHelp("The command line the image boots with (in its boot information).", valueName: "text"))
        var commandLine: String?

        @Option(
            name: .customLong("switch-name"), help: "Add a network adapter connected to this switch.", completion: Completions.switchNames)
        var switchName: String?

        @Option(help: "Free-form notes.")
        var notes: String?

        func run() throws {
            try Session.run(tool: tool, global: global) { session in
                var spec = NewVMSpec(name: name)
                if let memoryStartupBytes { spec.memoryStartupBytes = memoryStartupBytes.bytes }
                if let processorCount { spec.processorCount = processorCount }
                if let generation { spec.generation = generation }
                spec.version = version
                spec.image = try image.map(GuestImages.normalize)
                if let commandLine { spec.commandLine = commandLine }
                spec.switchName = switchName
                if let notes { spec.notes = notes }
                let emitter = Emitter(options: output, view: Views.virtualMachine)
                emitter.emit(try session.inventory().newVM(host: global.hostPath, spec))
                emitter.finish()
            }
        }
    }
}
