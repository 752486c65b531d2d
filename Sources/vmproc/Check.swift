import NestErrors
import ArgumentParser
import NestStore
import NestTool

extension VMProc {
    /// `vmproc check`: what stops VMs from hosting nested VMs.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "List what stops VMs from hosting nested VMs, one NestedFinding record per problem.",
            discussion: """
                Checks: the VM must be Off for the changes needed, configuration version 8.0 or later, \
                ExposeVirtualizationExtensions on, dynamic memory off, MAC address spoofing on adapters connected \
                to a switch (a warning), startup memory enough for its nested VMs plus 512M for the hypervisor, and as \
                many processors as its widest nested VM (each nested processor runs on one of its own). \
                Exits 1 when a problem of severity Error is found, 0 when there are none or only warnings.
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "VM names (default: every VM, or those piped in).", completion: Completions.vmNames())
        var names: [String] = []

        @OptionGroup var vmName: VMNameOption

        func run() throws {
            var errors = 0
            var checked: [String] = []
            try Session.run(tool: tool, global: global) { session in
                let emitter = Emitter(options: output, view: Views.nestedFinding)
                defer { emitter.finish() }
                try session.forEachTarget(
                    given: (names + vmName.names).map(VMSelector.name), what: "VMs", allIfNone: true, bind: Binding.vm
                ) {
                    selector, host in
                    let inventory = try session.inventory()
                    let findings = try inventory.nestedFindings(host: host, selectors: selector.map { [$0] } ?? [])
                    if case .name(let name)? = selector { checked.append(name) }
                    for finding in findings {
                        if finding.severity == .error { errors += 1 }
                        emitter.emit(finding.record)
                    }
                }
                if Environment.isTerminal(1), errors == 0 {
                    Stream.err("vmproc: \(checked.isEmpty ? "every VM checked" : checked.joined(separator: ", ")) can host nested VMs\n")
                }
            }
            if errors > 0 { throw ExitCode(ExitStatus.failure.rawValue) }
        }
    }
}
