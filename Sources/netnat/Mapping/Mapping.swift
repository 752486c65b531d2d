import ArgumentParser
import NestStore
import NestTool

extension NetNat {
    /// `netnat mapping` (Add/Get/Remove-NetNatStaticMapping).
    struct Mapping: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mapping",
            abstract: "Static port mappings through a NAT (Add/Get/Remove-NetNatStaticMapping).",
            subcommands: [Add.self, Get.self, Remove.self])
    }
}
