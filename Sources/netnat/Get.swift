import ArgumentParser
import NestStore
import NestTool

extension NetNat {
    /// `netnat get` (Get-NetNat).
    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "get", abstract: "List NATs (Get-NetNat).")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "NAT names (default: all, or those piped in).", completion: Completions.natNames)
        var names: [String] = []

        func run() throws {
            try Session.run(tool: tool, global: global) { session in
                let emitter = Emitter(options: output, view: Views.netNat)
                defer { emitter.finish() }
                try session.forEachTarget(given: names.map(NamedSelector.name), what: "NATs", allIfNone: true, bind: Binding.nat) {
                    selector, host in
                    try session.inventory().natRecords(host: host, selectors: selector.map { [$0] } ?? []).forEach(emitter.emit)
                }
            }
        }
    }
}
