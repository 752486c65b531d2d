import ArgumentParser
import NestRuntime
import NestStore
import NestTool

extension VMRun {
    /// `vmrun start` (Start-VM).
    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "start",
            abstract: "Start VMs in the background (Start-VM).",
            discussion: """
                Each VM runs in a worker process of its own; the command returns once the guest runs. The console \
                goes to the VM's log (vmrun console NAME follows it). When the guest ends, the VM is Off and \
                `vmrun get` shows its ExitStatus and ExitReason. With --host lab1, the nested VM starts under the \
                hypervisor running in lab1 (minivisor), which lab1's worker asks over the integration channel; \
                the command returns once the hypervisor has started it, or prints its refusal (nestvm(7), \
                "INTEGRATION CHANNEL").
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var change: ChangeOptions

        @Argument(help: "VM names (default: the VMs piped in).", completion: Completions.vmNames(states: [.off]))
        var names: [String] = []

        @OptionGroup var vmName: VMNameOption

        @Option(
            help: ArgumentHelp(
                "A boot module: a file or a shipped guest's name, named NAME or after the file (repeatable).", valueName: "NAME=PATH"),
            completion: .file())
        var module: [String] = []

        @OptionGroup var trace: TraceOption

        func run() throws {
            try Session.change(
                tool: tool, global: global, change: change, given: (names + vmName.names).map(VMSelector.name), what: "VMs",
                bind: Binding.vm, view: Views.virtualMachine
            ) { inventory, selector, host in
                [try VMLifecycle(inventory: inventory).start(selector, host: host, modules: module, trace: trace.options).record]
            }
        }
    }
}
