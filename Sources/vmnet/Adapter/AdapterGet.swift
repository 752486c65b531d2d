import ArgumentParser
import NestStore
import NestTool

extension VMNet.Adapter {
    /// `vmnet adapter get`.
    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "get", abstract: "List host adapters (Get-NetAdapter).")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "Adapter names (default: all).", completion: Completions.netAdapterNames)
        var names: [String] = []

        func run() throws {
            try Session.run(tool: tool, global: global) { session in
                let emitter = Emitter(options: output, view: Views.netAdapter)
                defer { emitter.finish() }
                try session.forEachTarget(
                    given: names.map(NetAdapterSelector.alias), what: "adapters", allIfNone: true, bind: Binding.netAdapter
                ) { selector, host in
                    try session.inventory().netAdapterRecords(host: host, selectors: selector.map { [$0] } ?? []).forEach(emitter.emit)
                }
            }
        }
    }
}
