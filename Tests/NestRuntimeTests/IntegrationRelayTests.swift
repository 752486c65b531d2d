import Foundation
import NestErrors
import NestStore
import TestSupport
import Testing

@testable import NestRuntime

/// L0's end of the integration channel against what a guest may send: records it acts on, and malformed,
/// oversized and flooding input it drops and counts without acting on it.
@Suite("integration relay")
struct IntegrationRelayTests {
    /// A store with lab1 (VMX exposed) and nested1 inside it, and a relay for lab1.
    static func relay() throws -> (IntegrationRelay, Inventory, lab1: String) {
        let inventory = Inventory(store: try Store(directory: TestDirectory.path("relay")))
        var spec = NewVMSpec(name: "lab1")
        spec.image = "minivisor"
        _ = try inventory.newVM(host: nil, spec)
        var flag = ProcessorChanges()
        flag.exposeVirtualizationExtensions = true
        let lab1 = try inventory.setProcessor(host: nil, .name("lab1"), flag).row.id
        _ = try inventory.newVM(host: "lab1", NewVMSpec(name: "nested1"))
        return (IntegrationRelay(inventory: inventory, vmId: lab1, vmName: "lab1"), inventory, lab1)
    }

    static func nested1(_ inventory: Inventory) throws -> VMRow { try inventory.vms(host: "lab1", selectors: [.name("nested1")]).rows[0] }

    @Test("A start and an end, split across pieces at any byte, land in lab1's inventory")
    func startAndEnd() throws {
        let (relay, inventory, _) = try Self.relay()
        let bytes = Array(
            (#"{"Kind":"VirtualMachine","VMName":"nested1","State":"Running","MemoryAssigned":16777216}"# + "\n").utf8)
        relay.take(Array(bytes[..<17]))
        #expect(try Self.nested1(inventory).state == .off, "nothing happens before the line ends")
        relay.take(Array(bytes[17...]))
        #expect(try Self.nested1(inventory).state == .running)
        #expect(try Self.nested1(inventory).record(on: .localhost)["MemoryAssigned"] == .int(16_777_216), "what minivisor gave it")
        relay.take(Array((#"{"Kind":"VirtualMachine","VMName":"NESTED1","State":"Off","ExitStatus":3,"ExitReason":"done"}"# + "\n").utf8))
        let row = try Self.nested1(inventory)
        #expect(row.state == .off && row.exitStatus == 3 && row.exitReason == "done" && row.memoryAssigned == nil)
        #expect(relay.taken == 2 && relay.malformed == 0 && relay.summary == nil)
    }

    /// Lines a guest may send that must be dropped, each with why.
    static let malformed: [(String, String)] = [
        ("not JSON", "hello"),
        ("not an object", "[1,2]"),
        ("no Kind", #"{"VMName":"nested1"}"#),
        ("an unknown Kind", #"{"Kind":"Reboot"}"#),
        ("an invalid VM name", #"{"Kind":"VirtualMachine","VMName":"../../etc","State":"Running"}"#),
        ("an unknown state", #"{"Kind":"VirtualMachine","VMName":"nested1","State":"Exploded"}"#),
        ("an exit status out of range", #"{"Kind":"VirtualMachine","VMName":"nested1","State":"Off","ExitStatus":300,"ExitReason":"x"}"#),
        (
            "an exit status of the wrong type",
            #"{"Kind":"VirtualMachine","VMName":"nested1","State":"Off","ExitStatus":"3","ExitReason":"x"}"#
        ),
        ("an exit without a reason", #"{"Kind":"VirtualMachine","VMName":"nested1","State":"Off","ExitStatus":3}"#),
        (
            "a reason past 1024 bytes",
            #"{"Kind":"VirtualMachine","VMName":"nested1","State":"Off","ExitStatus":3,"ExitReason":""#
                + String(repeating: "x", count: 1025) + #""}"#
        ),
        ("bytes that are not UTF-8", "{\"Kind\":\"\u{FF}\"}"),
    ]

    @Test("Malformed records are dropped and counted; the first is shown; the VM's row does not change", arguments: 0..<11)
    func malformedRecord(_ index: Int) throws {
        let (relay, inventory, _) = try Self.relay()
        var line = Array(Self.malformed[index].1.utf8)
        if index == 10 { line = [0x7B, 0xFF, 0xFE, 0x7D] }
        relay.take(line + [0x0A])
        #expect(relay.malformed == 1 && relay.taken == 0, "\(Self.malformed[index].0)")
        #expect(relay.diagnostics.first?.hasPrefix("integration channel: dropped a malformed record") == true)
        #expect(try Self.nested1(inventory).state == .off)
        #expect(relay.summary == "integration channel: 0 records taken, 1 malformed and 0 oversized dropped")
    }

    @Test("A record past 64 KiB is dropped whole, the next one is taken; the count says so")
    func oversized() throws {
        let (relay, inventory, _) = try Self.relay()
        relay.take(Array((#"{"Kind":"VMConsole","VMName":"nested1","Data":""# + String(repeating: "y", count: 70_000)).utf8))
        relay.take(Array((String(repeating: "y", count: 10) + "\"}\n").utf8))
        relay.take(Array((#"{"Kind":"VirtualMachine","VMName":"nested1","State":"Running"}"# + "\n").utf8))
        #expect(relay.oversized == 1 && relay.taken == 1)
        #expect(try Self.nested1(inventory).state == .running)
        #expect(relay.framer.pendingCount == 0)
    }

    @Test("A flood: 20,000 records, a third malformed, in random pieces — every good one taken, every bad one counted")
    func flood() throws {
        let (relay, inventory, _) = try Self.relay()
        var random = SplitMix64(seed: 12)
        var stream: [UInt8] = []
        var good = 0, bad = 0
        for k in 0..<20_000 {
            if k % 3 == 0 {
                // No closing brace.
                stream += Array("{\"Kind\":\"VMConsole\",\"VMName\":\"nested1\",\"Data\":\"line \(k)\\n\"".utf8) + [0x0A]
                bad += 1
            } else {
                stream += Array("{\"Kind\":\"VMConsole\",\"VMName\":\"nested1\",\"Data\":\"line \(k)\\n\"}\n".utf8)
                good += 1
            }
        }
        var offset = 0
        while offset < stream.count {
            let n = min(stream.count - offset, Int(random.next() % 5000) + 1)
            relay.take(Array(stream[offset..<offset + n]))
            offset += n
        }
        #expect(relay.taken == good && relay.malformed == bad)
        let id = try Self.nested1(inventory).id
        let log = try String(contentsOfFile: WorkerFiles(directory: inventory.store.directory, vmId: id).consoleLog, encoding: .utf8)
        #expect(log.hasPrefix("line 1\nline 2\nline 4\n"))
        #expect(log.split(separator: "\n").count == good)
    }

    @Test("A nested VM the inventory lacks is noted once, with the command that defines it")
    func unknown() throws {
        let (relay, _, _) = try Self.relay()
        for _ in 0..<3 { relay.take(Array((#"{"Kind":"VirtualMachine","VMName":"ghost","State":"Running"}"# + "\n").utf8)) }
        #expect(
            relay.diagnostics == [
                "integration channel: the hypervisor reports nested VM 'ghost', which VM 'lab1' does not define; `vmrun new --host lab1 ghost` records its state"
            ])
    }

    @Test("lab1's run ending marks its running nested VMs Off with a reason that names lab1")
    func hostEnds() throws {
        let (relay, inventory, lab1) = try Self.relay()
        relay.take(Array((#"{"Kind":"VirtualMachine","VMName":"nested1","State":"Running"}"# + "\n").utf8))
        _ = try inventory.beginRun(.name("lab1"))
        try inventory.finishRun(vmId: lab1, exitStatus: 130, reason: "turned off", instructionsRetired: 5)
        let row = try Self.nested1(inventory)
        #expect(row.state == .off && row.exitStatus == 130)
        #expect(row.exitReason == "VM 'lab1' that ran it stopped: turned off")
    }

    /// A control client whose replies the test reads: one end of a socket pair.
    final class Peer {
        let client: ControlClient
        let fd: Int32

        init() {
            var fds: [Int32] = [0, 0]
            socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds)
            client = ControlClient(fd: fds[0])
            fd = fds[1]
        }

        deinit { close(fd) }

        /// The reply, once given (nil while none is).
        var reply: String? {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 0) > 0 else { return nil }
            return ControlChannel.readLine(fd)
        }
    }

    /// A relay whose hypervisor announced itself, with what it sends the guest collected as lines.
    static func announced() throws -> (IntegrationRelay, Inventory, sent: () -> [String]) {
        let (relay, inventory, _) = try Self.relay()
        nonisolated(unsafe) var bytes: [UInt8] = []
        relay.send = { bytes += $0 }
        relay.readImage = { _ throws(NestError) in [0x7F, 0x45, 0x4C, 0x46, 0x0A, 0x00] }
        relay.take(Array((#"{"Kind":"IntegrationService","Service":"minivisor","Version":1}"# + "\n").utf8))
        bytes.removeAll()  // the inventory
        return (relay, inventory, { String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init) })
    }

    static func take(_ relay: IntegrationRelay, _ line: String) { relay.take(Array((line + "\n").utf8)) }

    @Test("A request goes down as a Request record; its RequestResult answers the waiting client")
    func requestAnswered() throws {
        let (relay, inventory, sent) = try Self.announced()
        let id = try Self.nested1(inventory).id
        let peer = Peer()
        #expect(relay.request("pause \(id)"[...], client: peer.client) == nil)
        #expect(sent() == [#"{"Kind":"Request","Action":"Pause","VMName":"nested1","RequestId":1}"#])
        #expect(peer.reply == nil, "no answer before the hypervisor's")
        Self.take(relay, #"{"Kind":"RequestResult","RequestId":2,"Result":"Done"}"#)
        #expect(relay.malformed == 1, "an answer to no request sent is dropped")
        Self.take(relay, #"{"Kind":"RequestResult","RequestId":1,"VMName":"nested1","Result":"Done"}"#)
        #expect(peer.reply == "ok")
        #expect(relay.pending.isEmpty)
    }

    @Test("A start request carries the nested VM's settings and its image right after the line")
    func startRequest() throws {
        let (relay, inventory, _) = try Self.announced()
        nonisolated(unsafe) var bytes: [UInt8] = []
        relay.send = { bytes += $0 }
        let id = try Self.nested1(inventory).id
        let peer = Peer()
        #expect(relay.request("start \(id)"[...], client: peer.client) == nil)
        let end = bytes.firstIndex(of: 0x0A)!
        let line = String(decoding: bytes[..<end], as: UTF8.self)
        #expect(line.contains(#""Action":"Start""#) && line.contains(#""ImageBytes":6"#) && line.contains(#""MemoryStartup":"#))
        #expect(Array(bytes[(end + 1)...]) == [0x7F, 0x45, 0x4C, 0x46, 0x0A, 0x00])
    }

    @Test("A refusal reaches the client with its category and the fix; an unknown category becomes HypervisorRefused")
    func refusals() throws {
        let (relay, inventory, _) = try Self.announced()
        let id = try Self.nested1(inventory).id
        let first = Peer(), second = Peer()
        _ = relay.request("start \(id)"[...], client: first.client)
        _ = relay.request("resume \(id)"[...], client: second.client)
        Self.take(
            relay, #"{"Kind":"RequestResult","RequestId":1,"Result":"Refused","Category":"InsufficientMemory","Message":"no room"}"#)
        Self.take(relay, #"{"Kind":"RequestResult","RequestId":2,"Result":"Refused","Category":"RootKit","Message":"as you wish"}"#)
        #expect(
            first.reply
                == "error [InsufficientMemory] minivisor in VM 'lab1' refused to start 'nested1': no room (vmrun stop lab1; vmrun set lab1 --memory SIZE; or vmrun set --host lab1 nested1 --memory SIZE)"
        )
        #expect(second.reply == "error [HypervisorRefused] minivisor in VM 'lab1' refused to resume 'nested1': as you wish")
        let error = ControlChannel.error(fromReply: "[InsufficientMemory] no room"[...], vm: "lab1")
        #expect(error.category == .insufficientMemory && error.message == "no room")
    }

    @Test("Requests before the announcement wait for it; unanswered ones expire; the run's end answers the rest")
    func waiting() throws {
        let (relay, inventory, _) = try Self.relay()
        nonisolated(unsafe) var lines: [String] = []
        relay.send = { lines += String(decoding: $0, as: UTF8.self).split(separator: "\n").map(String.init) }
        let id = try Self.nested1(inventory).id
        let early = Peer(), late = Peer()
        #expect(relay.request("stop \(id)"[...], client: early.client) == nil)
        #expect(lines.isEmpty, "held until the hypervisor announces itself")
        Self.take(relay, #"{"Kind":"IntegrationService","Service":"minivisor"}"#)
        #expect(lines.last == #"{"Kind":"Request","Action":"Stop","VMName":"nested1","RequestId":1}"#)
        relay.expire(now: Date().addingTimeInterval(IntegrationRelay.answerPatience + 1))
        #expect(early.reply == "error [HypervisorRefused] minivisor in VM 'lab1' did not answer within 30 s")
        _ = relay.request("turn-off \(id) turned off: enough"[...], client: late.client)
        #expect(lines.last == #"{"Kind":"Request","Action":"TurnOff","VMName":"nested1","Reason":"turned off: enough","RequestId":2}"#)
        relay.abandonRequests("stopped")
        #expect(late.reply == "error [VMNotRunning] VM 'lab1' stopped before answering")
    }

    @Test("Input is sent at once and answered at once; an unknown nested VM or request is refused")
    func inputAndBadRequests() throws {
        let (relay, inventory, sent) = try Self.announced()
        let id = try Self.nested1(inventory).id
        #expect(relay.request("input \(id) 68690a"[...], client: Peer().client) == "ok")
        #expect(sent() == [#"{"Kind":"Request","Action":"Input","VMName":"nested1","Data":"hi\n"}"#])
        #expect(relay.request("input \(id) xyz"[...], client: Peer().client) == "error input needs hexadecimal bytes")
        #expect(relay.request("reboot \(id)"[...], client: Peer().client) == "error unknown nested request 'reboot \(id)'")
        #expect(
            relay.request("pause 00000000-0000-0000-0000-000000000000"[...], client: Peer().client)?.hasPrefix("error [ObjectNotFound]")
                == true)
    }

    @Test("Paused and resumed reports change the state only; the run's start time stays")
    func pauseReports() throws {
        let (relay, inventory, _) = try Self.relay()
        Self.take(relay, #"{"Kind":"VirtualMachine","VMName":"nested1","State":"Running"}"#)
        let started = try Self.nested1(inventory).startedAt
        Self.take(relay, #"{"Kind":"VirtualMachine","VMName":"nested1","State":"Paused"}"#)
        #expect(try Self.nested1(inventory).state == .paused)
        Self.take(relay, #"{"Kind":"VirtualMachine","VMName":"nested1","State":"Running","Resumed":true}"#)
        let row = try Self.nested1(inventory)
        #expect(row.state == .running && row.startedAt == started)
    }

    @Test("Progress records InstructionsRetired while the VM runs, at most once a second; the end's count is final")
    func progress() throws {
        let (relay, inventory, _) = try Self.relay()
        Self.take(relay, #"{"Kind":"VirtualMachine","VMName":"nested1","State":"Running"}"#)
        Self.take(relay, #"{"Kind":"VMProgress","VMName":"nested1","InstructionsRetired":1000}"#)
        #expect(try Self.nested1(inventory).instructionsRetired == 1000)
        Self.take(relay, #"{"Kind":"VMProgress","VMName":"nested1","InstructionsRetired":2000}"#)
        #expect(try Self.nested1(inventory).instructionsRetired == 1000, "the next one within the second is not written")
        Self.take(relay, #"{"Kind":"VMProgress","VMName":"nested1","InstructionsRetired":-5}"#)
        Self.take(relay, #"{"Kind":"VMProgress","VMName":"nested1","InstructionsRetired":"lots"}"#)
        #expect(relay.malformed == 2)
        Self.take(
            relay,
            #"{"Kind":"VirtualMachine","VMName":"nested1","State":"Off","ExitStatus":3,"ExitReason":"done","InstructionsRetired":5000}"#)
        let row = try Self.nested1(inventory)
        #expect(row.state == .off && row.instructionsRetired == 5000)
        Self.take(relay, #"{"Kind":"VMProgress","VMName":"nested1","InstructionsRetired":9}"#)
        #expect(try Self.nested1(inventory).instructionsRetired == 5000, "no progress for a VM that is Off")
    }
}

extension IntegrationRelayTests {
    /// What the relay sends the guest, as lines, from the moment it is called.
    static func collect(_ relay: IntegrationRelay) -> () -> [String] {
        nonisolated(unsafe) var bytes: [UInt8] = []
        relay.send = { bytes += $0 }
        return { String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init) }
    }

    @Test("The inventory goes down whole at the announcement, then only what changed, removals included, each batch ended")
    func inventoryChanges() throws {
        let (relay, inventory, _) = try Self.relay()
        _ = try inventory.addAdapter(host: "lab1", .name("nested1"), name: "Ethernet", switchName: nil, staticMac: nil)
        var sent = Self.collect(relay)
        Self.take(relay, #"{"Kind":"IntegrationService","Service":"minivisor","Version":1}"#)
        let id = try Self.nested1(inventory).id
        #expect(
            sent().map { $0.prefix(while: { $0 != "," }) } == [
                #"{"Kind":"VirtualMachine""#, #"{"Kind":"VMProcessor""#, #"{"Kind":"VMMemory""#, #"{"Kind":"VMNetworkAdapter""#,
                #"{"Kind":"InventoryEnd""#,
            ])
        #expect(sent().allSatisfy { !$0.contains("ComputerName") && !$0.contains("[") }, "flat records, without L0's computer name")
        #expect(sent()[1].contains(#""VMId":"\#(id)""#) && sent()[1].contains(#""Count":1"#))

        let later = Date().addingTimeInterval(1)
        sent = Self.collect(relay)
        relay.sendInventoryChanges(now: later)
        #expect(sent().isEmpty, "nothing changed, nothing sent")

        var memory = VMChanges()
        memory.memoryStartupBytes = 64 << 20
        _ = try inventory.setVM(host: "lab1", .name("nested1"), memory)
        relay.sendInventoryChanges(now: later)
        #expect(sent().isEmpty, "looked at no more than every half second")
        relay.sendInventoryChanges(now: later.addingTimeInterval(1))
        #expect(sent().count == 3)
        #expect(sent()[0].hasPrefix(#"{"Kind":"VirtualMachine","VMName":"nested1""#) && sent()[0].contains(#""MemoryStartup":67108864"#))
        #expect(sent()[1].hasPrefix(#"{"Kind":"VMMemory""#) && sent()[1].contains(#""Startup":67108864"#))
        #expect(sent()[2] == #"{"Kind":"InventoryEnd","Count":1,"Changed":2}"#)

        sent = Self.collect(relay)
        _ = try inventory.removeVM(host: "lab1", .name("nested1"), force: true)
        _ = try inventory.newVM(host: "lab1", NewVMSpec(name: "nested2"))
        relay.sendInventoryChanges(now: later.addingTimeInterval(2))
        let lines = sent()
        #expect(lines.filter { $0.contains(#""VMName":"nested2""#) }.count == 3, "nested2's VM, processor and memory")
        let removals = lines.filter { $0.contains(#""Removed":true"#) }
        #expect(removals.count == 4, "nested1's VM, processor, memory and adapter")
        #expect(removals.allSatisfy { $0.contains(#""VMName":"nested1","VMId":"\#(id)""#) })
        #expect(lines.last == #"{"Kind":"InventoryEnd","Count":1,"Changed":7}"#)
    }
}
