import ArgumentParser
import NestStore
import NestTool

extension NetNat.Mapping {
    /// `netnat mapping get`.
    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "get", abstract: "List static mappings (Get-NetNatStaticMapping).")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        @Option(name: .customLong("nat-name"), help: "Only this NAT's mappings.", completion: Completions.natNames)
        var natName: String?

        @Argument(help: "StaticMappingIDs (default: all).")
        var ids: [Int64] = []

        func run() throws {
            try Session.run(tool: tool, global: global) { session in
                let emitter = Emitter(options: output, view: Views.netNatStaticMapping)
                defer { emitter.finish() }
                try session.inventory().mappingRecords(host: global.hostPath, natName: natName, ids: ids).forEach(emitter.emit)
            }
        }
    }
}
