import Machine
import Testing
import X86

/// The port and MMIO buses: ranges registered once, overlaps refused, accesses split as wide as devices answer.
@Suite("Device buses")
struct BusTests {
    /// A device that records what reached it and answers reads with base, offset and size packed together.
    final class Probe: BusDevice {
        let accessWidth: Int
        var writes: [(base: UInt64, offset: UInt64, size: Int, value: UInt64)] = []
        init(width: Int) { accessWidth = width }
        func read(base: UInt64, offset: UInt64, size: Int, now: UInt64) -> UInt64 { UInt64(0x10 * Int(offset) + size) }
        func write(base: UInt64, offset: UInt64, size: Int, value: UInt64, now: UInt64) {
            writes.append((base, offset, size, value))
        }
    }

    @Test("Overlapping port ranges are refused with both devices named; neighbours are fine")
    func portOverlap() throws {
        let bus = PortBus()
        try bus.register(Probe(width: 1), name: "first", ports: 0x60...0x64)
        try bus.register(Probe(width: 1), name: "after", ports: 0x65...0x66)
        try bus.register(Probe(width: 1), name: "before", ports: 0x5F...0x5F)
        #expect(throws: BusError.overlap(device: "second", range: 0x64...0x70, existing: "first", existingRange: 0x60...0x64)) {
            try bus.register(Probe(width: 1), name: "second", ports: 0x64...0x70)
        }
        #expect(throws: BusError.self) { try bus.register(Probe(width: 1), name: "inside", ports: 0x61...0x61) }
        #expect(throws: BusError.self) { try bus.register(Probe(width: 1), name: "around", ports: 0x50...0x80) }
        #expect(bus.device(at: 0x64) == "first" && bus.device(at: 0x65) == "after" && bus.device(at: 0x5F) == "before")
        #expect(bus.device(at: 0x67) == nil)
        let message = "\(BusError.overlap(device: "a", range: 1...2, existing: "b", existingRange: 2...3))"
        #expect(message == "a at 0x1-0x2 overlaps b at 0x2-0x3")
    }

    @Test("A wide access is split into pieces the device answers; unclaimed bytes read 0xFF and wrap at 0xFFFF")
    func portSplitting() throws {
        let bus = PortBus()
        let narrow = Probe(width: 1)
        try bus.register(narrow, name: "narrow", ports: 0x100...0x103)
        #expect(bus.read(0x101, size: 2, now: 0) == 0x21_11)  // offsets 1 and 2, one byte each
        #expect(bus.read(0x103, size: 2, now: 0) == 0xFF_31)  // 0x104 is nobody's
        bus.write(0x102, size: 4, value: 0xDDCC_BBAA, now: 0)
        #expect(narrow.writes.map(\.value) == [0xAA, 0xBB] && narrow.writes.map(\.offset) == [2, 3])
        let wide = Probe(width: 4)
        try bus.register(wide, name: "wide", ports: 0xFFFE...0xFFFF)
        #expect(bus.read(0xFFFE, size: 4, now: 0) == 0xFFFF_0002)  // wraps to ports 0 and 1, unclaimed
        bus.write(0xFFFF, size: 2, value: 0x1234, now: 0)
        #expect(wide.writes.map(\.size) == [1] && wide.writes[0].value == 0x34)
    }

    @Test("A one-port device whose registers are wider takes an access at its port whole (the exit port)")
    func widePort() throws {
        let bus = PortBus()
        let exit = Probe(width: 4), power = Probe(width: 1)
        try bus.register(exit, name: "exit", ports: 0xF4...0xF4)
        try bus.register(power, name: "power", ports: 0xF5...0xF5)
        bus.write(0xF4, size: 4, value: 0x1_02, now: 0)
        #expect(exit.writes.count == 1 && exit.writes[0].value == 0x1_02 && power.writes.isEmpty)
    }

    @Test("MMIO ranges: registered by guest-physical base and size, overlaps refused, others unanswered")
    func mmio() throws {
        let bus = MMIOBus()
        let device = Probe(width: 8)
        try bus.register(device, name: "virtio-net", base: GuestPhysicalAddress(0xFEB0_0000), size: 0x200)
        #expect(throws: BusError.self) {
            try bus.register(Probe(width: 4), name: "other", base: GuestPhysicalAddress(0xFEB0_01FC), size: 8)
        }
        try bus.register(Probe(width: 4), name: "next", base: GuestPhysicalAddress(0xFEB0_0200), size: 0x200)
        #expect(bus.read(GuestPhysicalAddress(0xFEB0_0010), size: 8, now: 0) == 0x108)
        #expect(bus.write(GuestPhysicalAddress(0xFEB0_0070), size: 4, value: 7, now: 0))
        #expect(device.writes.count == 1 && device.writes[0].offset == 0x70 && device.writes[0].base == 0xFEB0_0000)
        #expect(bus.read(GuestPhysicalAddress(0xFEC0_0000), size: 4, now: 0) == nil)
        #expect(!bus.write(GuestPhysicalAddress(0x1000), size: 4, value: 0, now: 0))
        #expect(bus.device(at: GuestPhysicalAddress(0xFEB0_0300)) == "next")
    }

    @Test("The machine's devices are on the ports nestvm(7) lists")
    func machineWiring() throws {
        let machine = try Machine(MachineConfiguration(memoryBytes: 32 << 20, image: try ShippedGuests.bytes("hello")))
        let expected: [(UInt16, String?)] = [
            (0x20, "8259A master"), (0x21, "8259A master"), (0xA0, "8259A slave"), (0xA1, "8259A slave"),
            (0x40, "8254 timer"), (0x43, "8254 timer"), (0xF4, "exit port"), (0xF5, "power port"),
            (0x3F8, "COM1"), (0x3FF, "COM1"), (0x22, nil), (0x80, nil), (0x3F7, nil),
        ]
        for (port, name) in expected { #expect(machine.ports.device(at: port) == name, "port \(port)") }
        #expect(machine.ports.read(0xF5, size: 1, now: 0) == 0)
        machine.isStopRequested = true
        #expect(machine.ports.read(0xF5, size: 1, now: 0) == 1)
        #expect(machine.ports.read(0x80, size: 1, now: 0) == 0xFF)
    }
}
