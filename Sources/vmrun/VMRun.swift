import ArgumentParser
import NestRuntime
import NestTool

/// vmrun: create, run, list, change and remove VMs (New-VM, Start-VM, Stop-VM, Get-VM, Set-VM, Remove-VM …).
/// The tool's name, as its errors and prompts give it.
let tool = "vmrun"

@main
struct VMRun: ParsableCommand {
    /// Global options may come before the subcommand; see `runTool`.
    static func main() { runTool(machineCheck: MachineSettings.check) }

    static let configuration = CommandConfiguration(
        commandName: tool,
        abstract: "Create, run, list, change and remove virtual machines.",
        discussion: """
            Records go to stdout as JSON Lines (a table on a terminal); pipe them into vmproc, vmnet or another \
            vmrun command. See nestvm(7) for the levels, the record format and the exit statuses.
            """ + "\n\n" + Help.exitStatuses,
        subcommands: [
            New.self, Get.self, Set.self, Memory.self, Start.self, Run.self, Stop.self, Pause.self, Resume.self,
            Console.self, Remove.self, RemoveSavedState.self, UpdateVersion.self, Worker.self, Switch.self,
        ]
    )
}
