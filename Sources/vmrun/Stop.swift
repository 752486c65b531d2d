import ArgumentParser
import NestRuntime
import NestStore
import NestTool

extension VMRun {
    /// `vmrun stop` (Stop-VM).
    struct Stop: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stop",
            abstract: "Stop VMs (Stop-VM).",
            discussion: """
                The guest is asked to shut down (bit 0 of port 0xF5 reads 1, and IRQ 9 is raised) and is turned off when it has not \
                ended after the grace period. --turn-off turns it off at once. Returns once the VM is Off; a VM \
                that is already Off is left as it is. A nested VM (--host lab1) is asked and turned off the same \
                way by the hypervisor in lab1.
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var change: ChangeOptions

        @Argument(help: "VM names (default: the VMs piped in).", completion: Completions.vmNames(states: [.running, .paused]))
        var names: [String] = []

        @OptionGroup var vmName: VMNameOption

        @Flag(help: "Turn the VM off at once, without asking the guest (Stop-VM -TurnOff).")
        var turnOff = false

        @Option(
            help: ArgumentHelp(
                "Seconds the guest has to shut down before it is turned off (a number, e.g. 10 or 0.5).", valueName: "seconds"))
        var grace = SecondsArgument(10)

        func run() throws {
            try Session.change(
                tool: tool, global: global, change: change, given: (names + vmName.names).map(VMSelector.name), what: "VMs",
                bind: Binding.vm, view: Views.virtualMachine
            ) { inventory, selector, host in
                [try VMLifecycle(inventory: inventory).stop(selector, host: host, grace: grace.seconds, turnOff: turnOff).record]
            }
        }
    }
}
