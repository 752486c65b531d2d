import ArgumentParser
import Machine
import NestRuntime

extension NestedTracing: ExpressibleByArgument {}

/// `--trace` and `--trace-file` of `vmrun run` and `vmrun start`.
struct TraceOption: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Record every VM exit as a VMExit record (exits), and every VM entry into a nested guest as a VMEntry record too (entries).",
            valueName: "what"))
    var trace: NestedTracing?

    @Option(
        help: ArgumentHelp(
            "Where the trace goes: a file, or - for stderr (default: trace.jsonl beside the VM's console log).", valueName: "path"),
        completion: .file())
    var traceFile: String?

    func validate() throws {
        if traceFile != nil && (trace ?? .off) == .off { throw ValidationError("--trace-file needs --trace exits or --trace entries") }
    }

    /// The options as the runtime takes them.
    var options: TraceOptions { TraceOptions(mode: trace ?? .off, path: traceFile) }
}
