import ArgumentParser
import NestRecords
import NestStore

/// Where the state lives and which host's inventory a command acts on; every tool takes these.
public struct GlobalOptions: ParsableArguments {
    @Option(
        name: .customLong("state-dir"),
        help: ArgumentHelp("The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).", valueName: "dir"),
        completion: .directory)
    public var stateDirectory: String?

    @Option(
        name: [.customLong("host"), .customLong("computer-name")],
        help: ArgumentHelp(
            "Act inside this VM's inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).",
            valueName: "vm"), completion: Completions.vmNames(onHost: false))
    public var host: String?

    public init() {}

    /// The `--host` path in force: the flag, else `NESTVM_HOST`, else L0.
    public var hostPath: String? {
        if let host { return host }
        if let env = Environment.value("NESTVM_HOST"), !env.isEmpty { return env }
        return nil
    }

    /// The state directory in force: `--state-dir`, else `NESTVM_HOME`, else `${XDG_STATE_HOME:-$HOME/.local/state}/nestvm`.
    public var resolvedStateDirectory: String {
        Self.stateDirectory(flag: stateDirectory)
    }

    static func stateDirectory(flag: String?) -> String {
        if let flag, !flag.isEmpty { return flag }
        if let home = Environment.value("NESTVM_HOME"), !home.isEmpty { return home }
        if let xdg = Environment.value("XDG_STATE_HOME"), !xdg.isEmpty { return xdg + "/nestvm" }
        return (Environment.value("HOME") ?? ".") + "/.local/state/nestvm"
    }
}

/// How records are printed.
public struct OutputOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Output format: json (JSON Lines), table, list or tsv (default: table on a terminal, else json).", valueName: "format"))
    public var format: OutputFormat?

    @Option(name: [.customShort("o"), .long], help: ArgumentHelp("Only these keys, comma-separated, in this order.", valueName: "keys"))
    public var fields: String?

    @Flag(name: .customLong("no-headings"), help: "Leave out the heading lines of table and tsv output.")
    public var noHeadings = false

    @Flag(name: .customLong("name"), help: "Print only names, one per line (for xargs and scripts).")
    public var namesOnly = false

    public init() {}

    /// The keys `--fields` asks for.
    public var fieldList: [String]? {
        fields.map { $0.split(separator: ",").map { String($0).trimmingCharacters() }.filter { !$0.isEmpty } }
    }
}

/// Options of the commands that change objects.
public struct ChangeOptions: ParsableArguments {
    @Flag(name: .customLong("passthru"), help: "Print the changed objects as records, so a pipeline can go on.")
    public var passthru = false

    @Flag(name: .customLong("stop-on-error"), help: "Stop at the first object that fails instead of going on with the rest.")
    public var stopOnError = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Format of what --passthru prints: json, table, list or tsv (default: table on a terminal, else json).", valueName: "format"))
    public var format: OutputFormat?

    public init() {}
}

extension OutputFormat: ExpressibleByArgument {}

extension VMState: ExpressibleByArgument {
    public init?(argument: String) {
        guard let state = VMState.allCases.first(where: { $0.rawValue.lowercased() == argument.lowercased() }) else { return nil }
        self = state
    }
    public static var allValueStrings: [String] { allCases.map { $0.rawValue.lowercased() } }
}

extension SwitchType: ExpressibleByArgument {
    public init?(argument: String) {
        guard let type = SwitchType.allCases.first(where: { $0.rawValue.lowercased() == argument.lowercased() }) else { return nil }
        self = type
    }
    public static var allValueStrings: [String] { allCases.map { $0.rawValue.lowercased() } }
}

/// A Boolean as PowerShell users write it: `true`/`false`, `$true`/`$false`, `1`/`0`, `yes`/`no`.
public struct BoolArgument: ExpressibleByArgument, Sendable {
    public var value: Bool
    public init?(argument: String) {
        switch argument.lowercased() {
        case "true", "$true", "1", "yes", "on": value = true
        case "false", "$false", "0", "no", "off": value = false
        default: return nil
        }
    }
    public static var allValueStrings: [String] { ["true", "false"] }
}

/// Hyper-V's OnOffState: `On` or `Off` (true/false accepted too).
public struct OnOffArgument: ExpressibleByArgument, Sendable {
    public var isOn: Bool
    public init?(argument: String) {
        guard let parsed = BoolArgument(argument: argument) else { return nil }
        isOn = parsed.value
    }
    public static var allValueStrings: [String] { ["on", "off"] }
}

/// A byte count as users type it: `2G`, `256MB`, `512MiB`, `1073741824`.
public struct BytesArgument: ExpressibleByArgument, Sendable {
    public var bytes: Int64
    public init?(argument: String) {
        guard let bytes = ByteSize.parse(argument) else { return nil }
        self.bytes = bytes
    }
    public static var defaultCompletionKind: CompletionKind { .list(["512M", "1G", "2G", "4G", "8G"]) }
}

extension String {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s.removeFirst() }
        while s.last?.isWhitespace == true { s.removeLast() }
        return String(s)
    }
}
