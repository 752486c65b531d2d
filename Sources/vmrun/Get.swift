import ArgumentParser
import NestStore
import NestTool

extension VMRun {
    /// `vmrun get` (Get-VM).
    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "get", abstract: "List VMs (Get-VM): all, those named, or those piped in.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "VM names (default: every VM on the host).", completion: Completions.vmNames())
        var names: [String] = []

        @OptionGroup var vmName: VMNameOption

        @Option(help: ArgumentHelp("Only VMs in this state: off, running, saved or paused (repeatable).", valueName: "state"))
        var state: [VMState] = []

        func run() throws {
            try Session.run(tool: tool, global: global) { session in
                let emitter = Emitter(options: output, view: Views.virtualMachine)
                defer { emitter.finish() }
                try session.forEachTarget(
                    given: (names + vmName.names).map(VMSelector.name), what: "VMs", allIfNone: true, bind: Binding.vm
                ) {
                    selector, host in
                    let (found, rows) = try session.inventory().vms(host: host, selectors: selector.map { [$0] } ?? [], states: state)
                    rows.forEach { emitter.emit($0.record(on: found)) }
                }
            }
        }
    }
}
