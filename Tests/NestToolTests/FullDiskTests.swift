import Foundation
import Testing

/// A full disk: the VM runs on, the console output it could not log is counted in its exit reason, its exit is
/// kept until the store can take it, and the tools keep working. The full disk is a small tmpfs mounted in a
/// mount namespace of the test's own, so these tests need root and unshare(1).
@Suite("Full disk")
struct FullDiskTests {
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

    @Test(
        "A run that ends while the disk is full keeps its exit beside the VM, and the store takes it once there is room",
        .enabled(if: canMount))
    func exitOnFullDisk() throws {
        let runner = try ToolRunner()
        // The whole state directory on a 2 MiB tmpfs: the VM starts, the disk fills, the VM is stopped; the disk
        // is filled again (closing the store freed its log) for a read, and then room is made.
        let script = """
            unshare -m sh -c '
              mkdir -p -m 700 "$NESTVM_HOME" && mount -t tmpfs -o size=2m,mode=0700 tmpfs "$NESTVM_HOME" || exit 9
              vmrun new echo --image hello --memory 64M --command-line echo > /dev/null
              vmrun start echo > /dev/null
              dd if=/dev/zero of="$NESTVM_HOME/fill" bs=64k 2>/dev/null
              vmrun stop echo > /dev/null 2>&1
              echo "stopped $?"
              dd if=/dev/zero of="$NESTVM_HOME/fill2" bs=4k 2>/dev/null
              vmrun get echo -o State --format tsv --no-headings
              ls "$NESTVM_HOME/vms/"*/exit
              rm "$NESTVM_HOME/fill" "$NESTVM_HOME/fill2"
              vmrun get echo -o State,ExitStatus,ExitReason --format tsv --no-headings
              ls "$NESTVM_HOME/vms/"*/exit 2>/dev/null | wc -l
            '
            """
        let result = try runner.run(script)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(result.status == 0, "\(result.stderr)")
        guard lines.count == 5 else {
            Issue.record("unexpected output: \(lines) \(result.stderr)")
            return
        }
        #expect(lines[0] == "stopped 69", "the stop could not record the VM as Off on a full disk")
        #expect(lines[1] == "Running", "a read still works on the full disk (the recovery waits for room)")
        #expect(lines[2].hasSuffix("/exit"), "the worker kept its exit beside the VM")
        #expect(lines[3].hasPrefix("Off\t3\tthe guest wrote 1 to the exit port"), "the run's own exit, not 137")
        #expect(lines[4] == "0", "the record is removed once the store has it")
    }
}
