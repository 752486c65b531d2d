import DeviceModels
import TestSupport
import Testing

/// A guest's RAM for a device under test, and a driver that sets up a virtio console in it as a guest would
/// (virtio 1.2, "Device Initialization"): queue 0 at 0x1000, queue 1 at 0x2000 (descriptors, driver ring at
/// +0x400, device ring at +0x800), buffers from 0x10000.
final class TestRAM {
    static let size = 1 << 20
    let bytes = UnsafeMutableRawPointer.allocate(byteCount: TestRAM.size, alignment: 4096)
    lazy var memory = DeviceMemory(bytes: bytes, size: UInt64(Self.size))

    init() { bytes.initializeMemory(as: UInt8.self, repeating: 0, count: Self.size) }
    deinit { bytes.deallocate() }

    func put(_ value: UInt64, at address: Int, _ count: Int) { memory.store(value, at: UInt64(address), count: count) }
    func get(_ address: Int, _ count: Int) -> UInt64 { memory.load(UInt64(address), count: count)! }
}

struct TestDriver<Device: VirtioMMIO> {
    let ram = TestRAM()
    let device: Device
    var nextAvailable = [0, 0]
    var nextUsed = [0, 0]
    static var size: Int { 8 }

    init(features: UInt64 = VirtioMMIO.version1, make: (DeviceMemory) -> Device) {
        device = make(ram.memory)
        typealias R = VirtioMMIO.Register
        device.write(R.status, size: 4, value: 0)
        device.write(R.status, size: 4, value: 1 | 2)
        device.write(R.driverFeaturesSelect, size: 4, value: 0)
        device.write(R.driverFeatures, size: 4, value: UInt32(truncatingIfNeeded: features))
        device.write(R.driverFeaturesSelect, size: 4, value: 1)
        device.write(R.driverFeatures, size: 4, value: UInt32(truncatingIfNeeded: features >> 32))
        device.write(R.status, size: 4, value: 1 | 2 | 8)
        for q in 0..<2 {
            let base = UInt32(0x1000 * (q + 1))
            device.write(R.queueSelect, size: 4, value: UInt32(q))
            device.write(R.queueSize, size: 4, value: UInt32(Self.size))
            device.write(R.queueDescriptorLow, size: 4, value: base)
            device.write(R.queueDriverLow, size: 4, value: base + 0x400)
            device.write(R.queueDeviceLow, size: 4, value: base + 0x800)
            device.write(R.queueReady, size: 4, value: 1)
        }
        device.write(R.status, size: 4, value: 1 | 2 | 8 | 4)
    }

    /// Writes descriptor `index` of queue `q`.
    func describe(_ q: Int, _ index: Int, address: Int, length: Int, flags: UInt16 = 0, next: Int = 0) {
        let entry = 0x1000 * (q + 1) + index * 16
        ram.put(UInt64(bitPattern: Int64(address)), at: entry, 8)
        ram.put(UInt64(length), at: entry + 8, 4)
        ram.put(UInt64(flags), at: entry + 12, 2)
        ram.put(UInt64(next), at: entry + 14, 2)
    }

    /// Makes the chain at `head` available in queue `q` and notifies the device.
    mutating func offer(_ q: Int, head: Int, notify: Bool = true) {
        let ring = 0x1000 * (q + 1) + 0x400
        ram.put(UInt64(head), at: ring + 4 + nextAvailable[q] % Self.size * 2, 2)
        nextAvailable[q] += 1
        ram.put(UInt64(nextAvailable[q] & 0xFFFF), at: ring + 2, 2)
        if notify { device.write(VirtioMMIO.Register.queueNotify, size: 4, value: UInt32(q)) }
    }

    /// The device-ring entries of queue `q` not yet seen: (head, bytes written).
    mutating func used(_ q: Int) -> [(Int, Int)] {
        let ring = 0x1000 * (q + 1) + 0x800
        var out: [(Int, Int)] = []
        while nextUsed[q] & 0xFFFF != Int(ram.get(ring + 2, 2)) {
            let e = ring + 4 + nextUsed[q] % Self.size * 8
            out.append((Int(ram.get(e, 4)), Int(ram.get(e + 4, 4))))
            nextUsed[q] += 1
        }
        return out
    }

    func write(_ text: String, at address: Int) {
        for (k, b) in text.utf8.enumerated() { ram.put(UInt64(b), at: address + k, 1) }
    }
}

extension TestDriver where Device == VirtioConsole {
    init(features: UInt64 = VirtioMMIO.version1) { self.init(features: features) { VirtioConsole(memory: $0) } }
}

/// The shared virtio-mmio transport and virtio console, against virtio 1.2: registers, negotiation, both
/// queues, back-pressure, and hostile drivers.
@Suite("virtio")
struct VirtioTests {
    typealias R = VirtioMMIO.Register

    @Test("Identification registers: magic \"virt\", version 2, device 3, and VIRTIO_F_VERSION_1 offered")
    func identification() {
        let device = VirtioConsole(memory: TestRAM().memory)
        #expect(device.read(R.magicValue, size: 4) == 0x7472_6976)
        #expect(device.read(R.version, size: 4) == 2)
        #expect(device.read(R.deviceID, size: 4) == 3)
        device.write(R.deviceFeaturesSelect, size: 4, value: 1)
        #expect(device.read(R.deviceFeatures, size: 4) == 1)
        device.write(R.deviceFeaturesSelect, size: 4, value: 0)
        #expect(device.read(R.deviceFeatures, size: 4) == 0)
        device.write(R.queueSelect, size: 4, value: 1)
        #expect(device.read(R.queueSizeMaximum, size: 4) == 256)
        device.write(R.queueSelect, size: 4, value: 2)
        #expect(device.read(R.queueSizeMaximum, size: 4) == 0, "a console without MULTIPORT has two queues")
        #expect(device.refusedAccesses == 0)
        _ = device.read(R.magicValue, size: 2)
        device.write(R.version, size: 4, value: 9)
        #expect(device.refusedAccesses == 2, "a narrow register read and a write to a read-only register are refused")
    }

    @Test("FEATURES_OK stays clear for a legacy driver (no VERSION_1) or a feature the device does not offer")
    func negotiation() {
        #expect(TestDriver(features: 0).device.status & VirtioMMIO.Status.featuresOK == 0)
        #expect(TestDriver(features: VirtioMMIO.version1 | 1 << 1).device.status & VirtioMMIO.Status.featuresOK == 0)
        let good = TestDriver()
        #expect(good.device.status == 1 | 2 | 4 | 8)
        #expect(good.device.isLive)
    }

    @Test("transmitq: a two-buffer chain reaches the host in order; the used ring returns it; the interrupt is raised and acknowledged")
    func transmit() {
        var driver = TestDriver()
        driver.write("{\"Kind\":", at: 0x10000)
        driver.write("\"X\"}\n", at: 0x10100)
        driver.describe(1, 0, address: 0x10000, length: 8, flags: Virtqueue.DescriptorFlag.next, next: 3)
        driver.describe(1, 3, address: 0x10100, length: 5)
        driver.offer(1, head: 0)
        #expect(driver.device.takeTransmitted() == Array("{\"Kind\":\"X\"}\n".utf8))
        #expect(driver.used(1).map(\.0) == [0])
        #expect(driver.device.interruptLine)
        driver.device.write(R.interruptAcknowledge, size: 4, value: 1)
        #expect(!driver.device.interruptLine)
    }

    @Test("receiveq: bytes for the driver wait until it offers buffers, fill them in order, and report the bytes written")
    func receive() {
        var driver = TestDriver()
        driver.device.send(Array("hello, guest\n".utf8))
        #expect(driver.used(0).isEmpty)
        driver.describe(0, 0, address: 0x20000, length: 5, flags: Virtqueue.DescriptorFlag.write)
        driver.describe(0, 1, address: 0x20100, length: 64, flags: Virtqueue.DescriptorFlag.write)
        driver.offer(0, head: 0)
        driver.offer(0, head: 1)
        let used = driver.used(0)
        #expect(used.map(\.0) == [0, 1] && used.map(\.1) == [5, 8])
        #expect(driver.device.pendingInput.isEmpty)
        let text = (0..<5).map { UInt8(driver.ram.get(0x20000 + $0, 1)) } + (0..<8).map { UInt8(driver.ram.get(0x20100 + $0, 1)) }
        #expect(String(decoding: text, as: UTF8.self) == "hello, guest\n")
    }

    @Test("Back-pressure: past the transmit limit chains stay in the queue until the host takes what waits")
    func backPressure() {
        var driver = TestDriver()
        let big = VirtioConsole.transmitLimit / 2 + 1
        driver.describe(1, 0, address: 0, length: big)
        driver.describe(1, 1, address: 0, length: big)
        driver.describe(1, 2, address: 0, length: 16)
        driver.offer(1, head: 0)
        driver.offer(1, head: 1)
        driver.offer(1, head: 2)
        #expect(driver.used(1).map(\.0) == [0, 1], "the third waits")
        #expect(driver.device.takeTransmitted().count == 2 * big)
        #expect(driver.used(1).map(\.0) == [2])
        #expect(driver.device.takeTransmitted().count == 16)
    }

    /// A driver that breaks the queue in `how`, and the failure the device must report.
    nonisolated(unsafe) static let hostile: [(String, (inout TestDriver<VirtioConsole>) -> Void, Virtqueue.Failure)] = [
        ("a buffer past the end of RAM", { $0.describe(1, 0, address: TestRAM.size - 4, length: 8) }, .outsideMemory),
        ("a buffer at an address that wraps", { $0.describe(1, 0, address: -8, length: 16) }, .outsideMemory),
        (
            "a descriptor loop",
            {
                $0.describe(1, 0, address: 0x10000, length: 1, flags: Virtqueue.DescriptorFlag.next, next: 1)
                $0.describe(1, 1, address: 0x10000, length: 1, flags: Virtqueue.DescriptorFlag.next, next: 0)
            },
            .chainTooLong
        ),
        (
            "a next index past the queue",
            { $0.describe(1, 0, address: 0x10000, length: 1, flags: Virtqueue.DescriptorFlag.next, next: 200) }, .badIndex
        ),
        (
            "an indirect descriptor", { $0.describe(1, 0, address: 0x10000, length: 16, flags: Virtqueue.DescriptorFlag.indirect) },
            .indirectNotNegotiated
        ),
    ]

    @Test("Hostile chains stop the device with DEVICE_NEEDS_RESET and a configuration interrupt; a reset recovers it", arguments: 0..<5)
    func hostileChain(_ index: Int) {
        let (_, breakIt, failure) = Self.hostile[index]
        var driver = TestDriver()
        breakIt(&driver)
        driver.offer(1, head: 0)
        #expect(driver.device.failure == failure)
        #expect(driver.device.status & VirtioMMIO.Status.deviceNeedsReset != 0)
        #expect(driver.device.interruptStatus & VirtioMMIO.Interrupt.configurationChange != 0)
        #expect(driver.device.takeTransmitted().isEmpty)
        driver.device.write(R.queueNotify, size: 4, value: 1)
        #expect(driver.device.takeTransmitted().isEmpty, "a broken device takes nothing more")
        driver.device.write(R.status, size: 4, value: 0)
        #expect(driver.device.status == 0 && driver.device.failure == nil && driver.device.interruptStatus == 0)
    }

    @Test("An available index running more than a queue ahead, and a queue size that is not a power of 2, are refused")
    func runawayAndLayout() {
        var driver = TestDriver()
        driver.ram.put(UInt64(TestDriver<VirtioConsole>.size + 1), at: 0x2000 + 0x400 + 2, 2)
        driver.device.write(R.queueNotify, size: 4, value: 1)
        #expect(driver.device.failure == .indexRunaway)

        let odd = TestDriver()
        odd.device.write(R.status, size: 4, value: 0)
        odd.device.write(R.status, size: 4, value: 1 | 2)
        odd.device.write(R.driverFeaturesSelect, size: 4, value: 1)
        odd.device.write(R.driverFeatures, size: 4, value: 1)
        odd.device.write(R.status, size: 4, value: 1 | 2 | 8)
        odd.device.write(R.queueSelect, size: 4, value: 1)
        odd.device.write(R.queueSize, size: 4, value: 6)
        odd.device.write(R.queueDescriptorLow, size: 4, value: 0x2000)
        odd.device.write(R.queueDriverLow, size: 4, value: 0x2400)
        odd.device.write(R.queueDeviceLow, size: 4, value: 0x2800)
        odd.device.write(R.queueReady, size: 4, value: 1)
        odd.device.write(R.status, size: 4, value: 1 | 2 | 8 | 4)
        odd.device.write(R.queueNotify, size: 4, value: 1)
        #expect(odd.device.failure == .badLayout)
    }

    @Test("Fuzz: random register writes and random rings never write outside RAM or crash", arguments: 0..<8)
    func fuzz(_ seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let ram = TestRAM()
        // A guard band: the device's memory is the first half; the second half must stay untouched.
        let half = UInt64(TestRAM.size / 2)
        let memory = DeviceMemory(bytes: ram.bytes, size: half)
        for k in Int(half)..<TestRAM.size { ram.bytes.storeBytes(of: 0xA5, toByteOffset: k, as: UInt8.self) }
        let device = VirtioConsole(memory: memory)
        let registers: [UInt64] = [
            R.status, R.queueSelect, R.queueSize, R.queueReady, R.queueNotify, R.queueDescriptorLow, R.queueDescriptorHigh,
            R.queueDriverLow, R.queueDriverHigh, R.queueDeviceLow, R.queueDeviceHigh, R.driverFeatures, R.driverFeaturesSelect,
            R.interruptAcknowledge, 0x100, 0x1FC,
        ]
        for step in 0..<20_000 {
            if step % 3 == 0 {
                // Random bytes into the rings' likely places.
                let address = random.next() % 0x4000
                _ = memory.store(random.next(), at: address, count: 8)
            }
            let register = registers[Int(random.next() % UInt64(registers.count))]
            let statuses: [UInt32] = [0, 3, 11, 15]
            let value = register == R.status ? statuses[Int(random.next() % 4)] : UInt32(truncatingIfNeeded: random.next() % 0x5000)
            device.write(register, size: 4, value: value)
            if step % 7 == 0 { device.send([UInt8(step & 0xFF)]) }
            if step % 11 == 0 { _ = device.takeTransmitted() }
        }
        #expect((Int(half)..<TestRAM.size).allSatisfy { ram.bytes.load(fromByteOffset: $0, as: UInt8.self) == 0xA5 })
    }
}

/// The integration channel's framing.
@Suite("line framing")
struct LineFramerTests {
    @Test("Lines split across pieces come out whole; a line past the limit is dropped to its line feed and counted")
    func framing() {
        var framer = LineFramer(limit: 8)
        #expect(framer.append(Array("ab".utf8)).isEmpty)
        #expect(framer.append(Array("c\nde\n".utf8)) == [Array("abc".utf8), Array("de".utf8)])
        #expect(framer.append(Array("0123456789".utf8)).isEmpty)
        #expect(framer.pendingCount == 0, "an over-long line is not kept")
        #expect(framer.append(Array("abc\nok\n".utf8)) == [Array("ok".utf8)])
        #expect(framer.droppedLines == 1)
        #expect(framer.append(Array("12345678\n".utf8)) == [Array("12345678".utf8)], "exactly the limit is kept")
    }
}
