import DeviceModels
import Foundation
import Machine
import Testing

/// The integration channel end to end: minivisor's records reach L0 over the machine's virtio console.
@Suite("integration channel")
struct IntegrationChannelTests {
    /// Runs minivisor with `modules` and returns its console and the lines it sent over the channel.
    static func run(_ modules: [(String, [UInt8])], exposed: Bool = true) throws -> (console: String, records: [String]) {
        let machine = try Machine(
            MachineConfiguration(
                memoryBytes: 128 << 20, exposeVirtualizationExtensions: exposed, image: try ShippedGuests.bytes("minivisor"),
                commandLine: "exit-when-idle memory=16", modules: modules.map { BootModule(name: $0.0, bytes: $0.1) }))
        var console: [UInt8] = []
        var framer = LineFramer(limit: 65536)
        var records: [[UInt8]] = []
        for _ in 0..<200 {
            let status = machine.run(budget: 10_000_000)
            console += machine.takeOutput()
            records += framer.append(machine.console.takeTransmitted())
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
