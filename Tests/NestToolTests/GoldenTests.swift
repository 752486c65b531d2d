import Foundation
import Testing
import TestSupport

/// Transcript tests: each `Golden/NAME.cmds` holds shell commands, one per line; running them against a fresh
/// state directory must print exactly `Golden/NAME.golden` — stdout as is, stderr lines marked `2>`, and every
/// exit status. Ids and times are replaced by stable placeholders in order of appearance.
///
/// After a deliberate change of output: `NESTVM_UPDATE_GOLDEN=1 make test` rewrites the files; review the diff.
@Suite("Golden transcripts of the tools")
struct GoldenTests {
    static let directory = PackageRoot.path + "/Tests/NestToolTests/Golden"

    static var scenarios: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".cmds") }.map { String($0.dropLast(5)) }.sorted()
    }

    @Test("Transcript matches", arguments: scenarios)
    func transcript(name: String) throws {
        let commands = try String(contentsOfFile: "\(Self.directory)/\(name).cmds", encoding: .utf8)
        let runner = try ToolRunner()
        var transcript = ""
        for line in commands.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("#") || line.trimmingCharacters(in: .whitespaces).isEmpty {
                transcript += line + "\n"
                continue
            }
            let result = try runner.run(String(line))
            transcript += "$ \(line)\n"
            transcript += result.stdout
            for errLine in result.stderr.split(separator: "\n") { transcript += "2> \(errLine)\n" }
            transcript += "=> \(result.status)\n"
        }
        let normalized = Self.normalize(transcript, stateDirectory: runner.stateDirectory)
        let goldenPath = "\(Self.directory)/\(name).golden"
        if ProcessInfo.processInfo.environment["NESTVM_UPDATE_GOLDEN"] == "1" {
            try normalized.write(toFile: goldenPath, atomically: true, encoding: .utf8)
            return
        }
        let golden = try String(contentsOfFile: goldenPath, encoding: .utf8)
        if normalized != golden {
            let got = normalized.split(separator: "\n", omittingEmptySubsequences: false)
            let want = golden.split(separator: "\n", omittingEmptySubsequences: false)
            let index = Array(zip(got, want)).firstIndex { $0 != $1 } ?? min(got.count, want.count)
            Issue.record(
                "\(name).golden differs at line \(index + 1):\n  want: \(index < want.count ? want[index] : "<end>")\n  got:  \(index < got.count ? got[index] : "<end>")"
            )
        }
    }

    /// Replaces UUIDs with `<id-N>`, ISO times with `<time>`, and the state directory with `$NESTVM_HOME`.
    static func normalize(_ text: String, stateDirectory: String) -> String {
        var ids: [String: Int] = [:]
        let uuid = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/
        let time = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/
        return text.replacingOccurrences(of: stateDirectory, with: "$NESTVM_HOME")
            .replacing(uuid) { match in
                let id = match.output.lowercased()
                let number = ids[id] ?? (ids.count + 1)
                ids[id] = number
                return "<id-\(number)>"
            }
            .replacing(time, with: "<time>")
    }
}
