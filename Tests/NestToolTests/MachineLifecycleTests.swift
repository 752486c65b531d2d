import Foundation
import Testing

/// Running VMs through the tools: concurrent starts, the console, and what a killed worker leaves behind.
@Suite("VM lifecycle through vmrun", .serialized)
struct MachineLifecycleTests {
    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("Two shells starting the same VM at once: one wins, the other is told it is already running")
    func concurrentStart() throws {
        let runner = try ToolRunner()
        _ = try runner.run("vmrun new race --image bench --memory 64M --command-line rounds=100000000")
        for round in 0..<3 {
            let box = ResultsBox(count: 2)
            DispatchQueue.concurrentPerform(iterations: 2) { k in box.set(k, try? runner.run("vmrun start race")) }
            let results = box.values.compactMap { $0 }
            #expect(results.map(\.status).sorted() == [0, 1], "round \(round)")
            let loser = results.first { $0.status == 1 }
            #expect(loser?.stderr.contains("[VMAlreadyRunning]") == true, "round \(round): \(loser?.stderr ?? "")")
            let state = try Self.json(runner.run("vmrun get race --format json").stdout)
            #expect(state["State"] as? String == "Running")
            let stopped = try runner.run("vmrun stop race --turn-off --passthru --format json")
            #expect(try Self.json(stopped.stdout)["State"] as? String == "Off")
        }
    }

    @Test("vmrun console follows the console log until the VM stops, and reports why it stopped")
    func consoleFollowsUntilStop() throws {
        let runner = try ToolRunner()
        _ = try runner.run("vmrun new chatty --image hello --memory 64M")
        // hello ends at once; the console of a VM that is not running is an error that says what to do.
        let notRunning = try runner.run("vmrun console chatty")
        #expect(notRunning.status == 1 && notRunning.stderr.contains("[VMNotRunning]"))
        _ = try runner.run("vmrun new long --image bench --memory 64M --command-line rounds=100000000")
        #expect(try runner.run("vmrun start long").status == 0)
        let followed = try runner.run("( sleep 2; vmrun stop long --turn-off ) & vmrun console long; wait")
        #expect(followed.status == 0)
        #expect(followed.stderr.contains("vmrun: long: stopped: turned off (vmrun stop --turn-off)"))
    }

    @Test("On a terminal, each line typed into vmrun console is in the VM's own history at once, even after Ctrl-C")
    func consoleHistory() throws {
        let runner = try ToolRunner()
        _ = try runner.run("vmrun new echo1 --image hello --memory 64M --command-line echo && vmrun start echo1")
        // A terminal for the console (python's pty): type a line, wait for it to echo, press Ctrl-C. Every wait is
        // bounded (30 s) so that a console that ignored Ctrl-C would fail the test, not hang it.
        let driver = #"""
            import os, pty, select, sys, time
            pid, fd = pty.fork()
            if pid == 0:
                os.execvp("vmrun", ["vmrun", "console", "echo1"])
            seen, deadline = b"", time.time() + 30
            def wait_for(text):
                global seen
                while text not in seen and time.time() < deadline:
                    if select.select([fd], [], [], 0.1)[0]:
                        try: seen += os.read(fd, 4096)
                        except OSError: return
            time.sleep(0.5)
            os.write(fd, b"typed before ctrl-c\r")
            wait_for(b"typed before ctrl-c")
            os.write(fd, b"\x03")
            while time.time() < deadline:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done: break
                time.sleep(0.05)
            else:
                os.kill(pid, 9); done, status = os.waitpid(pid, 0)
            print("ended", os.WEXITSTATUS(status) if os.WIFEXITED(status) else "by signal")
            """#
        let result = try runner.run("python3 -c '\(driver.replacingOccurrences(of: "'", with: "'\\''"))'")
        #expect(result.stdout.contains("ended 0"), "Ctrl-C ends the console cleanly; the VM runs on: \(result.stdout) \(result.stderr)")
        let id = try runner.run("vmrun get echo1 -o VMId --format tsv --no-headings").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let history = try String(contentsOfFile: runner.stateDirectory + "/vms/\(id)/console_history", encoding: .utf8)
        #expect(history.contains("typed before ctrl-c"))
        #expect(try runner.run("vmrun get echo1 -o State --format tsv --no-headings").stdout == "Running\n")
        _ = try runner.run("vmrun stop echo1 --turn-off")
    }

    @Test("A state directory too long for the control socket is refused before the run begins, with the limit")
    func longStateDirectory() throws {
        let runner = try ToolRunner()
        let home = runner.stateDirectory + "/" + String(repeating: "d", count: 80)
        defer { try? FileManager.default.removeItem(atPath: home) }
        let result = try runner.run(
            "vmrun new sl --image hello --memory 64M > /dev/null && vmrun start sl; echo $?; vmrun run sl; echo $?; vmrun get sl -o State,ExitStatus --format tsv --no-headings",
            environment: ["NESTVM_HOME": home])
        #expect(result.stdout == "69\n69\nOff\t\n", "refused twice, and no exit status recorded for runs that never began")
        #expect(result.stderr.contains("a Unix socket's path has at most 107; use a state directory of at most 53 bytes"))
    }

    @Test("vmrun get shows a running VM's uptime, instructions retired and assigned memory")
    func runningVMRecord() throws {
        let runner = try ToolRunner()
        _ = try runner.run("vmrun new busy --image bench --memory 64M --command-line rounds=100000000")
        _ = try runner.run("vmrun start busy")
        // The worker stores its progress about once a second; give a slow build a few seconds.
        var record: [String: Any] = [:]
        for _ in 0..<40 {
            Thread.sleep(forTimeInterval: 0.25)
            record = try Self.json(runner.run("vmrun get busy --format json").stdout)
            if (record["InstructionsRetired"] as? Int ?? 0) > 0 { break }
        }
        #expect(record["State"] as? String == "Running")
        #expect((record["InstructionsRetired"] as? Int ?? 0) > 0)
        #expect(record["MemoryAssigned"] as? Int == 64 << 20)
        #expect((record["Uptime"] as? String)?.hasPrefix("00:00:0") == true)
        #expect(record["WorkerPID"] as? Int != nil)
        _ = try runner.run("vmrun stop busy --turn-off")
    }

    /// A guest that polls its first adapter's link (virtio-net status, VIRTIO_NET_S_LINK_UP) every 40,000
    /// instructions and writes U or D to COM1 at each change sees `vmnet disconnect` and `connect` while it runs.
    @Test("A running VM's adapter link follows vmnet disconnect and connect")
    func linkFollowsConnect() throws {
        let runner = try ToolRunner()
        let guest = """
            .globl _start
            _start: mov 72(%rdi), %ebx
            mov 40(%rbx), %rsi
            mov $2, %ecx
            1: movzwl 0x106(%rsi), %eax
            cmp %eax, %ecx
            je 2f
            mov %eax, %ecx
            test %eax, %eax
            mov $0x44, %al
            jz 3f
            mov $0x55, %al
            3: mov $0x3f8, %dx
            out %al, %dx
            mov $0x0a, %al
            out %al, %dx
            2: mov $20000, %edx
            4: dec %edx
            jnz 4b
            jmp 1b
            """
        let directory = runner.stateDirectory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try guest.write(toFile: directory + "/link.S", atomically: true, encoding: .utf8)
        let built = try runner.run(
            "cc -nostdlib -static -no-pie -Wl,-N -Wl,-Ttext=0x100000 -Wl,--no-warn-rwx-segments -Wl,--build-id=none -Wl,-z,noexecstack -o '\(directory)/link.elf' '\(directory)/link.S'"
        )
        try #require(built.status == 0, "\(built.stderr)")
        _ = try runner.run("vmrun new lk --image '\(directory)/link.elf' --memory 64M && vmswitch new sw --switch-type private")
        _ = try runner.run("vmnet add lk --switch-name sw && vmrun start lk")
        // Each wait is bounded (15 s).
        let seen = try runner.run(
            """
            seen() { for i in $(seq 150); do [ "$(tr -d '\\n' < "$NESTVM_HOME"/vms/*/console.log)" = "$1" ] && return 0; sleep 0.1; done; return 1; }
            seen U && vmnet disconnect lk > /dev/null && seen UD && vmnet connect lk --switch-name sw > /dev/null && seen UDU
            """)
        _ = try runner.run("vmrun stop lk --turn-off")
        #expect(seen.status == 0, "\(seen.stdout)\(seen.stderr)")
    }
}
