import NestErrors
import Testing
@testable import NestStore

@Suite("Processor rules (Set-VMProcessor)")
struct ProcessorRuleTests {
    func expose(_ value: Bool = true) -> ProcessorChanges {
        var changes = ProcessorChanges()
        changes.exposeVirtualizationExtensions = value
        return changes
    }

    @Test("ExposeVirtualizationExtensions changes only while Off", arguments: [VMState.running, .paused, .saved])
    func flagNeedsOff(state: VMState) throws {
        let inventory = try freshInventory()
        try inventory.make("vm1")
        try inventory.setState(host: nil, .name("vm1"), to: state)
        let expected: ErrorCategory = state == .saved ? .vmHasSavedState : .vmNotOff
        #expect(category { _ = try inventory.setProcessor(host: nil, .name("vm1"), expose()) } == expected)
        #expect(category { _ = try inventory.setProcessor(host: nil, .name("vm1"), expose(false)) } == expected)
        try inventory.setState(host: nil, .name("vm1"), to: .off)
        #expect(try inventory.setProcessor(host: nil, .name("vm1"), expose()).row.exposeVirtualizationExtensions)
    }

    @Test("Exposing needs configuration version 8.0 or later", arguments: ["5.0", "7.1", "8.0", "9.3", "12.0"])
    func version(version: String) throws {
        let inventory = try freshInventory()
        try inventory.make("vm1", version: version)
        let tooOld = ConfigurationVersion(version)! < .minimumForNesting
        #expect(
            category { _ = try inventory.setProcessor(host: nil, .name("vm1"), expose()) } == (tooOld ? .configurationVersionTooOld : nil))
        // Turning it off is always allowed on an Off VM.
        #expect(category { _ = try inventory.setProcessor(host: nil, .name("vm1"), expose(false)) } == nil)
        if tooOld {
            _ = try inventory.updateVersion(host: nil, .name("vm1"))
            #expect(try inventory.setProcessor(host: nil, .name("vm1"), expose()).row.version == "12.0")
        }
    }

    @Test("Count changes only while Off; Maximum, Reserve and RelativeWeight at any time, in range")
    func ranges() throws {
        let inventory = try freshInventory()
        try inventory.make("vm1")
        var count = ProcessorChanges()
        count.count = 4
        #expect(try inventory.setProcessor(host: nil, .name("vm1"), count).row.processorCount == 4)
        count.count = 241
        #expect(category { _ = try inventory.setProcessor(host: nil, .name("vm1"), count) } == .processorOutOfRange)
        try inventory.setState(host: nil, .name("vm1"), to: .running)
        count.count = 2
        #expect(category { _ = try inventory.setProcessor(host: nil, .name("vm1"), count) } == .vmNotOff)
        var live = ProcessorChanges()
        live.maximum = 50
        live.reserve = 10
        live.relativeWeight = 200
        let row = try inventory.setProcessor(host: nil, .name("vm1"), live).row
        #expect((row.processorMaximum, row.processorReserve, row.relativeWeight) == (50, 10, 200))
        var tooMuch = ProcessorChanges()
        tooMuch.maximum = 101
        var noWeight = ProcessorChanges()
        noWeight.relativeWeight = 0
        for bad in [tooMuch, noWeight] {
            #expect(category { _ = try inventory.setProcessor(host: nil, .name("vm1"), bad) } == .processorOutOfRange)
        }
    }
}
