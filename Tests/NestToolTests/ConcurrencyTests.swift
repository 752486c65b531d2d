import Foundation
import Testing

/// Several processes changing the same and different objects at once, as cron jobs would: every check-then-change
/// is one transaction, so no update is lost and no rule is broken.
@Suite("Concurrent writers")
struct ConcurrencyTests {
    static let workers = 6

    /// Runs `command(worker)` in `workers` shells started together, and waits for all.
    func together(_ runner: ToolRunner, _ command: @Sendable (Int) -> String) throws -> [ToolRunner.Result] {
        let results = ResultsBox(count: Self.workers)
        DispatchQueue.concurrentPerform(iterations: Self.workers) { worker in
            results.set(worker, try? runner.run(command(worker)))
        }
        return try results.values.map { try #require($0) }
    }

    @Test("No update is lost: each worker's VMs, adapters and settings are all there")
    func noLostUpdates() throws {
        let runner = try ToolRunner()
        _ = try runner.run("vmrun new shared --generation 2 >/dev/null && vmswitch new sw --type private >/dev/null")
        let results = try together(runner) { w in
            "for i in 1 2 3 4 5; do vmrun new w\(w)-$i >/dev/null || exit 1; done; vmnet add shared --adapter-name a\(w) --switch-name sw || exit 1; vmproc set w\(w)-1 --count \(w + 1)"
        }
        #expect(results.allSatisfy { $0.status == 0 }, "\(results.map(\.stderr))")
        #expect(try runner.run("vmrun get --name | grep -c '^w'").stdout == "\(Self.workers * 5)\n")
        let macs = try runner.run("vmnet get shared | jq -r .MacAddress | sort -u | wc -l").stdout
        #expect(macs == "\(Self.workers)\n", "every adapter kept its own dynamic MAC")
        for w in 0..<Self.workers {
            #expect(try runner.run("vmproc get w\(w)-1 | jq .Count").stdout == "\(w + 1)\n")
        }
    }

    @Test("A new state directory's first users wait for one of them to create it: none fails, no creation is lost")
    func concurrentFirstUse() throws {
        let runner = try ToolRunner()
        // Each round starts on a directory that does not exist yet; half the workers list, half create.
        for round in 0..<12 {
            let dir = "\(runner.stateDirectory)/fresh\(round)"
            let results = try together(runner) { w in
                w % 2 == 0 ? "vmrun get --state-dir '\(dir)' >/dev/null" : "vmrun new f\(w) --state-dir '\(dir)' >/dev/null"
            }
            #expect(results.allSatisfy { $0.status == 0 }, "round \(round): \(results.map(\.stderr))")
            #expect(try runner.run("vmrun get --state-dir '\(dir)' --name | wc -l").stdout == "\(Self.workers / 2)\n", "round \(round)")
        }
    }

    @Test("No rule is broken: one name, one NAT per host, 8 adapters per VM, whoever comes first")
    func rulesHold() throws {
        let runner = try ToolRunner()
        _ = try runner.run("vmrun new target --generation 2 >/dev/null")
        let names = try together(runner) { _ in "vmrun new same >/dev/null" }
        #expect(names.filter { $0.status == 0 }.count == 1)
        #expect(names.filter { $0.stderr.contains("[NameInUse]") }.count == Self.workers - 1)
        let nats = try together(runner) { w in "netnat new nat\(w) --internal-prefix 10.\(w).0.0/16 >/dev/null" }
        #expect(nats.filter { $0.status == 0 }.count == 1)
        #expect(try runner.run("netnat get --name | wc -l").stdout == "1\n")
        let adapters = try together(runner) { _ in "for i in 1 2; do vmnet add target; done" }
        #expect(adapters.allSatisfy { $0.status == 0 || $0.stderr.contains("[AdapterLimit]") })
        #expect(try runner.run("vmnet get target --name | wc -l").stdout == "8\n")
    }

    @Test("A store held busy past NESTVM_BUSY_TIMEOUT: a change exits 75 with StoreBusy, nothing is written, and reads do not wait")
    func busyStore() throws {
        let runner = try ToolRunner()
        _ = try runner.run("vmrun new first > /dev/null")
        // Another process takes the write lock, says so through a file, and holds it until vmrun has finished (at
        // most 60 s), so the test does not depend on how fast either process starts.
        let dir = runner.stateDirectory
        let holder =
            "import sqlite3, time, os; c = sqlite3.connect('\(dir)/nestvm.sqlite', isolation_level=None); c.execute('BEGIN IMMEDIATE'); open('\(dir)/held', 'w').close(); [time.sleep(0.05) for _ in range(1200) if not os.path.exists('\(dir)/done')]"
        let script = """
            python3 -c "\(holder)" & holder=$!
            for _ in $(seq 600); do [ -e '\(dir)/held' ] && break; sleep 0.1; done
            vmrun new second; status=$?
            vmrun get --name || status=$((status + 100))
            touch '\(dir)/done'; wait $holder; exit $status
            """
        let result = try runner.run(script, environment: ["NESTVM_BUSY_TIMEOUT": "0.2"])
        #expect(result.status == 75, "the change waits and gives up; the listing beside it succeeds")
        #expect(result.stderr.contains("[StoreBusy]"))
        #expect(result.stdout == "first\n", "a read under WAL sees the last committed state while a writer holds the lock")
        #expect(try runner.run("vmrun get --name").stdout == "first\n")
    }
}

/// A store this user may read but not write: listing works, changes are refused, and nothing is created.
@Suite("Read-only store")
struct ReadOnlyStoreTests {
    static var canMount: Bool { geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") }

    @Test("On a read-only mount the tools list and check, and a change says the store is read-only (69)", .enabled(if: canMount))
    func readOnlyMount() throws {
        let runner = try ToolRunner()
        let script = """
            vmrun new lab1 --memory 4G > /dev/null
            unshare -m sh -c '
              mount --bind "$NESTVM_HOME" "$NESTVM_HOME" && mount -o remount,bind,ro "$NESTVM_HOME" || exit 9
              vmrun get -o VMName,State --format tsv --no-headings; echo "get $?"
              vmproc get lab1 --format tsv -o VMName,Count --no-headings; echo "vmproc $?"
              vmrun new second 2>&1; echo "new $?"
            '
            ls "$NESTVM_HOME"
            """
        let result = try runner.run(script)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout.split(separator: "\n").prefix(5) == [
                "lab1\tOff", "get 0", "lab1\t1", "vmproc 0",
                "vmrun: could not write the state store: it is read-only for you (another user's, or on a read-only file system); only reading works [StoreUnavailable]",
            ])
        #expect(result.stdout.contains("new 69"))
        #expect(!result.stdout.contains("nestvm.sqlite-wal"), "the store at rest is the database file alone")
    }
}

/// A fixed-size box the concurrent workers write their results into.
final class ResultsBox: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [ToolRunner.Result?]
    init(count: Int) { storage = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: ToolRunner.Result?) { lock.withLock { storage[index] = value } }
    var values: [ToolRunner.Result?] { lock.withLock { storage } }
}
