import Foundation
import NestErrors
import Testing
import TestSupport

/// The checked-in man pages (share/man/man1, written by `make man` from the commands' definitions) against the
/// tools' own --help, which the golden transcript help.cmds pins: a command or option added without `make man`
/// fails here.
@Suite("Man pages follow the commands")
struct ManPageTests {
    static let tools = ["vmrun", "vmproc", "vmnet", "vmswitch", "netnat"]

    /// Every `--option` of a tool's commands, from the help.cmds commands that belong to it.
    static func helpOptions(_ tool: String, _ runner: ToolRunner) throws -> Set<String> {
        let commands = try PackageRoot.text("Tests/NestToolTests/Golden/help.cmds").split(separator: "\n")
            .filter { $0.hasPrefix(tool + " ") }
        var options: Set<String> = []
        for command in commands {
            let help = try runner.run(String(command)).stdout
            let section = help.components(separatedBy: "OPTIONS:").dropFirst().joined()
            for line in section.split(separator: "\n") where line.hasPrefix("  -") {
                options.formUnion(line.matches(of: /--[a-z0-9-]+/).map { String($0.output) })
            }
        }
        return options
    }

    @Test("Each man page lists exactly the options its tool's --help shows", arguments: tools)
    func options(tool: String) throws {
        let runner = try ToolRunner()
        let page = try PackageRoot.text("share/man/man1/\(tool).1")
        // `.It Fl -host , -computer-name Ar vm`: the names before any argument, long ones with one dash.
        var documented: Set<String> = []
        for line in page.split(separator: "\n") where line.hasPrefix(".It Fl ") {
            let names = line.dropFirst(7).components(separatedBy: " Ar ")[0].components(separatedBy: " , ")
            documented.formUnion(names.filter { $0.hasPrefix("-") }.map { "-" + $0 })
        }
        let shown = try Self.helpOptions(tool, runner)
        #expect(!shown.isEmpty)
        #expect(shown.subtracting(documented).sorted() == [], "in --help but not in \(tool).1: run make man")
        #expect(documented.subtracting(shown).sorted() == [], "in \(tool).1 but not in --help: run make man")
    }

    @Test("help.cmds covers every subcommand the tools list")
    func coverage() throws {
        let runner = try ToolRunner()
        let listed = Set(try PackageRoot.text("Tests/NestToolTests/Golden/help.cmds").split(separator: "\n").filter { !$0.hasPrefix("#") })
        var pending = Self.tools
        while let command = pending.popLast() {
            #expect(listed.contains(Substring(command + " --help")), "help.cmds lacks \(command) --help")
            let help = try runner.run(command + " --help").stdout
            guard let section = help.components(separatedBy: "SUBCOMMANDS:").dropFirst().first else { continue }
            for line in section.split(separator: "\n", omittingEmptySubsequences: false).dropFirst() {
                if line.isEmpty { break }
                guard let name = line.wholeMatch(of: /\ \ ([a-z][a-z0-9-]*)(?: .*)?/)?.output.1, name != "help" else { continue }
                pending.append(command + " " + name)
            }
        }
    }

    @Test("nestvm(7)'s and every tool page's EXIT STATUS list the commands' statuses of the one table")
    func exitStatuses() throws {
        for page in ["man7/nestvm.7"] + Self.tools.map { "man1/\($0).1" } {
            let text = try PackageRoot.text("share/man/" + page)
            let section = text.replacingOccurrences(of: "\"EXIT STATUS\"", with: "EXIT STATUS")
                .components(separatedBy: ".Sh EXIT STATUS")[1].components(separatedBy: ".El")[0]
            let listed = section.split(separator: "\n").filter { $0.hasPrefix(".It ") }.compactMap { Int32($0.dropFirst(4)) }
            #expect(listed == ExitStatus.commandStatuses.map(\.rawValue), "\(page)")
        }
    }

    @Test("Each tool page renders without mdoc warnings in its source (no blank lines) and points to nestvm(7)", arguments: tools)
    func rendering(tool: String) throws {
        let text = try PackageRoot.text("share/man/man1/\(tool).1")
        #expect(!text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().contains(""), "no empty input lines")
        #expect(text.contains(".Sh SEE ALSO\n.Xr nestvm 7"))
        #expect(!text.contains(".Ex -std"), "the generic exit-status sentence is replaced by the table")
    }

    @Test("The hidden worker subcommand is not documented for users")
    func workerHidden() throws {
        #expect(!(try PackageRoot.text("share/man/man1/vmrun.1")).contains(".It Em worker"))
    }
}
