import NestErrors
import ArgumentParser
import NestRuntime
import NestStore
import NestTool

extension VMRun {
    /// `vmrun console`: follow a running VM's serial console.
    struct Console: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "console",
            abstract: "Follow a running VM's serial console (COM1) and type to it.",
            discussion: """
                Shows what the console printed so far, then follows it. On a terminal, lines you type go to the \
                guest's COM1, edited with GNU readline and kept in a history; Ctrl-] (or Ctrl-D on an empty \
                line) detaches and leaves the VM running. Without a terminal, stdin is sent as it comes. Ends \
                when the VM stops. With --host lab1, the console of a nested VM: its lines as the hypervisor in \
                lab1 reports them, and what is typed goes to its COM1 through that hypervisor.
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The VM's name.", completion: Completions.vmNames(states: [.running, .paused]))
        var name: String

        func run() throws {
            try Session.run(tool: tool, global: global) { session in
                let inventory = try session.inventory()
                let (_, rows) = try inventory.vms(host: global.hostPath, selectors: [.name(name)])
                let row = rows[0]
                guard row.state == .running || row.state == .paused else {
                    let host = global.hostPath.map { "--host \($0) " } ?? ""
                    throw NestError(
                        .vmNotRunning, "VM '\(row.name)' is \(row.state.rawValue); start it first: vmrun start \(host)\(row.name)",
                        target: row.name)
                }
                let interactive = Environment.isTerminal(0) && Environment.isTerminal(1)
                if interactive { Stream.err("Connected to \(row.name); Ctrl-] detaches.\n") }
                let session: ConsoleSession
                if let nested = try VMLifecycle(inventory: inventory).nestedTarget(.id(row.id), host: global.hostPath) {
                    session = ConsoleSession(nested: nested.row, host: nested.hostRow, inventory: inventory)
                } else {
                    session = ConsoleSession(row: row, stateDirectory: inventory.store.directory)
                }
                let stopped = session.run(interactive: interactive)
                if stopped {
                    let (_, after) = try inventory.vms(host: global.hostPath, selectors: [.id(row.id)])
                    if interactive || after[0].exitReason != nil {
                        Stream.err("vmrun: \(row.name): stopped: \(after[0].exitReason ?? "off")\n")
                    }
                }
            }
        }
    }
}
