import ArgumentParser
import NestStore
import NestTool

extension VMNet {
    /// `vmnet ip` (New/Get/Remove-NetIPAddress).
    struct IP: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ip",
            abstract: "IPv4 addresses of the host's adapters (New/Get/Remove-NetIPAddress).",
            subcommands: [Add.self, Get.self, Remove.self])
    }
}
