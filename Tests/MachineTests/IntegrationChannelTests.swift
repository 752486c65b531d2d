import DeviceModels
import Foundation
import Machine
import Testing
import TestSupport

/// The integration channel end to end: minivisor's records reach L0 over the machine's virtio console.
@Suite("integration channel")
struct IntegrationChannelTests {
    /// Runs minivisor with `modules` and returns its console and the lines it sent over the channel.
    static func run(_ modules: [(String, [UInt8])], exposed: Bool = true, inventory: [UInt8]? = nil, processors: Int = 1) throws -> (
        console: String, records: [String]
    ) {
        let machine = try Machine(
            MachineConfiguration(
                memoryBytes: 128 << 20, processorCount: processors, exposeVirtualizationExtensions: exposed,
                image: try ShippedGuests.bytes("minivisor"), commandLine: "exit-when-idle memory=16",
                modules: modules.map { BootModule(name: $0.0, bytes: $0.1) }))
        var console: [UInt8] = []
        var framer = LineFramer(limit: 65536)
        var records: [[UInt8]] = []
        for _ in 0..<200 {
            let status = machine.run(budget: 10_000_000)
            console += machine.takeOutput()
            let before = records.count
            records += framer.append(machine.console.takeTransmitted())
            // What L0's worker would send once minivisor announced itself.
            if let inventory, before == 0, !records.isEmpty { machine.console.send(inventory) }
            if status != .running { break }
        }
        return (String(decoding: console, as: UTF8.self), records.map { String(decoding: $0, as: UTF8.self) })
    }

    @Test("minivisor announces itself, reports each nested VM's start, console lines and end")
    func reports() throws {
        let run = try Self.run([("nested1", try ShippedGuests.bytes("hello"))])
        #expect(run.records.first == #"{"Kind":"IntegrationService","Service":"minivisor","Version":1,"NestedVMs":1}"#)
        #expect(run.records.contains(#"{"Kind":"VirtualMachine","VMName":"nested1","State":"Running","MemoryAssigned":16777216}"#))
        #expect(run.records.contains(#"{"Kind":"VMConsole","VMName":"nested1","Data":"hello from a nestvm guest\n"}"#))
        #expect(
            run.records.last?.hasPrefix(
                #"{"Kind":"VirtualMachine","VMName":"nested1","State":"Off","ExitStatus":3,"ExitReason":"the guest wrote 1 to the exit port""#
            ) == true)
    }
}

extension IntegrationChannelTests {
    @Test("The inventory L0 sends: a VM with its image starts; junk lines, nested objects, bad escapes and lying sizes are ignored")
    func inventory() throws {
        let hello = try ShippedGuests.bytes("hello")
        let junk = [
            "not json", #"{"Kind":"VirtualMachine","VMName":{"x":1}}"#, #"{"Kind":"VirtualMachine","VMName":"a\q"}"#,
            #"{"Kind":"VirtualMachine","VMName":"a","MemoryStartup":1.5}"#, String(repeating: "x", count: 70_000),
            #"{"Kind":"VirtualMachine","VMName":"huge","MemoryStartup":33554432,"ImageBytes":99999999999}"#,
        ]
        var stream = Array(junk.joined(separator: "\n").utf8) + [0x0A]
        let web = #"{"Kind":"VirtualMachine","VMName":"web\u00e9","MemoryStartup":33554432,"CommandLine":"x=\"1\"","ImageBytes":"#
        stream += Array((web + "\(hello.count)}\n").utf8) + hello
        let long = #"{"Kind":"VirtualMachine","VMName":"long","MemoryStartup":33554432,"CommandLine":""#
        stream += Array((long + String(repeating: "w", count: 40_960) + "\",\"ImageBytes\":\(hello.count)}\n").utf8) + hello
        stream += Array(#"{"Kind":"InventoryEnd","Count":3}"#.utf8) + [0x0A]
        let run = try Self.run([], inventory: stream)
        #expect(run.console.contains("minivisor: webé: 32 MiB, starting (its AutomaticStartAction)"))
        #expect(run.console.contains(#"[webé] command line: "x="1"""#), "its own command line, escapes decoded")
        #expect(run.console.contains("minivisor: webé ended: status 3, the guest wrote 1 to the exit port;"))
        #expect(!run.console.contains("huge"), "a record whose image is larger than minivisor takes starts nothing")
        #expect(
            run.console.contains(
                "minivisor: long cannot start: its command line is 40960 bytes, and the boot information holds at most 40959"),
            "the limit L0 keeps for its own command lines (GuestLayout.stringsSize with the NUL)")
    }
}

extension IntegrationChannelTests {
    @Test("The inventory's changes while minivisor runs: said per VM in each batch; records for VMs it lacks are ignored")
    func inventoryChanges() throws {
        let batches = [
            // At boot: nothing said.
            #"{"Kind":"VirtualMachine","VMName":"nested1","VMId":"id1","MemoryStartup":33554432,"ProcessorCount":1}"#,
            #"{"Kind":"VMProcessor","VMName":"nested1","VMId":"id1","Count":1}"#,
            #"{"Kind":"VMNetworkAdapter","Name":"Ethernet","Id":"a1","VMName":"nested1","VMId":"id1","MacAddressSpoofing":"Off"}"#,
            #"{"Kind":"InventoryEnd","Count":1}"#,
            #"{"Kind":"VMMemory","VMName":"nested1","VMId":"id1","Startup":67108864}"#,
            #"{"Kind":"VirtualMachine","VMName":"nested2","VMId":"id2","MemoryStartup":33554432,"ProcessorCount":1}"#,
            #"{"Kind":"VMProcessor","VMName":"nested2","VMId":"id2","Count":2}"#,
            #"{"Kind":"VMProcessor","VMName":"ghost","VMId":"zz","Count":4}"#,
            #"{"Kind":"VirtualMachine","VMName":"ghost","VMId":"zz","Removed":true}"#,
            #"{"Kind":"VMNetworkAdapter","Name":"x","Id":"a9","VMId":"zz","Removed":true}"#, #"{"Kind":"VMMemory","Startup":1}"#,
            #"{"Kind":"InventoryEnd","Count":2,"Changed":3}"#,
            #"{"Kind":"VMNetworkAdapter","Name":"Ethernet","Id":"a1","VMName":"nested1","VMId":"id1","MacAddressSpoofing":"On"}"#,
            #"{"Kind":"VMMemory","VMName":"nested2","VMId":"id2","Startup":16777216}"#,
            #"{"Kind":"VirtualMachine","VMName":"nested2","VMId":"id2","Removed":true}"#,
            #"{"Kind":"InventoryEnd","Count":1,"Changed":2}"#,
            #"{"Kind":"VMMemory","VMName":"nested1","VMId":"id1","Startup":67108864}"#,
            #"{"Kind":"InventoryEnd","Count":1,"Changed":0}"#,
        ]
        let run = try Self.run([], inventory: Array((batches.joined(separator: "\n") + "\n").utf8))
        let said = run.console.split(separator: "\n").filter { $0.hasPrefix("minivisor: inventory") }
        #expect(
            said == [
                "minivisor: inventory changed: nested1: 64 MiB; nested2 defined (32 MiB, 1 processor)",
                "minivisor: inventory changed: nested1: adapter 'Ethernet' changed; nested2 removed",
            ], "a VM defined is not also said to change; a batch that changes nothing says nothing")
    }
}

/// Device memory: an access to the virtio-mmio window is an EPT violation that L0 serves by emulating the one
/// instruction with the device in reach.
@Suite("device memory")
struct DeviceMemoryTests {
    static func run(_ source: String) throws -> Machine {
        let machine = try Machine(MachineConfiguration(memoryBytes: 32 << 20, image: try AssembledGuest.build(source)))
        _ = machine.run(budget: 1_000_000)
        return machine
    }

    /// The message of a machine that stopped on something it does not emulate; nil (and an issue) otherwise.
    static func unsupported(_ machine: Machine) -> String? {
        guard case .unsupported(let message) = machine.stop else {
            Issue.record("stopped: \(String(describing: machine.stop))")
            return nil
        }
        return message
    }

    @Test("A 32-bit load from the console's registers reads the virtio magic, through the boot page tables' device window")
    func load() throws {
        let machine = try Self.run("movabs $0x1000000000, %rbx; movl (%rbx), %eax; outl %eax, $0xf4")
        #expect(machine.stop == .guestExit(0x7472_6976))
    }

    @Test("Stores reach the device: the status register written through a MOV reads back, and the instruction retires once")
    func store() throws {
        let machine = try Self.run(
            "movabs $0x1000000000, %rbx; movl $3, 0x70(%rbx); movl 0x70(%rbx), %eax; addl $1, %eax; outl %eax, $0xf4")
        #expect(machine.stop == .guestExit(4))
        #expect(machine.console.status == 3)
        #expect(machine.instructionsRetired == 4, "each emulated instruction retires once (the OUT exits before it retires)")
    }

    @Test("The boot page tables map the device window not executable: a jump there is a page fault (a triple fault here)")
    func noExecute() throws {
        let machine = try Self.run("movabs $0x1000000000, %rbx; jmp *%rbx")
        #expect(machine.stop == .tripleFault(processor: 0))
    }

    @Test("Code fetched from a device the guest mapped executable stops the machine, naming the device and the address")
    func fetch() throws {
        // The window's page-directory entry follows RAM's tables (0x10000 + 3 pages for 32 MiB); clear its XD bit.
        let machine = try Self.run("movabs $0x1000000000, %rbx; andl $0x7fffffff, 0x13004; invlpg (%rbx); jmp *%rbx")
        #expect(
            Self.unsupported(machine)?.contains("fetched code from virtio console at guest-physical 0x1000000000; devices hold no code")
                == true)
    }

    @Test("Past the device's registers but inside its page is no device: the machine stops as for any address outside RAM")
    func outsideDevice() throws {
        let machine = try Self.run("movabs $0x1000000800, %rbx; movl (%rbx), %eax; hlt")
        #expect(Self.unsupported(machine)?.contains("read from guest-physical 0x1000000800") == true)
    }
}

extension IntegrationChannelTests {
    @Test("Requests L0 sends while minivisor waits: each answered, hostile ones refused with their category; a start runs")
    func requests() throws {
        let hello = try ShippedGuests.bytes("hello")
        let machine = try Machine(
            MachineConfiguration(
                memoryBytes: 128 << 20, exposeVirtualizationExtensions: true, image: try ShippedGuests.bytes("minivisor"),
                commandLine: "memory=16"))
        func start(_ id: Int, _ name: String, extra: String = "", image: [UInt8]) -> [UInt8] {
            let line =
                #"{"Kind":"Request","Action":"Start","VMName":"\#(name)","RequestId":\#(id),"MemoryStartup":16777216,"CommandLine":"echo""#
                + extra + #","ImageBytes":\#(image.count)}"#
            return Array((line + "\n").utf8) + image
        }
        var requests = Array(
            ([
                "not json", #"{"Kind":"Request","Action":"Stop","VMName":"ghost","RequestId":1}"#,
                #"{"Kind":"Request","Action":"Start","VMName":"a","RequestId":2}"#,
            ].joined(separator: "\n") + "\n").utf8)
        requests += start(3, "b", image: Array("garbage!".utf8))
        requests += start(4, "c", extra: #","ProcessorCount":2"#, image: hello)
        requests += start(5, "web", image: hello)
        requests += start(6, "web", image: hello)
        requests += Array((#"{"Kind":"Request","Action":"Input","VMName":"web","Data":"hi\nexit\n"}"# + "\n").utf8)
        var framer = LineFramer(limit: 65536)
        var records: [String] = [], console: [UInt8] = []
        var sent = false
        for _ in 0..<400 {
            let status = machine.run(budget: 5_000_000)
            console += machine.takeOutput()
            records += framer.append(machine.console.takeTransmitted()).map { String(decoding: $0, as: UTF8.self) }
            if !sent, !records.isEmpty {
                machine.console.send(Array((#"{"Kind":"InventoryEnd","Count":0}"# + "\n").utf8) + requests)
                sent = true
            }
            if records.contains(where: { $0.contains(#""VMName":"web","State":"Off""#) }) { machine.isStopRequested = true }
            if case .stopped = status { break }
        }
        let results = records.filter { $0.hasPrefix(#"{"Kind":"RequestResult""#) }
        #expect(
            results == [
                #"{"Kind":"RequestResult","RequestId":1,"VMName":"ghost","Result":"Refused","Category":"VMNotRunning","Message":"it is not running"}"#,
                #"{"Kind":"RequestResult","RequestId":2,"VMName":"a","Result":"Refused","Category":"BadImage","Message":"no image came with the start request"}"#,
                #"{"Kind":"RequestResult","RequestId":3,"VMName":"b","Result":"Refused","Category":"BadImage","Message":"its image is not a bootable ELF64 file: it does not start with the ELF magic number"}"#,
                #"{"Kind":"RequestResult","RequestId":4,"VMName":"c","Result":"Refused","Category":"ProcessorOutOfRange","Message":"its ProcessorCount is 2, and each of its processors needs one of this VM's, of which 1 runs nested VMs"}"#,
                #"{"Kind":"RequestResult","RequestId":5,"VMName":"web","Result":"Done"}"#,
                #"{"Kind":"RequestResult","RequestId":6,"VMName":"web","Result":"Refused","Category":"VMAlreadyRunning","Message":"it is already running"}"#,
            ])
        let text = String(decoding: console, as: UTF8.self)
        #expect(text.contains("[web] echo: hi (2 bytes)"), "input reached its COM1")
        #expect(text.contains("minivisor: web ended: status 3, the guest wrote 1 to the exit port"))
        let started = try #require(records.firstIndex { $0.contains(#""VMName":"web","State":"Running""#) })
        #expect(records.firstIndex(of: results[4]).map { $0 > started } == true, "the answer after the state it caused")
    }
}

extension IntegrationChannelTests {
    /// A random request line from the parts a hostile L0 may combine: known and unknown actions, names that are
    /// not VMs, absurd sizes and counts, wrong types, truncation, and bytes that are not JSON at all.
    static func hostileLine(_ g: inout SplitMix64) -> [UInt8] {
        let actions = ["Start", "Stop", "TurnOff", "Pause", "Resume", "Input", "Reboot", "", "start"]
        let names = ["web", "ghost", "", "a\\u0000b", String(repeating: "n", count: 300)]
        let extras = [
            #","MemoryStartup":-1"#, #","MemoryStartup":99999999999999"#, #","ProcessorCount":0"#,
            #","ImageBytes":-3"#, #","ImageBytes":123456789012"#, #","ImageBytes":"12""#, #","RequestId":"x""#,
            #","ImageBytes":40"#, #","Data":12"#, #","Reason":null"#, #","CommandLine":{"a":1}"#,
            #","ExposeVirtualizationExtensions":"yes""#,
        ]
        func pick<T>(_ items: [T]) -> T { items[Int(g.next() % UInt64(items.count))] }
        switch g.next() % 4 {
        case 0: return (0..<Int(g.next() % 200)).map { _ in UInt8(truncatingIfNeeded: g.next()) }.filter { $0 != 0x0A }
        default:
            var line = #"{"Kind":"Request","Action":""# + pick(actions) + #"","VMName":""# + pick(names) + #"""#
            for _ in 0..<Int(g.next() % 4) { line += pick(extras) }
            if g.next() % 3 != 0 { line += #","RequestId":\#(g.next() % 1000)"# }
            line += "}"
            if g.next() % 5 == 0 { line.removeLast(Int(g.next() % UInt64(line.count))) }
            return Array(line.utf8)
        }
    }

    @Test("Hostile requests in random mixes: minivisor answers what it can, ignores the rest, and goes on serving")
    func hostileRequests() throws {
        var g = SplitMix64(seed: 0xBAD_5EED)
        var stream = Array((#"{"Kind":"InventoryEnd","Count":0}"# + "\n").utf8)
        for _ in 0..<300 { stream += Self.hostileLine(&g) + [0x0A] }
        // Last, past what a start announcing an image may swallow, a request whose answer shows minivisor serving.
        stream += Array(repeating: UInt8(ascii: "x"), count: 64) + [0x0A]
        stream += Array((#"{"Kind":"Request","Action":"Pause","VMName":"last","RequestId":4242}"# + "\n").utf8)
        let machine = try Machine(
            MachineConfiguration(
                memoryBytes: 128 << 20, exposeVirtualizationExtensions: true, image: try ShippedGuests.bytes("minivisor"),
                commandLine: "memory=16"))
        var framer = LineFramer(limit: 65536)
        var records: [String] = []
        var sent = false
        for _ in 0..<400 {
            let status = machine.run(budget: 5_000_000)
            _ = machine.takeOutput()
            records += framer.append(machine.console.takeTransmitted()).map { String(decoding: $0, as: UTF8.self) }
            if !sent, !records.isEmpty {
                machine.console.send(stream)
                sent = true
            }
            if records.contains(where: { $0.contains(#""RequestId":4242"#) }) { break }
            if case .stopped(let stop) = status {
                Issue.record("minivisor stopped: \(stop)")
                break
            }
        }
        #expect(
            records.last
                == #"{"Kind":"RequestResult","RequestId":4242,"VMName":"last","Result":"Refused","Category":"VMNotRunning","Message":"it is not running"}"#
        )
        #expect(machine.stop == nil, "minivisor is still running")
    }
}

extension IntegrationChannelTests {
    /// An inventory record starting `name` with `image` and `count` processors.
    static func starting(_ name: String, _ image: [UInt8], processors count: Int) -> [UInt8] {
        let record =
            #"{"Kind":"VirtualMachine","VMName":"\#(name)","VMId":"id-\#(name)","MemoryStartup":16777216,"ProcessorCount":\#(count),"ImageBytes":\#(image.count)}"#
        return Array((record + "\n").utf8) + image
    }

    @Test("A nested VM with two processors runs them on two of L1's: hello starts its secondary through its mailbox")
    func twoNestedProcessors() throws {
        let hello = try ShippedGuests.bytes("hello")
        let inventory = Self.starting("wide", hello, processors: 2) + Array(#"{"Kind":"InventoryEnd","Count":1}"#.utf8) + [0x0A]
        let run = try Self.run([], inventory: inventory, processors: 2)
        #expect(run.console.contains("minivisor: wide: 16 MiB, starting on processors 0, 1 (its AutomaticStartAction)\n"))
        #expect(run.console.contains("[wide] processors running: 2 of 2\n"), "\(run.console)")
        #expect(run.console.contains("minivisor: wide ended: status 3, the guest wrote 1 to the exit port;"))
    }

    /// Processor 1 of each nested VM is started through its mailbox: in one it triple-faults, which ends that VM
    /// alone; in the other it counts while processor 0 sleeps through three timer interrupts, which reach
    /// processor 0 while processor 1 runs on another of L1's processors.
    @Test("A nested secondary processor's triple fault ends its VM alone; timer interrupts wake processor 0 while it computes")
    func nestedSecondaries() throws {
        let start = AssembledGuest.startSecondary(at: "second")
        let crash = try AssembledGuest.build(start + "\n1: pause\njmp 1b\nsecond: ud2")
        let counter = try AssembledGuest.build(
            start + "\n" + AssembledGuest.installGate(vector: 0x20, handler: "tick") + "\n" + AssembledGuest.initializePIC(masterMask: 0xFE)
                + "\n" + AssembledGuest.millisecondTimer + """

                    xor %ebx, %ebx
                    sti
                    1: hlt
                    cmp $3, %ebx
                    jb 1b
                    cmpq $0, count(%rip)
                    setne %al
                    out %al, $0xf4
                    second: incq count(%rip)
                    jmp second

                    """ + AssembledGuest.tickHandler + "\n.data\ncount: .quad 0")
        let inventory =
            Self.starting("crash", crash, processors: 2) + Self.starting("counter", counter, processors: 2)
            + Array(#"{"Kind":"InventoryEnd","Count":2}"#.utf8) + [0x0A]
        let run = try Self.run([], inventory: inventory, processors: 2)
        #expect(run.console.contains("minivisor: crash ended: status 98, triple fault on processor 1;"), "\(run.console)")
        #expect(run.console.contains("minivisor: counter ended: status 3, the guest wrote 1 to the exit port;"))
    }
}
