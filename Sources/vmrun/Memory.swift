import ArgumentParser
import NestStore
import NestTool

extension VMRun {
    /// `vmrun memory` (Get-VMMemory).
    struct Memory: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "memory", abstract: "Show VMs' memory settings (Get-VMMemory); change them with vmrun set.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "VM names (default: every VM, or those piped in).", completion: Completions.vmNames())
        var names: [String] = []

        @OptionGroup var vmName: VMNameOption

        func run() throws {
            try Session.run(tool: tool, global: global) { session in
                let emitter = Emitter(options: output, view: Views.vmMemory)
                defer { emitter.finish() }
                try session.forEachTarget(
                    given: (names + vmName.names).map(VMSelector.name), what: "VMs", allIfNone: true, bind: Binding.vm
                ) {
                    selector, host in
                    let (found, rows) = try session.inventory().vms(host: host, selectors: selector.map { [$0] } ?? [])
                    rows.forEach { emitter.emit($0.memoryRecord(on: found)) }
                }
            }
        }
    }
}
