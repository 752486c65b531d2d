import ArgumentParser
import NestTool

/// vmswitch: virtual switches (New/Get/Set/Remove-VMSwitch).
/// The tool's name, as its errors and prompts give it.
let tool = "vmswitch"

@main
struct VMSwitch: ParsableCommand {
    /// Global options may come before the subcommand; see `runTool`.
    static func main() { runTool() }

    static let configuration = CommandConfiguration(
        commandName: tool,
        abstract: "Create, list, change and remove virtual switches.",
        discussion: """
            Internal switches connect VMs with each other and with the host, through the host adapter \
            `vEthernet (NAME)` each one creates; private switches connect VMs only; External switches bind a Linux \
            TAP interface (as root), which the host bridges where it wants.
            """ + "\n\n" + Help.exitStatuses,
        subcommands: [New.self, Get.self, Set.self, Remove.self]
    )
}
