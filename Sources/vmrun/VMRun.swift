import ArgumentParser
import NestTool

/// vmrun: create, list, change and remove VMs (New-VM, Get-VM, Set-VM, Set-VMMemory, Remove-VM).
@main
struct VMRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vmrun",
        abstract: "Create, list, change and remove virtual machines.",
        discussion: """
            Records go to stdout as JSON Lines (a table on a terminal); pipe them into vmproc, vmnet or another \
            vmrun command. See nestvm(7) for the levels, the record format and the exit statuses.
            """ + "\n\n" + Help.exitStatuses,
        subcommands: [New.self, Get.self, Set.self, Memory.self, Remove.self, RemoveSavedState.self, UpdateVersion.self]
    )
}
