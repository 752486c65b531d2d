import NestErrors
import ArgumentParser
import Foundation
import Machine
import NestRuntime
import NestStore
import NestTool

extension VMRun {
    /// `vmrun run`: a VM in the foreground.
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Run a VM in the foreground: its serial console on stdout, its exit status as this command's.",
            discussion: "The exit status is the guest's: writing v to port 0xF4 gives (v << 1) | 1. Otherwise: 0 the guest "
                + "halted with interrupts off, "
                + [ExitStatus.unsupported, .tripleFault, .timeout, .turnedOff].map { "\($0.rawValue) \($0.summary)" }
                .joined(separator: ", ")
                + ". Errors before the guest runs have the usual statuses "
                + "(\(ExitStatus.dataError.rawValue) a bad image, \(ExitStatus.noInput.rawValue) a missing one).")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The VM's name.", completion: Completions.vmNames(states: [.off]))
        var name: String

        @Option(
            help: ArgumentHelp(
                "Turn the VM off after this many seconds of wall-clock time (a number, e.g. 30 or 0.5).", valueName: "seconds"))
        var timeout: SecondsArgument?

        @Option(help: ArgumentHelp("Turn the VM off after this many instructions (all processors together).", valueName: "count"))
        var maxInstructions: UInt64?

        @Option(
            help: ArgumentHelp(
                "A boot module: a file or a shipped guest's name, named NAME or after the file (repeatable).", valueName: "NAME=PATH"),
            completion: .file())
        var module: [String] = []

        @OptionGroup var trace: TraceOption

        func validate() throws {
            if let timeout, timeout.seconds == 0 { throw ValidationError("--timeout takes a positive number of seconds") }
        }

        func run() throws {
            var outcome: VMRunResult?
            try Session.run(tool: tool, global: global) { session in
                let lifecycle = VMLifecycle(inventory: try session.inventory())
                outcome = try lifecycle.runInForeground(
                    .name(name), host: global.hostPath, modules: try MachineSettings.modules(module),
                    maxInstructions: maxInstructions, timeout: timeout?.seconds, trace: trace.options)
            }
            guard let outcome else { return }
            if outcome.exitStatus & 1 == 0 && outcome.exitStatus != 0 {
                Stream.err("vmrun: \(name): \(outcome.reason) (exit status \(outcome.exitStatus))\n")
            }
            if outcome.exitStatus != 0 { throw ExitCode(outcome.exitStatus) }
        }
    }

}
