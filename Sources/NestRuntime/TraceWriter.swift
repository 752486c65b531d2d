import Foundation
import Machine
import NestErrors
import NestRecords
import NestStore
import VMX

/// What `vmrun run --trace` and `vmrun start --trace` ask for: exits (or exits and entries), written as JSON
/// Lines to a file, to stderr (`-`), or to `trace.jsonl` beside the VM's console log.
public struct TraceOptions: Sendable, Equatable {
    /// What to record.
    public var mode: NestedTracing
    /// Where: a path, "-" for stderr, or nil for `trace.jsonl` in the VM's directory.
    public var path: String?

    /// Options for `mode`, written to `path`.
    public init(mode: NestedTracing, path: String?) {
        self.mode = mode
        self.path = path
    }

    /// The worker's arguments for these options; a relative path is made absolute first, since the worker
    /// runs elsewhere.
    var workerArguments: [String] {
        guard mode != .off else { return [] }
        var path = path
        if let given = path, given != "-", !given.hasPrefix("/") {
            path = FileManager.default.currentDirectoryPath + "/" + given
        }
        return ["--trace", mode.rawValue] + (path.map { ["--trace-file", $0] } ?? [])
    }

    /// Refuses, before the VM changes state, a trace that could not be written: a file that cannot be opened for
    /// writing, or stderr for a VM that runs in the background (`detached`), whose stderr is the worker's log.
    func check(vmName: String, detached: Bool) throws(NestError) {
        guard mode != .off, let path else { return }
        if path == "-" {
            guard !detached else {
                throw NestError(
                    .invalidArgument, "--trace-file - (stderr) is for vmrun run; a VM started in the background traces to a file",
                    target: vmName)
            }
            return
        }
        let opened = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard opened >= 0 else { throw TraceWriter.openError(path, vmName: vmName) }
        close(opened)
    }
}

/// Writes traced events as `VMExit` and `VMEntry` records, one JSON object per line (nestvm(7), "NESTED
/// VIRTUALIZATION").
final class TraceWriter {
    let fd: Int32
    let ownsDescriptor: Bool
    let vmName: String
    /// Where the trace goes, for messages.
    let path: String

    static func openError(_ path: String, vmName: String) -> NestError {
        NestError(
            .invalidArgument, "cannot write the trace to \(path): \(String(cString: strerror(errno))); give a writable --trace-file",
            target: vmName)
    }

    init(options: TraceOptions, files: WorkerFiles, vmName: String) throws(NestError) {
        self.vmName = vmName
        if options.path == "-" {
            path = "stderr"
            fd = 2
            ownsDescriptor = false
            return
        }
        let path = options.path ?? files.directory + "/trace.jsonl"
        let opened = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard opened >= 0 else { throw Self.openError(path, vmName: vmName) }
        self.path = path
        fd = opened
        ownsDescriptor = true
    }

    deinit {
        flush()
        if ownsDescriptor { close(fd) }
    }

    static func hex(_ value: UInt64) -> JSONValue { .string("0x" + String(value, radix: 16)) }

    /// The record of one event.
    func record(_ e: NestedTraceEvent) -> Record {
        var pairs: [(String, JSONValue)] = [
            ("Level", .int(Int64(e.level))), ("VMName", .string(vmName)), ("Processor", .int(Int64(e.processor))),
        ]
        switch e.kind {
        case .exit:
            pairs += [
                ("Reason", .string(e.reason?.name ?? "")), ("ReasonNumber", .int(Int64(e.reason?.rawValue ?? 0))),
                ("Qualification", Self.hex(e.qualification)), ("RIP", Self.hex(e.rip)),
                ("InstructionLength", .int(Int64(e.instructionLength))),
                ("GuestPhysicalAddress", e.guestPhysicalAddress.map(Self.hex) ?? .null),
                ("GuestLinearAddress", e.guestLinearAddress.map(Self.hex) ?? .null),
                ("InstructionsRetired", .int(Int64(truncatingIfNeeded: e.instructionsRetired))),
                ("HandledBy", .string(e.handledBy.rawValue)),
            ]
            return Record(kind: .vmExit, pairs)
        case .entry:
            pairs += [
                ("Instruction", .string(e.launch ? "VMLAUNCH" : "VMRESUME")), ("Result", .string(e.result)),
                ("RIP", Self.hex(e.rip)), ("ErrorNumber", e.errorNumber.map { .int(Int64($0)) } ?? .null),
                ("Check", e.check.map { .string($0.id) } ?? .null),
                ("Diagnostic", e.check.map { .string($0.diagnostic) } ?? .null),
                ("ExitReasonNumber", e.reason.map { .int(Int64($0.rawValue)) } ?? .null),
                ("InstructionsRetired", .int(Int64(truncatingIfNeeded: e.instructionsRetired))),
            ]
            return Record(kind: .vmEntry, pairs)
        }
    }

    /// Lines not yet written.
    var pending: [UInt8] = []
    /// Why a write failed: tracing has ended there, the run goes on, and the runner reports it.
    var failure: String?
    var failed: Bool { failure != nil }
    var failureReported = false

    /// The failure, the first time it is asked for after it happened.
    func takeFailure() -> String? {
        guard let failure, !failureReported else { return nil }
        failureReported = true
        return failure
    }

    /// Adds one event, writing when 64 KiB have gathered.
    func append(_ event: NestedTraceEvent) {
        pending += (JSONWriter.line(record(event)) + "\n").utf8
        if pending.count >= 1 << 16 { flush() }
    }

    /// Writes what has gathered; a write error ends tracing (see `failure`) rather than the run.
    func flush() {
        defer { pending.removeAll(keepingCapacity: true) }
        guard !failed else { return }
        var bytes = pending[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 {
                failure = "the trace to \(path) ended early: \(n < 0 ? String(cString: strerror(errno)) : "nothing written")"
                return
            }
            bytes = bytes.dropFirst(n)
        }
    }
}
