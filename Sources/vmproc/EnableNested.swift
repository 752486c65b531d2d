import NestErrors
import ArgumentParser
import NestRuntime
import NestStore
import NestTool

extension VMProc {
    /// `vmproc enable-nested`: fixes what `check` finds.
    struct EnableNested: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "enable-nested",
            abstract: "Make VMs ready to host nested VMs: fix what `vmproc check` finds.",
            discussion: """
                In order: discard a saved state, turn the VM off, upgrade its configuration version, expose \
                virtualization extensions, turn dynamic memory off, turn MAC address spoofing on for connected \
                adapters, raise startup memory to hold its nested VMs. Asks first when stdin and stderr are \
                terminals; otherwise needs --yes. --dry-run prints the PlannedChange records and changes nothing. \
                Each VM is planned once, however many records name it (vmproc check prints one per finding).
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var change: ChangeOptions

        @Argument(help: "VM names (default: the VMs piped in).", completion: Completions.vmNames())
        var names: [String] = []

        @OptionGroup var vmName: VMNameOption

        @Flag(name: [.customLong("yes"), .customShort("y")], help: "Make the changes without asking.")
        var yes = false

        @Flag(name: [.customLong("dry-run"), .customLong("what-if")], help: "Print the planned changes as records; change nothing.")
        var dryRun = false

        func run() throws {
            try Session.run(tool: tool, global: global, change: change) { session in
                let emitter = Emitter(passthru: change, view: Views.plannedChange)
                defer { emitter.finish() }
                var planned: Swift.Set<String> = []  // host and VMId of each VM already planned
                try session.forEachRequiredTarget(given: (names + vmName.names).map(VMSelector.name), what: "VMs", bind: Binding.vm) {
                    selector, host in
                    let inventory = try session.inventory()
                    let found = try inventory.vms(host: host, selectors: [selector])
                    guard let vm = found.rows.first, planned.insert(found.host.key + "/" + vm.id).inserted else { return }
                    let plan = try inventory.enableNested(host: host, selector, apply: false)
                    if dryRun || plan.isEmpty {
                        plan.forEach { emitter.emit($0.record) }
                        return
                    }
                    let vmName = plan.first?.vmName ?? ""
                    if !yes {
                        guard Prompt.canAsk else {
                            throw NestError(
                                .confirmationRequired,
                                "\(plan.count) change\(plan.count == 1 ? "" : "s") needed; pass --yes to make them, or --dry-run to see them",
                                target: vmName)
                        }
                        Stream.err("To host nested VMs, \(vmName) needs:\n")
                        for step in plan { Stream.err("  \(step.record.string("Command") ?? "")\n") }
                        guard Prompt.confirm("Make these changes?") else {
                            Stream.err("vmproc: \(vmName): nothing changed\n")
                            return
                        }
                    }
                    // Turning the VM off is a real stop of its worker (as the script's Stop-VM); the rest of the
                    // plan is then applied to the stopped VM in one transaction.
                    if plan.contains(where: { $0.check == .notOff }) {
                        _ = try VMLifecycle(inventory: inventory).stop(selector, host: host, grace: 10, turnOff: false)
                    }
                    let applied = try inventory.enableNested(host: host, selector, apply: true)
                    if change.passthru { applied.forEach { emitter.emit($0.record) } }
                }
            }
        }
    }
}
