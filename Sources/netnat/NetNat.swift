import ArgumentParser
import NestTool

/// netnat: NATs between an internal prefix and the host (New/Get/Remove-NetNat, *-NetNatStaticMapping).
/// The tool's name, as its errors and prompts give it.
let tool = "netnat"

@main
struct NetNat: ParsableCommand {
    /// Global options may come before the subcommand; see `runTool`.
    static func main() { runTool() }

    static let configuration = CommandConfiguration(
        commandName: tool,
        abstract: "Create, list and remove NATs and their static port mappings.",
        discussion: """
            Hyper-V's WinNAT is limited to one NAT network per host; netnat keeps that rule unless --allow-multiple, \
            and never lets internal prefixes overlap.
            """ + "\n\n" + Help.exitStatuses,
        subcommands: [New.self, Get.self, Remove.self, Mapping.self]
    )
}
