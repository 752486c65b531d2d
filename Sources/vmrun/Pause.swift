import ArgumentParser
import NestRuntime
import NestStore
import NestTool

extension VMRun {
    /// `vmrun pause` (Suspend-VM).
    struct Pause: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pause", abstract: "Pause running VMs: their processors stop until resumed (Suspend-VM).",
            discussion: "A nested VM (--host lab1) is paused by the hypervisor in lab1: it is no longer scheduled.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var change: ChangeOptions

        @Argument(help: "VM names (default: the VMs piped in).", completion: Completions.vmNames(states: [.running]))
        var names: [String] = []

        @OptionGroup var vmName: VMNameOption

        func run() throws { try VMRun.setPaused(true, global: global, change: change, names: names + vmName.names) }
    }

    /// Pauses or resumes the VMs named or piped in.
    static func setPaused(_ paused: Bool, global: GlobalOptions, change: ChangeOptions, names: [String]) throws {
        try Session.change(
            tool: tool, global: global, change: change, given: names.map(VMSelector.name), what: "VMs",
            bind: Binding.vm, view: Views.virtualMachine
        ) { inventory, selector, host in
            [try VMLifecycle(inventory: inventory).setPaused(selector, host: host, paused).record]
        }
    }
}
