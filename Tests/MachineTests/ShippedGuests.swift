import Foundation
import Machine
import TestSupport

/// The shipped guests built by `make guests` (the test command builds them first).
enum ShippedGuests {
    static let directory = URL(fileURLWithPath: PackageRoot.path).appendingPathComponent(".build/guests")

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent("\(name).elf")))
    }

    /// Runs a machine to its end (or `budget` instructions) and returns its console text and how it stopped.
    static func run(_ configuration: MachineConfiguration, budget: UInt64 = 2_000_000_000) throws -> (
        output: String, status: Machine.Status
    ) {
        let machine = try Machine(configuration)
        var output: [UInt8] = []
        var status = Machine.Status.running
        var spent: UInt64 = 0
        while spent < budget {
            status = machine.run(budget: 10_000_000)
            output += machine.takeOutput()
            spent += 10_000_000
            if status != .running { break }
        }
        return (String(decoding: output, as: UTF8.self), status)
    }
}
