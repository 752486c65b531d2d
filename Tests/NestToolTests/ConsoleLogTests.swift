import Foundation
import Testing

/// The console log on a full disk: the VM runs on, the output it could not log is counted in its exit reason,
/// and the tools keep working. The full disk is a 4 KiB tmpfs mounted over the VM's directory in a mount
/// namespace of the test's own, so it needs root and unshare(1).
@Suite("Console log")
struct ConsoleLogTests {
    static var canMount: Bool {
        geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare")
    }

    @Test("A full disk drops console output and counts it; the run ends as the guest ends it", .enabled(if: canMount))
    func fullDisk() throws {
        let runner = try ToolRunner()
        let script = """
            vmrun new chatty --image hello --memory 64M > /dev/null
            d="$NESTVM_HOME/vms/$(vmrun get chatty -o VMId --format tsv --no-headings)"; mkdir -p "$NESTVM_HOME/vms"; mkdir -m 700 "$d"
            unshare -m sh -c "mount -t tmpfs -o size=4k,mode=0700 tmpfs '$d' && { dd if=/dev/zero of='$d/fill' bs=1k count=64 2>/dev/null; vmrun run chatty | wc -l; }"
            vmrun get chatty -o ExitStatus,ExitReason --format tsv --no-headings
            """
        let result = try runner.run(script)
        let lines = result.stdout.split(separator: "\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(lines.first == "16", "the guest's output still reaches stdout")
        #expect(lines.last?.hasPrefix("3\tthe guest wrote 1 to the exit port; ") == true, "\(lines)")
        #expect(lines.last?.hasSuffix("bytes of console output were not logged (No space left on device)") == true, "\(lines)")
    }
}
