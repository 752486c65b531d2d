import NestErrors
import Foundation
import TestSupport
import Testing
@testable import NestStore

@Suite("VM rules")
struct VMRuleTests {
    @Test("Names are unique per host without regard to case, but may repeat on another host")
    func uniqueNames() throws {
        let inventory = try freshInventory()
        let lab1 = try inventory.make("lab1")
        #expect(category { try inventory.make("LAB1") } == .nameInUse)
        _ = try inventory.setProcessor(
            host: nil, .id(lab1.id),
            {
                var c = ProcessorChanges(); c.exposeVirtualizationExtensions = true; return c
            }())
        try inventory.make("lab1", host: "lab1")
        #expect(try inventory.vms(host: "lab1").rows.map(\.name) == ["lab1"])
        #expect(try inventory.vms(host: "lab1").host.computerName == "lab1")
    }

    @Test("Acting inside a VM needs a VM that exposes virtualization extensions; an unknown host is an error")
    func hosts() throws {
        let inventory = try freshInventory()
        try inventory.make("lab1")
        #expect(category { try inventory.make("nested1", host: "lab1") } == .hostLacksVirtualizationExtensions)
        #expect(category { try inventory.make("nested1", host: "nope") } == .hostNotFound)
        #expect(category { _ = try inventory.vms(host: "nope") } == .hostNotFound)
        var changes = ProcessorChanges()
        changes.exposeVirtualizationExtensions = true
        _ = try inventory.setProcessor(host: nil, .name("lab1"), changes)
        try inventory.make("nested1", host: "lab1")
        _ = try inventory.setProcessor(host: "lab1", .name("nested1"), changes)
        try inventory.make("deep", host: "lab1/nested1")
        #expect(try inventory.vms(host: "LAB1/nested1").host.computerName == "lab1/nested1")
        #expect(try inventory.vms(host: "localhost").rows.map(\.name) == ["lab1"])
    }

    @Test("Memory changes only while Off, in range, in 2M steps, and with dynamic memory minimum ≤ startup ≤ maximum")
    func memory() throws {
        let inventory = try freshInventory()
        try inventory.make("vm1")
        var changes = VMChanges()
        changes.memoryStartupBytes = 2 << 30
        #expect(try inventory.setVM(host: nil, .name("vm1"), changes).row.memoryStartup == 2 << 30)
        changes.memoryStartupBytes = 16 << 20
        #expect(category { _ = try inventory.setVM(host: nil, .name("vm1"), changes) } == .memoryOutOfRange)
        changes.memoryStartupBytes = (1 << 30) + (1 << 20)
        #expect(category { _ = try inventory.setVM(host: nil, .name("vm1"), changes) } == .memoryOutOfRange)
        var dynamic = VMChanges()
        dynamic.dynamicMemoryEnabled = true
        dynamic.memoryMinimumBytes = 4 << 30
        #expect(category { _ = try inventory.setVM(host: nil, .name("vm1"), dynamic) } == .memoryOutOfRange)
        dynamic.memoryMinimumBytes = 512 << 20
        #expect(try inventory.setVM(host: nil, .name("vm1"), dynamic).row.dynamicMemoryEnabled)
        for state in [VMState.running, .paused, .saved] {
            try inventory.setState(host: nil, .name("vm1"), to: state)
            changes.memoryStartupBytes = 1 << 30
            let expected: ErrorCategory = state == .saved ? .vmHasSavedState : .vmNotOff
            #expect(category { _ = try inventory.setVM(host: nil, .name("vm1"), changes) } == expected)
        }
        var notes = VMChanges()
        notes.notes = "notes change any time"
        #expect(try inventory.setVM(host: nil, .name("vm1"), notes).row.notes == "notes change any time")
    }

    @Test("Remove: Off yes; Saved only with force; Running or Paused never; nested objects only with force")
    func remove() throws {
        let inventory = try freshInventory()
        try inventory.make("off")
        _ = try inventory.removeVM(host: nil, .name("off"), force: false)
        try inventory.make("saved")
        try inventory.setState(host: nil, .name("saved"), to: .saved)
        #expect(category { _ = try inventory.removeVM(host: nil, .name("saved"), force: false) } == .vmHasSavedState)
        _ = try inventory.removeVM(host: nil, .name("saved"), force: true)
        for state in [VMState.running, .paused] {
            try inventory.make("busy")
            try inventory.setState(host: nil, .name("busy"), to: state)
            #expect(category { _ = try inventory.removeVM(host: nil, .name("busy"), force: true) } == .vmNotOff)
            try inventory.setState(host: nil, .name("busy"), to: .off)
            _ = try inventory.removeVM(host: nil, .name("busy"), force: false)
        }
        try inventory.make("lab1")
        var changes = ProcessorChanges()
        changes.exposeVirtualizationExtensions = true
        _ = try inventory.setProcessor(host: nil, .name("lab1"), changes)
        try inventory.make("nested1", host: "lab1")
        _ = try inventory.newSwitch(host: "lab1", name: "inner", type: .internal, notes: "")
        #expect(category { _ = try inventory.removeVM(host: nil, .name("lab1"), force: false) } == .hostHasNestedObjects)
        _ = try inventory.removeVM(host: nil, .name("lab1"), force: true)
        #expect(try inventory.vms(host: nil).rows.isEmpty)
        let leftovers = try inventory.store.read { db in
            try Int.fetchOne(
                db, sql: "SELECT (SELECT count(*) FROM vm) + (SELECT count(*) FROM vmSwitch) + (SELECT count(*) FROM netAdapter)")
        }
        #expect(leftovers == 0)
    }

    @Test("New-VM checks generation, version, memory and processor count")
    func newChecks() throws {
        let inventory = try freshInventory()
        #expect(category { try inventory.make("a", version: "8.4") } == .unsupportedConfigurationVersion)
        #expect(category { try inventory.make("a", memory: 8 << 20) } == .memoryOutOfRange)
        #expect(category { try inventory.make("a", generation: 3) } == .invalidArgument)
        var spec = NewVMSpec(name: "a")
        spec.processorCount = 65
        #expect(category { _ = try inventory.newVM(host: nil, spec) } == .processorOutOfRange)
        spec.generation = 2
        _ = try inventory.newVM(host: nil, spec)
        #expect(category { _ = try inventory.newVM(host: nil, NewVMSpec(name: "b").with(switchName: "nope")) } == .objectNotFound)
        #expect(try inventory.vms(host: nil).rows.map(\.name) == ["a"])
    }
}

@Suite("State store")
struct StoreTests {
    @Test("A damaged database is refused with what to do, and left as it is")
    func damaged() throws {
        let directory = TestDirectory.path("damaged")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let file = directory + "/" + Store.databaseName
        try Data("not a database at all, just text".utf8).write(to: URL(fileURLWithPath: file))
        do {
            _ = try Store(directory: directory)
            Issue.record("opened a damaged store")
        } catch {
            #expect(error.category == .storeUnavailable)
            #expect(error.message.contains("is damaged") && error.message.contains("move it aside"))
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == Data("not a database at all, just text".utf8))
    }

    @Test("The state directory is created with mode 0700")
    func mode() throws {
        let directory = TestDirectory.path("mode") + "/state"
        _ = try Store(directory: directory)
        let attributes = try FileManager.default.attributesOfItem(atPath: directory)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o700)
    }
}

extension NewVMSpec {
    func with(switchName: String) -> NewVMSpec {
        var copy = self
        copy.switchName = switchName
        return copy
    }
}
