import Foundation
import Testing
import TestSupport

@Suite("Shell completion")
struct CompletionTests {
    static let tools = ["vmrun", "vmproc", "vmnet", "vmswitch", "netnat"]
    /// Where each shell's script for a tool lives under completions/.
    static func file(shell: String, tool: String) -> String {
        switch shell {
        case "zsh": return "zsh/_\(tool)"
        case "fish": return "fish/\(tool).fish"
        default: return "bash/\(tool)"
        }
    }

    @Test("The checked-in scripts are what the tools generate (run `make completions` after changing options)", arguments: tools)
    func noDrift(tool: String) throws {
        let runner = try ToolRunner()
        for shell in ["bash", "zsh", "fish"] {
            let file = { Self.file(shell: shell, tool: $0) }
            let generated = try runner.run("\(tool) --generate-completion-script \(shell)")
            #expect(generated.status == 0)
            let path = PackageRoot.path + "/completions/" + file(tool)
            let checkedIn = (try? String(contentsOfFile: path, encoding: .utf8)) ?? "<missing \(path)>"
            #expect(generated.stdout == checkedIn, "completions/\(file(tool)) drifted from `\(tool) --generate-completion-script \(shell)`")
        }
    }

    @Test("Names complete from the live store, by prefix, in the state directory and host the words name")
    func liveNames() throws {
        let runner = try ToolRunner()
        _ = try runner.run(
            "vmrun new lab1 && vmrun new lab2 && vmrun new web && vmproc set lab1 --nested true && vmrun new --host lab1 inner && vmswitch new VmNAT --type internal && netnat new LocalNAT --internal-prefix 10.0.0.0/24"
        )
        #expect(try runner.run("vmproc ---completion set -- positional@0 2 2 vmproc set la").stdout == "lab1\nlab2\n")
        #expect(try runner.run("vmproc ---completion set -- positional@0 4 2 vmproc set --host lab1 ''").stdout == "inner\n")
        #expect(try runner.run("vmnet ---completion add -- --switch-name 3 0 vmnet add lab1 --switch-name ''").stdout == "VmNAT\n")
        #expect(try runner.run("netnat ---completion remove -- positional@0 2 0 netnat remove ''").stdout == "LocalNAT\n")
        #expect(try runner.run("vmnet ---completion adapter get -- positional@0 3 0 vmnet adapter get ''").stdout == "vEthernet (VmNAT)\n")
        let files = try FileManager.default.contentsOfDirectory(atPath: runner.stateDirectory)
        #expect(!files.contains { $0.hasSuffix("-wal") || $0.hasSuffix("-shm") }, "a TAB leaves no files behind")
    }

    @Test("--image offers the shipped guests and the files the word begins; Boolean options offer true and false")
    func values() throws {
        let runner = try ToolRunner()
        let guests = try runner.run("vmrun ---completion new -- --image 3 0 vmrun new a --image ''").stdout
        #expect(guests.split(separator: "\n").prefix(2) == ["bench", "hello"])
        let directory = runner.stateDirectory + "-images"
        try FileManager.default.createDirectory(atPath: directory + "/sub", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: directory + "/kernel.elf", contents: Data())
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let files = try runner.run("vmrun ---completion set -- --image 3 \(directory.utf8.count + 1) vmrun set a --image '\(directory)/'")
            .stdout
        #expect(files == "\(directory)/kernel.elf\n\(directory)/sub/\n")
        for shell in ["bash/vmproc", "zsh/_vmproc", "fish/vmproc.fish"] {
            let script = try String(contentsOfFile: PackageRoot.path + "/completions/" + shell, encoding: .utf8)
            #expect(script.contains("true") && script.contains("false"), "\(shell) offers true and false")
        }
    }

    @Test("Completion is silent and creates nothing when there is no store or the host is unknown")
    func silentOnError() throws {
        let runner = try ToolRunner()
        let missing = try runner.run("vmrun ---completion get -- positional@0 2 0 vmrun get ''")
        #expect(missing.stdout.isEmpty && missing.stderr.isEmpty && missing.status == 0)
        #expect(!FileManager.default.fileExists(atPath: runner.stateDirectory))
        _ = try runner.run("vmrun new lab1")
        let badHost = try runner.run("vmrun ---completion get -- positional@0 4 0 vmrun get --host nope ''")
        #expect(badHost.stdout.isEmpty && badHost.stderr.isEmpty && badHost.status == 0)
    }
}
