import Testing
@testable import NestStore

@Suite("Nested virtualization check and fix")
struct NestedCheckTests {
    @Test("A fresh VM lacks only the flag; a prepared one has no findings")
    func basic() throws {
        let inventory = try freshInventory()
        try inventory.make("lab1")
        #expect(
            try inventory.nestedFindings(host: nil, selectors: [.name("lab1")]).map { $0.record.string("Check")! } == [
                "ExposeVirtualizationExtensions"
            ])
        _ = try inventory.enableNested(host: nil, .name("lab1"), apply: true)
        #expect(try inventory.nestedFindings(host: nil, selectors: []).isEmpty)
    }

    @Test("Every problem is found, and enable-nested fixes them in Enable-NestedVm's order")
    func everything() throws {
        let inventory = try freshInventory()
        try inventory.make("lab1", memory: 1 << 30, version: "7.0")
        var dynamic = VMChanges()
        dynamic.dynamicMemoryEnabled = true
        _ = try inventory.setVM(host: nil, .name("lab1"), dynamic)
        _ = try inventory.newSwitch(host: nil, name: "sw", type: .private, notes: "")
        _ = try inventory.addAdapter(host: nil, .name("lab1"), name: "a", switchName: "sw", staticMac: nil)
        _ = try inventory.addAdapter(host: nil, .name("lab1"), name: "unplugged", switchName: nil, staticMac: nil)
        try inventory.setState(host: nil, .name("lab1"), to: .running)
        let checks = try inventory.nestedFindings(host: nil, selectors: [.name("lab1")]).map { $0.record.string("Check")! }
        #expect(checks == ["NotOff", "ConfigurationVersion", "ExposeVirtualizationExtensions", "DynamicMemory", "MacAddressSpoofing"])
        let plan = try inventory.enableNested(host: nil, .name("lab1"), apply: false)
        #expect(
            plan.map { $0.record.string("Property")! } == [
                "State", "Version", "ExposeVirtualizationExtensions", "DynamicMemoryEnabled", "MacAddressSpoofing",
            ])
        #expect(try inventory.vms(host: nil).rows[0].state == .running, "a dry run changes nothing")
        _ = try inventory.enableNested(host: nil, .name("lab1"), apply: true)
        let row = try inventory.vms(host: nil).rows[0]
        #expect(row.state == .off && row.exposeVirtualizationExtensions && !row.dynamicMemoryEnabled && row.version == "12.0")
        #expect(try inventory.nestedFindings(host: nil, selectors: []).isEmpty)
    }

    @Test("Startup memory must hold the nested VMs' startup memory and 512M for the hypervisor")
    func memory() throws {
        let inventory = try freshInventory()
        try inventory.make("lab1", memory: 1 << 30)
        _ = try inventory.enableNested(host: nil, .name("lab1"), apply: true)
        try inventory.make("n1", host: "lab1", memory: 256 << 20)
        #expect(try inventory.nestedFindings(host: nil, selectors: []).isEmpty)
        try inventory.make("n2", host: "lab1", memory: 512 << 20)
        let findings = try inventory.nestedFindings(host: nil, selectors: [])
        #expect(findings.map { $0.record.string("Check")! } == ["Memory"])
        #expect(findings[0].record.string("Fix") == "vmrun set lab1 --memory-startup-bytes 1280M")
        _ = try inventory.enableNested(host: nil, .name("lab1"), apply: true)
        #expect(try inventory.vms(host: nil).rows[0].memoryStartup == 1280 << 20)
    }

    @Test("The VM needs as many processors as its widest nested VM")
    func processors() throws {
        let inventory = try freshInventory()
        try inventory.make("lab1", memory: 1 << 30)
        _ = try inventory.enableNested(host: nil, .name("lab1"), apply: true)
        try inventory.make("n1", host: "lab1", memory: 64 << 20)
        var wide = ProcessorChanges()
        wide.count = 2
        _ = try inventory.setProcessor(host: "lab1", .name("n1"), wide)
        let findings = try inventory.nestedFindings(host: nil, selectors: [])
        #expect(findings.map { $0.record.string("Check")! } == ["Processors"])
        #expect(findings[0].record.string("Fix") == "vmproc set lab1 --count 2")
        #expect(findings[0].severity == .error)
        _ = try inventory.enableNested(host: nil, .name("lab1"), apply: true)
        #expect(try inventory.vms(host: nil).rows[0].processorCount == 2)
        #expect(try inventory.nestedFindings(host: nil, selectors: []).isEmpty)
    }

    @Test("A saved VM's saved state is discarded first")
    func saved() throws {
        let inventory = try freshInventory()
        try inventory.make("lab1")
        try inventory.setState(host: nil, .name("lab1"), to: .saved)
        #expect(
            try inventory.nestedFindings(host: nil, selectors: []).map { $0.record.string("Check")! } == [
                "SavedState", "ExposeVirtualizationExtensions",
            ])
        _ = try inventory.enableNested(host: nil, .name("lab1"), apply: true)
        #expect(try inventory.vms(host: nil).rows[0].state == .off)
    }
}
