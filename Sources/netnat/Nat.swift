import ArgumentParser
import NestStore
import NestTool

extension NetNatTool {
    /// `netnat new` (New-NetNat).
    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "new", abstract: "Create a NAT (New-NetNat).")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "The NAT's name.")
        var name: String

        @Option(
            name: [.customLong("internal-ip-interface-address-prefix"), .customLong("internal-prefix")],
            help: ArgumentHelp("The internal network, e.g. 192.168.100.0/24.", valueName: "prefix"))
        var internalPrefix: String

        @Option(
            name: [.customLong("external-ip-interface-address-prefix"), .customLong("external-prefix")],
            help: ArgumentHelp("The external network, when it must be fixed.", valueName: "prefix"))
        var externalPrefix: String?

        @Flag(name: .customLong("allow-multiple"), help: "Allow more than one NAT on this host (WinNAT allows one).")
        var allowMultiple = false

        func run() throws {
            try Session.run(tool: "netnat", global: global) { session in
                let emitter = Emitter(options: output, view: Views.netNat)
                emitter.emit(
                    try session.inventory().newNat(
                        host: global.hostPath, name: name, internalPrefix: internalPrefix, externalPrefix: externalPrefix,
                        allowMultiple: allowMultiple))
                emitter.finish()
            }
        }
    }

    /// `netnat get` (Get-NetNat).
    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "get", abstract: "List NATs (Get-NetNat).")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "NAT names (default: all, or those piped in).", completion: Completions.natNames)
        var names: [String] = []

        func run() throws {
            try Session.run(tool: "netnat", global: global) { session in
                let emitter = Emitter(options: output, view: Views.netNat)
                defer { emitter.finish() }
                try session.forEachTarget(given: names.map(NamedSelector.name), what: "NATs", allIfNone: true, bind: Binding.nat) {
                    selector, host in
                    try session.inventory().natRecords(host: host, selectors: selector.map { [$0] } ?? []).forEach(emitter.emit)
                }
            }
        }
    }

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
                try Session.run(tool: "netnat", global: global) { session in
                    every = try session.inventory().natSelectors(host: global.hostPath)
                }
                if every.isEmpty { return }
                given = every
            }
            try Session.change(
                tool: "netnat", global: global, change: change, given: given, what: "NATs (or pass --all)",
                bind: Binding.nat, view: Views.netNat
            ) { inventory, selector, host in
                [try inventory.removeNat(host: host, selector)]
            }
        }
    }
}
