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
                `vmrun get` shows its ExitStatus and ExitReason.
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var change: ChangeOptions

        @Argument(help: "VM names (default: the VMs piped in).", completion: Completions.vmNames(states: [.off]))
        var names: [String] = []

        @Option(
            help: ArgumentHelp("A boot module for the guest: a file, named NAME or after the file (repeatable).", valueName: "NAME=PATH"),
            completion: .file())
        var module: [String] = []

        func run() throws {
            try Session.change(
                tool: "vmrun", global: global, change: change, given: names.map(VMSelector.name), what: "VMs",
                bind: Binding.vm, view: Views.virtualMachine
            ) { inventory, selector, host in
                [try VMLifecycle(inventory: inventory).start(selector, host: host, modules: module).record]
            }
        }
    }

    /// `vmrun stop` (Stop-VM).
    struct Stop: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stop",
            abstract: "Stop VMs (Stop-VM).",
            discussion: """
                The guest is asked to shut down (bit 0 of port 0xF5 reads 1, and IRQ 9 is raised) and is turned off when it has not \
                ended after the grace period. --turn-off turns it off at once. Returns once the VM is Off; a VM \
                that is already Off is left as it is.
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var change: ChangeOptions

        @Argument(help: "VM names (default: the VMs piped in).", completion: Completions.vmNames(states: [.running, .paused]))
        var names: [String] = []

        @Flag(help: "Turn the VM off at once, without asking the guest (Stop-VM -TurnOff).")
        var turnOff = false

        @Option(help: ArgumentHelp("Seconds the guest has to shut down before it is turned off (default 10).", valueName: "seconds"))
        var grace: Double = 10

        func validate() throws {
            guard grace >= 0 else { throw ValidationError("--grace takes a number of seconds, 0 or more") }
        }

        func run() throws {
            try Session.change(
                tool: "vmrun", global: global, change: change, given: names.map(VMSelector.name), what: "VMs",
                bind: Binding.vm, view: Views.virtualMachine
            ) { inventory, selector, host in
                [try VMLifecycle(inventory: inventory).stop(selector, host: host, grace: grace, turnOff: turnOff).record]
            }
        }
    }

    /// `vmrun pause` (Suspend-VM).
    struct Pause: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pause", abstract: "Pause running VMs: their processors stop until resumed (Suspend-VM).")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var change: ChangeOptions

        @Argument(help: "VM names (default: the VMs piped in).", completion: Completions.vmNames(states: [.running]))
        var names: [String] = []

        func run() throws { try VMRun.setPaused(true, global: global, change: change, names: names) }
    }

    /// `vmrun resume` (Resume-VM).
    struct Resume: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "resume", abstract: "Resume paused VMs (Resume-VM).")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var change: ChangeOptions

        @Argument(help: "VM names (default: the VMs piped in).", completion: Completions.vmNames(states: [.paused]))
        var names: [String] = []

        func run() throws { try VMRun.setPaused(false, global: global, change: change, names: names) }
    }

    /// Pauses or resumes the VMs named or piped in.
    static func setPaused(_ paused: Bool, global: GlobalOptions, change: ChangeOptions, names: [String]) throws {
        try Session.change(
            tool: "vmrun", global: global, change: change, given: names.map(VMSelector.name), what: "VMs",
            bind: Binding.vm, view: Views.virtualMachine
        ) { inventory, selector, host in
            [try VMLifecycle(inventory: inventory).setPaused(selector, host: host, paused).record]
        }
    }
}
