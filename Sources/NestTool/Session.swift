import NestErrors
import ArgumentParser
import NestRecords
import NestStore

/// One run of a tool: the inventory, where records go, and the failures so far.
///
/// Failures of single objects are reported as `tool: TARGET: message [Category]` and do not stop the others
/// (unless `--stop-on-error`); the exit status is that of the first failure.
public final class Session {
    /// The tool's name, for diagnostics.
    public let tool: String
    /// The global options in force.
    public let global: GlobalOptions
    /// Whether to stop at the first failure.
    public var stopOnError = false
    /// The exit status so far.
    public private(set) var status: ExitStatus = .success
    private var openedInventory: Inventory?

    struct Stop: Error {}

    /// The machine's limits for the inventories sessions open (`Inventory.machineCheck`): the tools that build
    /// machines (vmrun, vmproc) set it once, first thing in `main`, before any session exists.
    nonisolated(unsafe) public static var machineCheck: Inventory.MachineCheck?

    /// A session for `tool` with these options.
    public init(tool: String, global: GlobalOptions) {
        self.tool = tool
        self.global = global
    }

    /// The inventory, opening the store on first use.
    public func inventory() throws(NestError) -> Inventory {
        if let openedInventory { return openedInventory }
        var timeout: Double = 10
        if let text = Environment.value("NESTVM_BUSY_TIMEOUT") {
            guard let seconds = Seconds.parse(text) else {
                throw NestError(
                    .invalidSetting, "NESTVM_BUSY_TIMEOUT is '\(text)', not a number of seconds (0 or more, e.g. 10 or 0.5)")
            }
            timeout = seconds
        }
        let inventory = Inventory(
            store: try Store(directory: try global.resolvedStateDirectory, busyTimeout: timeout), machineCheck: Self.machineCheck)
        // A VM recorded as running whose process is gone (killed) is Off from now on, with the reason recorded.
        // That is a write: on a store that cannot be written (a full disk) it waits for a later command, so that
        // reading still works.
        do {
            try inventory.recoverLostWorkers()
        } catch  where error.category == .storeUnavailable {
        }
        openedInventory = inventory
        return inventory
    }

    /// Reports one failure and records its exit status.
    public func report(_ error: NestError) {
        let target = error.target.map { "\($0): " } ?? ""
        Stream.err("\(tool): \(target)\(error.message) [\(error.category.rawValue)]\n")
        if status == .success { status = error.category.exitStatus }
    }

    /// Runs `body` for one object, reporting a failure instead of throwing it.
    public func attempt(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as NestError {
            report(error)
            if stopOnError { throw Stop() }
        }
    }

    /// Runs a tool's command: `body` does the work; failures become diagnostics and the exit status.
    public static func run(tool: String, global: GlobalOptions, change: ChangeOptions? = nil, _ body: (Session) throws -> Void) throws {
        Stream.ignoreSigpipe()
        Stream.guardDescriptors()
        Stream.tool = tool
        let session = Session(tool: tool, global: global)
        session.stopOnError = change?.stopOnError ?? false
        do {
            try body(session)
        } catch let error as NestError {
            session.report(error)
        } catch is Stop {
        }
        session.openedInventory?.store.close()
        if session.status != .success { throw ExitCode(session.status.rawValue) }
    }

    /// The objects a command acts on: those given on the command line, else the records piped to stdin (bound by property name),
    /// else — when `allIfNone` — `nil`, meaning every object; otherwise a usage error.
    ///
    /// `body` runs once per target, in input order, as each record arrives; a malformed record is reported with its
    /// line number and skipped.
    public func forEachTarget<S>(
        given: [S], what: String, allIfNone: Bool, bind: (InputRecord) throws(NestError) -> S,
        _ body: (S?, _ host: String?) throws -> Void
    ) throws {
        if !given.isEmpty {
            for selector in given { try attempt { try body(selector, global.hostPath) } }
            return
        }
        if !global.noStdin && Environment.stdinIsPiped {
            var number = 0, lines = 0
            while let line = Stream.readLineBytes() {
                number += 1
                if !line.allSatisfy({ [0x20, 0x09, 0x0D].contains($0) }) { lines += 1 }
                try attempt {
                    guard let input = try Self.parse(line, number) else { return }
                    let host = try recordHost(input)
                    let target = try bind(input)
                    do {
                        try body(target, host)
                    } catch var error as NestError where !error.message.hasPrefix("stdin line") {
                        // What a piped record's object failed with, and which line it came from.
                        error.message = "stdin line \(number): " + error.message
                        throw error
                    }
                }
            }
            // An empty pipe or file gave no records, so it selects nothing in particular: a listing lists all,
            // as it does with a terminal on stdin (`true | vmrun get`, or a script run with stdin redirected).
            guard lines == 0, allIfNone else { return }
        }
        if allIfNone {
            try attempt { try body(nil, global.hostPath) }
            return
        }
        if global.noStdin { throw NestError(.missingTarget, "name the \(what) to act on (--no-stdin reads no records)") }
        throw NestError(.missingTarget, "name the \(what) to act on, or pipe their records into \(tool)")
    }

    /// Like `forEachTarget`, for commands that must be told their objects: by name or piped records.
    public func forEachRequiredTarget<S>(
        given: [S], what: String, bind: (InputRecord) throws(NestError) -> S,
        _ body: (S, _ host: String?) throws -> Void
    ) throws {
        try forEachTarget(given: given, what: what, allIfNone: false, bind: bind) { selector, host in
            if let selector { try body(selector, host) }
        }
    }

    static func parse(_ line: [UInt8], _ number: Int) throws(NestError) -> InputRecord? {
        do {
            return try RecordReader.parse(line: line, number: number)
        } catch {
            throw NestError(.invalidRecord, error.message)
        }
    }

    /// The host a piped record acts on: its `ComputerName`; it must agree with `--host` when both are given.
    func recordHost(_ input: InputRecord) throws(NestError) -> String? {
        guard let computer = input.record.string("ComputerName"), !computer.isEmpty else { return global.hostPath }
        let fromRecord = computer.lowercased() == "localhost" ? nil : computer
        if let flag = global.hostPath, (flag.lowercased() == "localhost" ? nil : flag)?.lowercased() != fromRecord?.lowercased() {
            throw NestError(
                .invalidRecord,
                "stdin line \(input.line): the record is from host '\(computer)' but --host says '\(flag)'; drop one of them")
        }
        return fromRecord
    }
}

extension Session {
    /// Runs a changing command: `body` changes each target (from `given`, else from piped records) and returns the
    /// changed objects, which `--passthru` prints in `view`.
    public static func change<S>(
        tool: String, global: GlobalOptions, change: ChangeOptions, given: [S], what: String,
        bind: (InputRecord) throws(NestError) -> S, view: [Column],
        _ body: (Inventory, S, _ host: String?) throws -> [Record]
    ) throws {
        try run(tool: tool, global: global, change: change) { session in
            let emitter = Emitter(passthru: change, view: view)
            defer { emitter.finish() }
            try session.forEachRequiredTarget(given: given, what: what, bind: bind) { selector, host in
                let changed = try body(try session.inventory(), selector, host)
                if change.passthru { changed.forEach(emitter.emit) }
            }
        }
    }
}
