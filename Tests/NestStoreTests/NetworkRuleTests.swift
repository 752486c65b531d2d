import NestErrors
import Testing
@testable import NestStore

@Suite("Network rules")
struct NetworkRuleTests {
    @Test("Adapters: at most 8, dynamic MACs from 00155D and unique, static MACs checked, gen 1 needs Off")
    func adapters() throws {
        let inventory = try freshInventory()
        try inventory.make("vm1")
        var macs: Set<String> = []
        for _ in 0..<8 {
            let record = try inventory.addAdapter(host: nil, .name("vm1"), name: "Network Adapter", switchName: nil, staticMac: nil)
            let mac = try #require(record.string("MacAddress"))
            #expect(mac.hasPrefix("00155D"))
            macs.insert(mac)
        }
        #expect(macs.count == 8)
        #expect(
            category { _ = try inventory.addAdapter(host: nil, .name("vm1"), name: "x", switchName: nil, staticMac: nil) } == .adapterLimit)
        try inventory.make("vm2")
        #expect(
            category { _ = try inventory.addAdapter(host: nil, .name("vm2"), name: "x", switchName: nil, staticMac: macs.first!) }
                == .macAddressInUse)
        #expect(
            category { _ = try inventory.addAdapter(host: nil, .name("vm2"), name: "x", switchName: nil, staticMac: "01005E000001") }
                == .invalidMacAddress)
        #expect(
            category { _ = try inventory.addAdapter(host: nil, .name("vm2"), name: "x", switchName: nil, staticMac: "nonsense") }
                == .invalidMacAddress)
        let fixed = try inventory.addAdapter(host: nil, .name("vm2"), name: "x", switchName: nil, staticMac: "02-00-00-00-00-01")
        #expect(fixed.string("MacAddress") == "020000000001")
        #expect(fixed["DynamicMacAddressEnabled"] == .bool(false))
        try inventory.make("gen1", generation: 1)
        try inventory.setState(host: nil, .name("gen1"), to: .running)
        #expect(
            category { _ = try inventory.addAdapter(host: nil, .name("gen1"), name: "x", switchName: nil, staticMac: nil) } == .vmNotOff)
        try inventory.setState(host: nil, .name("vm2"), to: .running)
        _ = try inventory.addAdapter(host: nil, .name("vm2"), name: "hot", switchName: nil, staticMac: nil)
        var mac = AdapterChanges()
        mac.staticMacAddress = "020000000002"
        #expect(category { _ = try inventory.setAdapters(host: nil, .vm(.name("vm2"), adapterName: "hot"), mac) } == .vmNotOff)
        var spoof = AdapterChanges()
        spoof.macAddressSpoofing = true
        let changed = try inventory.setAdapters(host: nil, .vm(.name("vm2"), adapterName: nil), spoof)
        #expect(changed.count == 2 && changed.allSatisfy { $0.string("MacAddressSpoofing") == "On" })
    }

    @Test("Switches: internal makes vEthernet, external refused, removal with connections needs force")
    func switches() throws {
        let inventory = try freshInventory()
        _ = try inventory.newSwitch(host: nil, name: "VmNAT", type: .internal, notes: "")
        #expect(try inventory.netAdapterRecords(host: nil).map { $0.string("Name") } == ["vEthernet (VmNAT)"])
        #expect(category { _ = try inventory.newSwitch(host: nil, name: "vmnat", type: .private, notes: "") } == .nameInUse)
        #expect(category { _ = try inventory.newSwitch(host: nil, name: "ext", type: .external, notes: "") } == .switchTypeNotAvailable)
        try inventory.make("vm1")
        _ = try inventory.addAdapter(host: nil, .name("vm1"), name: "n", switchName: "VmNAT", staticMac: nil)
        _ = try inventory.addIPAddress(host: nil, .alias("vEthernet (VmNAT)"), address: "10.1.0.1", prefixLength: 24, defaultGateway: nil)
        #expect(category { _ = try inventory.removeSwitch(host: nil, .name("VmNAT"), force: false) } == .switchHasConnections)
        _ = try inventory.setSwitch(host: nil, .name("VmNAT"), type: .private, notes: nil)
        #expect(try inventory.netAdapterRecords(host: nil).isEmpty)
        #expect(try inventory.ipAddressRecords(host: nil).isEmpty)
        _ = try inventory.removeSwitch(host: nil, .name("VmNAT"), force: true)
        #expect(try inventory.adapterRecords(host: nil, selectors: [])[0]["Connected"] == .bool(false))
    }

    @Test("IP addresses: host addresses only, no duplicates, no overlapping subnets between adapters")
    func addresses() throws {
        let inventory = try freshInventory()
        _ = try inventory.newSwitch(host: nil, name: "a", type: .internal, notes: "")
        _ = try inventory.newSwitch(host: nil, name: "b", type: .internal, notes: "")
        let a = NetAdapterSelector.alias("vEthernet (a)"), b = NetAdapterSelector.alias("vEthernet (b)")
        _ = try inventory.addIPAddress(host: nil, a, address: "192.168.100.1", prefixLength: 24, defaultGateway: nil)
        let cases: [(NetAdapterSelector, String, Int, String?, ErrorCategory)] = [
            (b, "192.168.100.1", 24, nil, .addressInUse),
            (b, "192.168.100.9", 24, nil, .subnetOverlap),
            (b, "192.168.0.9", 16, nil, .subnetOverlap),
            (b, "10.0.0.0", 24, nil, .notAHostAddress),
            (b, "10.0.0.255", 24, nil, .notAHostAddress),
            (b, "127.0.0.2", 8, nil, .notAHostAddress),
            (b, "10.0.0.300", 24, nil, .invalidAddress),
            (b, "10.0.0.1", 33, nil, .invalidAddress),
            (b, "10.0.0.1", 24, "10.0.1.1", .invalidAddress),
            (.alias("nope"), "10.0.0.1", 24, nil, .objectNotFound),
        ]
        for (adapter, address, length, gateway, expected) in cases {
            #expect(
                category {
                    _ = try inventory.addIPAddress(host: nil, adapter, address: address, prefixLength: length, defaultGateway: gateway)
                } == expected, "\(address)/\(length)")
        }
        _ = try inventory.addIPAddress(host: nil, a, address: "192.168.100.2", prefixLength: 24, defaultGateway: nil)
        _ = try inventory.addIPAddress(host: nil, b, address: "10.0.0.1", prefixLength: 31, defaultGateway: nil)
        #expect(
            try inventory.ipAddressRecords(host: nil).map { $0.string("IPAddress")! } == ["10.0.0.1", "192.168.100.1", "192.168.100.2"])
        _ = try inventory.removeIPAddress(host: nil, address: "192.168.100.1")
        #expect(category { _ = try inventory.removeIPAddress(host: nil, address: "192.168.100.1") } == .objectNotFound)
    }

    @Test("NATs: one per host unless allowed, never overlapping; mappings inside the prefix and unique")
    func nats() throws {
        let inventory = try freshInventory()
        _ = try inventory.newNat(host: nil, name: "LocalNAT", internalPrefix: "192.168.100.0/24", externalPrefix: nil, allowMultiple: false)
        #expect(
            category {
                _ = try inventory.newNat(
                    host: nil, name: "Second", internalPrefix: "10.0.0.0/24", externalPrefix: nil, allowMultiple: false)
            } == .natLimit)
        #expect(
            category {
                _ = try inventory.newNat(
                    host: nil, name: "Second", internalPrefix: "192.168.0.0/16", externalPrefix: nil, allowMultiple: true)
            } == .prefixOverlap)
        #expect(
            category {
                _ = try inventory.newNat(
                    host: nil, name: "localnat", internalPrefix: "10.0.0.0/24", externalPrefix: nil, allowMultiple: true)
            } == .nameInUse)
        #expect(
            category {
                _ = try inventory.newNat(host: nil, name: "x", internalPrefix: "10.0.0.1/24", externalPrefix: nil, allowMultiple: true)
            } == .invalidAddress)
        #expect(
            category {
                _ = try inventory.newNat(
                    host: nil, name: "x", internalPrefix: "10.0.0.0/24", externalPrefix: "10.0.0.0/8", allowMultiple: true)
            } == .prefixOverlap)
        _ = try inventory.newNat(host: nil, name: "Second", internalPrefix: "10.0.0.0/24", externalPrefix: nil, allowMultiple: true)
        let web = MappingSpec(
            natName: "LocalNAT", protocol: "tcp", externalIPAddress: "0.0.0.0", externalPort: 8080, internalIPAddress: "192.168.100.2",
            internalPort: 80)
        let first = try inventory.addMapping(host: nil, web)
        #expect(first["StaticMappingID"] == .int(1))
        #expect(category { _ = try inventory.addMapping(host: nil, web) } == .mappingInUse)
        var outside = web
        outside.externalPort = 8081
        outside.internalIPAddress = "10.9.9.9"
        #expect(category { _ = try inventory.addMapping(host: nil, outside) } == .addressOutsideNat)
        var udp = web
        udp.protocol = "udp"
        _ = try inventory.addMapping(host: nil, udp)
        _ = try inventory.removeNat(host: nil, .name("LocalNAT"))
        #expect(try inventory.mappingRecords(host: nil).isEmpty)
    }
}
