import ArgumentParser
import NestRuntime
import NestTool

/// vmproc: VMs' virtual processors, and whether they can host nested VMs (Get/Set-VMProcessor).
/// The tool's name, as its errors and prompts give it.
let tool = "vmproc"

@main
struct VMProc: ParsableCommand {
    /// Global options may come before the subcommand; see `runTool`.
    static func main() { runTool(machineCheck: MachineSettings.check) }

    static let configuration = CommandConfiguration(
        commandName: tool,
        abstract: "Show and change VMs' processors, and make VMs ready to host nested VMs.",
        discussion: """
            ExposeVirtualizationExtensions lets a hypervisor run inside the VM. It changes only while the VM is Off \
            and needs configuration version 8.0 or later. `vmproc check` lists what stops a VM from hosting \
            nested VMs; `vmproc enable-nested` fixes it.
            """ + "\n\n" + Help.exitStatuses,
        subcommands: [Get.self, Set.self, Check.self, EnableNested.self]
    )
}
