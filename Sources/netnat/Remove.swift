import ArgumentParser
import NestStore
import NestTool

extension NetNat {
    /// `netnat remove` (Remove-NetNat).
    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove",
            abstract: "Remove NATs and their static mappings (Remove-NetNat).",
            discussion: "Unlike Remove-NetNat, no name does not mean every NAT: name them, pipe them in, or pass --all.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var change: ChangeOptions

        @Argument(help: "NAT names (default: the NATs piped in).", completion: Completions.natNames)
        var names: [String] = []

        @Flag(help: "Remove every NAT on the host.")
        var all = false

        func validate() throws {
            if all, !names.isEmpty { throw ValidationError("give NAT names or --all, not both") }
        }

        func run() throws {
            var given = names.map(NamedSelector.name)
            if all {
                var every: [NamedSelector] = []
                try Session.run(tool: tool, global: global) { session in
                    every = try session.inventory().natSelectors(host: global.hostPath)
                }
                if every.isEmpty { return }
                given = every
            }
            try Session.change(
                tool: tool, global: global, change: change, given: given, what: "NATs (or pass --all)",
                bind: Binding.nat, view: Views.netNat
            ) { inventory, selector, host in
                [try inventory.removeNat(host: host, selector)]
            }
        }
    }
}
