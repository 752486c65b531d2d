import ArgumentParser
import NestStore
import NestTool

extension NetNat.Mapping {
    /// `netnat mapping remove`.
    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove", abstract: "Remove static mappings by StaticMappingID (Remove-NetNatStaticMapping).")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var change: ChangeOptions

        @Argument(help: "StaticMappingIDs (default: the mappings piped in).")
        var ids: [Int64] = []

        func run() throws {
            try Session.change(
                tool: tool, global: global, change: change, given: ids, what: "mappings",
                bind: Binding.mapping, view: Views.netNatStaticMapping
            ) { inventory, id, host in
                [try inventory.removeMapping(host: host, id: id)]
            }
        }
    }
}
