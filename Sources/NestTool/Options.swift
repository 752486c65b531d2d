import ArgumentParser
import Foundation
import NestErrors
import NestRecords
import NestStore

/// Where the state lives and which host's inventory a command acts on; every tool takes these.
public struct GlobalOptions: ParsableArguments {
    /// The state directory, when given with --state-dir.
    @Option(
        name: .customLong("state-dir"),
        help: ArgumentHelp("The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).", valueName: "dir"),
        completion: .directory)
    public var stateDirectory: String?

    /// The host whose inventory the command acts on (--host, --computer-name).
    @Option(
        name: [.customLong("host"), .customLong("computer-name")],
        help: ArgumentHelp(
            "Act inside this VM's inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).",
            valueName: "vm"), completion: Completions.vmNames(onHost: false))
    public var host: String?

    /// Whether stdin is left alone (--no-stdin, -n): no records are read from it, as ssh -n does.
    @Flag(
        name: [.customShort("n"), .customLong("no-stdin")],
        help: "Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).")
    public var noStdin = false

    /// Options as ArgumentParser fills them.
    public init() {}

    /// The `--host` path in force: the flag, else `NESTVM_HOST`, else L0.
    public var hostPath: String? {
        if let host { return host }
        if let env = Environment.value("NESTVM_HOST"), !env.isEmpty { return env }
        return nil
    }

    /// The state directory in force: `--state-dir`, else `NESTVM_HOME`, else `${XDG_STATE_HOME:-$HOME/.local/state}/nestvm`.
    public var resolvedStateDirectory: String {
        get throws(NestError) {
            guard let directory = Self.stateDirectory(flag: stateDirectory) else {
                throw NestError(
                    .invalidSetting,
                    "no state directory: HOME is not set; set NESTVM_HOME (or HOME, or XDG_STATE_HOME), or pass --state-dir")
            }
            return directory
        }
    }

    /// The arguments with the global options that come before the subcommand (`vmrun --state-dir D new a`, as
    /// with `git -C`) moved after it, where ArgumentParser looks for them; anything else is left as it is.
    public static func movingLeadingOptions(_ arguments: [String]) -> [String] {
        let valued = ["--state-dir", "--host", "--computer-name"]
        var leading: [String] = [], index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if valued.contains(argument), index + 1 < arguments.count {
                leading += arguments[index...index + 1]
                index += 2
            } else if argument == "-n" || argument == "--no-stdin" || valued.contains(where: { argument.hasPrefix($0 + "=") }) {
                leading.append(argument)
                index += 1
            } else {
                break
            }
        }
        guard !leading.isEmpty, index < arguments.count else { return arguments }
        var rest = Array(arguments[index...])
        rest.insert(contentsOf: leading, at: rest.firstIndex(of: "--") ?? rest.endIndex)
        return rest
    }

    /// The arguments with a negative number after a long option joined to it (`--memory -1` becomes
    /// `--memory=-1`), so that the option's own check refuses the value ("the value '-1' is invalid for
    /// '--memory <size>'") instead of ArgumentParser taking `-1` for an option and saying the value is missing.
    public static func joiningNegativeValues(_ arguments: [String]) -> [String] {
        var out: [String] = [], index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument.hasPrefix("--"), argument.count > 2, !argument.contains("="), index + 1 < arguments.count,
                let next = arguments[index + 1].dropFirst().first, arguments[index + 1].hasPrefix("-"),
                next.isNumber || next == "."
            {
                out.append(argument + "=" + arguments[index + 1])
                index += 2
            } else {
                out.append(argument)
                index += 1
            }
            if argument == "--" {
                out += arguments[index...]
                break
            }
        }
        return out
    }

    /// `--state-dir`, else `$NESTVM_HOME`, else `$XDG_STATE_HOME/nestvm`, else `$HOME/.local/state/nestvm`; nil
    /// when none is set (not the current directory, which would scatter state wherever a command runs).
    static func stateDirectory(flag: String?) -> String? {
        if let flag, !flag.isEmpty { return flag }
        if let home = Environment.value("NESTVM_HOME"), !home.isEmpty { return home }
        if let xdg = Environment.value("XDG_STATE_HOME"), !xdg.isEmpty { return xdg + "/nestvm" }
        guard let home = Environment.value("HOME"), !home.isEmpty else { return nil }
        return home + "/.local/state/nestvm"
    }
}

/// Hyper-V's `-VMName`: VMs named by option as well as by position (`vmproc get --vm-name lab1`).
public struct VMNameOption: ParsableArguments {
    /// The VMs named with `--vm-name`.
    @Option(
        name: .customLong("vm-name"), help: ArgumentHelp("A VM to act on (repeatable; the same as naming it).", valueName: "vm"),
        completion: Completions.vmNames())
    public var names: [String] = []

    /// No VMs named.
    public init() {}
}

/// How records are printed.
public struct OutputOptions: ParsableArguments {
    /// The output format (--format), or nil for the default.
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Output format: json (JSON Lines), table, list or tsv (default: table on a terminal, else json).", valueName: "format"))
    public var format: OutputFormat?

    /// The keys to print (--fields), in order.
    @Option(name: [.customShort("o"), .long], help: ArgumentHelp("Only these keys, comma-separated, in this order.", valueName: "keys"))
    public var fields: String?

    /// Whether table and tsv output leave out their headings (--no-headings).
    @Flag(name: .customLong("no-headings"), help: "Leave out the heading lines of table and tsv output.")
    public var noHeadings = false

    /// Whether only names are printed, one per line (--name).
    @Flag(name: .customLong("name"), help: "Print only names, one per line (for xargs and scripts).")
    public var namesOnly = false

    /// Options as ArgumentParser fills them.
    public init() {}

    /// The keys `--fields` asks for.
    public var fieldList: [String]? {
        fields.map { $0.split(separator: ",").map { String($0).trimmingSpaces() }.filter { !$0.isEmpty } }
    }
}

/// Options of the commands that change objects.
public struct ChangeOptions: ParsableArguments {
    /// Whether changed objects are printed as records (--passthru).
    @Flag(name: .customLong("passthru"), help: "Print the changed objects as records, so a pipeline can go on.")
    public var passthru = false

    /// Whether the command stops at the first object that fails (--stop-on-error).
    @Flag(name: .customLong("stop-on-error"), help: "Stop at the first object that fails instead of going on with the rest.")
    public var stopOnError = false

    /// The output format of --passthru records (--format), or nil for the default.
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Format of what --passthru prints: json, table, list or tsv (default: table on a terminal, else json).", valueName: "format"))
    public var format: OutputFormat?

    /// Options as ArgumentParser fills them.
    public init() {}
}

extension OutputFormat: ExpressibleByArgument {
    /// The format named `argument`, in any letter case (`--format TABLE`), as the other named values are.
    public init?(argument: String) {
        guard let format = OutputFormat(rawValue: argument.lowercased()) else { return nil }
        self = format
    }
}

extension AutomaticStartAction: ExpressibleByArgument {
    /// The action named `argument`, in any letter case.
    public init?(argument: String) {
        guard let action = Self.allCases.first(where: { $0.rawValue.lowercased() == argument.lowercased() }) else { return nil }
        self = action
    }
    /// The names completion offers.
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

extension VMState: ExpressibleByArgument {
    /// The format named `argument`, in any letter case.
    public init?(argument: String) {
        guard let state = VMState.allCases.first(where: { $0.rawValue.lowercased() == argument.lowercased() }) else { return nil }
        self = state
    }
    /// The names completion offers.
    public static var allValueStrings: [String] { allCases.map { $0.rawValue.lowercased() } }
}

extension HostAdapterType: ExpressibleByArgument {
    /// `user` or `tap`, in any letter case.
    public init?(argument: String) {
        guard let type = HostAdapterType.allCases.first(where: { $0.rawValue.lowercased() == argument.lowercased() }) else { return nil }
        self = type
    }
    /// The names completion offers.
    public static var allValueStrings: [String] { allCases.map { $0.rawValue.lowercased() } }
    /// As help shows a default.
    public var defaultValueDescription: String { rawValue.lowercased() }
}

extension SwitchType: ExpressibleByArgument {
    /// The value named `argument`, in any letter case.
    public init?(argument: String) {
        guard let type = SwitchType.allCases.first(where: { $0.rawValue.lowercased() == argument.lowercased() }) else { return nil }
        self = type
    }
    /// The names completion offers.
    public static var allValueStrings: [String] { allCases.map { $0.rawValue.lowercased() } }
}

/// A Boolean as PowerShell users write it: `true`/`false`, `$true`/`$false`, `1`/`0`, `yes`/`no`.
public struct BoolArgument: ExpressibleByArgument, Sendable {
    /// The Boolean.
    public var value: Bool
    /// The Boolean `argument` spells, or nil for anything else.
    public init?(argument: String) {
        switch argument.lowercased() {
        case "true", "$true", "1", "yes", "on": value = true
        case "false", "$false", "0", "no", "off": value = false
        default: return nil
        }
    }
    /// The spellings completion offers.
    public static var allValueStrings: [String] { ["true", "false"] }
    /// Completion offers `allValueStrings`.
    public static var defaultCompletionKind: CompletionKind { .list(allValueStrings) }
}

/// Hyper-V's OnOffState: `On` or `Off` (true/false accepted too).
public struct OnOffArgument: ExpressibleByArgument, Sendable {
    /// Whether the setting is On.
    public var isOn: Bool
    /// The state `argument` spells, or nil for anything else.
    public init?(argument: String) {
        guard let parsed = BoolArgument(argument: argument) else { return nil }
        isOn = parsed.value
    }
    /// The spellings completion offers.
    public static var allValueStrings: [String] { ["on", "off"] }
    /// Completion offers `allValueStrings`.
    public static var defaultCompletionKind: CompletionKind { .list(allValueStrings) }
}

/// A duration in seconds as `Seconds` reads it: finite, 0 or more, at most `Seconds.maximum`.
public struct SecondsArgument: ExpressibleByArgument, Sendable {
    /// The number of seconds.
    public var seconds: Double
    /// The duration `argument` spells, or nil for anything else (`nan`, `inf`, negative numbers).
    public init?(argument: String) {
        guard let seconds = Seconds.parse(argument) else { return nil }
        self.seconds = seconds
    }
    /// A duration of `seconds`.
    public init(_ seconds: Double) { self.seconds = seconds }
    /// How --help shows a default: `10`, `0.5`.
    public var defaultValueDescription: String {
        seconds == seconds.rounded() ? String(Int64(seconds)) : String(seconds)
    }
}

/// A byte count as users type it: `2G`, `256MB`, `512MiB`, `1073741824`.
public struct BytesArgument: ExpressibleByArgument, Sendable {
    /// The number of bytes.
    public var bytes: Int64
    /// The size `argument` spells (a number with an optional K, M, G or T suffix), or nil.
    public init?(argument: String) {
        guard let bytes = ByteSize.parse(argument) else { return nil }
        self.bytes = bytes
    }
    /// Common sizes, for completion.
    public static var defaultCompletionKind: CompletionKind { .list(["512M", "1G", "2G", "4G", "8G"]) }
}

extension ParsableCommand {
    /// Runs a tool's root command on the process's arguments, global options accepted before the subcommand
    /// too (`GlobalOptions.movingLeadingOptions`); `machineCheck` is what the tool's inventories check VMs
    /// against (`Session.machineCheck`).
    public static func runTool(machineCheck: Inventory.MachineCheck? = nil) {
        Session.machineCheck = machineCheck
        let arguments = GlobalOptions.joiningNegativeValues(GlobalOptions.movingLeadingOptions(Array(CommandLine.arguments.dropFirst())))
        // Another option before the subcommand belongs to a subcommand: say where it goes.
        let rootOptions = ["-h", "--help", "--version", "--generate-completion-script", "--experimental-dump-help"]
        if let first = arguments.first, first.hasPrefix("-"), !first.hasPrefix("---"),
            !rootOptions.contains(where: { first == $0 || first.hasPrefix($0 + "=") })
        {
            let tool = configuration.commandName ?? "tool"
            Stream.err(
                "\(tool): \(first) is an option of the subcommands: put it after one (\(tool) SUBCOMMAND \(first) …); only --state-dir, --host and -n may come first\n"
            )
            Glibc.exit(ExitCode.validationFailure.rawValue)
        }
        main(arguments)
    }
}
