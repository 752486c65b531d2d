import DeviceModels
import TestSupport
import Testing

/// The virtio network device against virtio 1.2, "Network Device": its configuration space, both queues with
/// their headers, the frames it drops and counts, back-pressure, the link state, and hostile chains.
@Suite("virtio-net")
struct VirtioNetTests {
    typealias R = VirtioMMIO.Register
    static let mac: [UInt8] = [0x00, 0x15, 0x5D, 0x01, 0x02, 0x03]
    static let features = VirtioMMIO.version1 | VirtioNet.Feature.mac | VirtioNet.Feature.status
    static let next: UInt16 = 1, writable: UInt16 = 2

    static func driver(linkUp: Bool = true) -> TestDriver<VirtioNet> {
        TestDriver(features: features) { VirtioNet(memory: $0, mac: mac, linkUp: linkUp) }
    }

    /// A frame of `count` bytes: to broadcast from `mac`, EtherType 0x0800, then a counting payload.
    static func frame(_ count: Int, seed: UInt8 = 0) -> [UInt8] {
        var bytes: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF] + mac + [0x08, 0x00]
        while bytes.count < count { bytes.append(UInt8(truncatingIfNeeded: bytes.count) &+ seed) }
        return Array(bytes.prefix(count))
    }

    /// Puts a header (all zero, or `gso` in gso_type) and `frame` at `address` as one transmit chain's two buffers,
    /// descriptors `index` and `index + 1`, and offers it.
    static func send(_ frame: [UInt8], at address: Int, index: Int, gso: UInt8 = 0, _ driver: inout TestDriver<VirtioNet>) {
        for k in 0..<VirtioNet.headerBytes { driver.ram.put(k == 1 ? UInt64(gso) : 0, at: address + k, 1) }
        for (k, b) in frame.enumerated() { driver.ram.put(UInt64(b), at: address + 0x100 + k, 1) }
        driver.describe(1, index, address: address, length: VirtioNet.headerBytes, flags: next, next: index + 1)
        driver.describe(1, index + 1, address: address + 0x100, length: frame.count)
        driver.offer(1, head: index)
    }

    /// Offers a receive chain of one writable buffer of `length` bytes at `address`, descriptor `index`.
    static func offerReceive(at address: Int, length: Int, index: Int, _ driver: inout TestDriver<VirtioNet>) {
        driver.describe(0, index, address: address, length: length, flags: writable)
        driver.offer(0, head: index)
    }

    @Test("Device 1, VIRTIO_NET_F_MAC and VIRTIO_NET_F_STATUS offered; the configuration space holds the MAC and the link")
    func configuration() {
        let driver = Self.driver()
        let device = driver.device
        #expect(device.read(R.deviceID, size: 4) == 1)
        device.write(R.deviceFeaturesSelect, size: 4, value: 0)
        #expect(device.read(R.deviceFeatures, size: 4) == 1 << 5 | 1 << 16)
        #expect(device.isLive)
        #expect((0..<6).map { UInt8(device.read(R.config + UInt64($0), size: 1)) } == Self.mac)
        #expect(device.read(R.config, size: 4) == 0x015D_1500, "little-endian bytes")
        #expect(device.read(R.config + 6, size: 2) == 1, "VIRTIO_NET_S_LINK_UP")
        device.write(R.config, size: 1, value: 0)
        #expect(device.read(R.config, size: 1) == 0, "read-only")
        #expect(device.refusedAccesses == 1)
    }

    @Test("transmitq: a header and a frame in two buffers reach the host as the frame; the chain comes back; counted")
    func transmit() {
        var driver = Self.driver()
        let frame = Self.frame(60)
        Self.send(frame, at: 0x10000, index: 0, &driver)
        #expect(driver.used(1).map { $0.0 } == [0])
        #expect(driver.device.takeTransmitted() == [frame])
        #expect(driver.device.counters.framesSent == 1 && driver.device.counters.bytesSent == 60)
        #expect(driver.device.interruptLine)
    }

    @Test("Runt, oversized and offloading frames from the driver are dropped and counted, their chains returned")
    func malformed() {
        var driver = Self.driver()
        Self.send(Self.frame(10), at: 0x10000, index: 0, &driver)
        Self.send(Self.frame(1515), at: 0x20000, index: 2, &driver)
        Self.send(Self.frame(60), at: 0x30000, index: 4, gso: 1, &driver)
        Self.send(Self.frame(1514), at: 0x40000, index: 6, &driver)
        #expect(driver.used(1).count == 4)
        #expect(driver.device.takeTransmitted() == [Self.frame(1514)])
        #expect(driver.device.counters.droppedMalformed == 3)
        #expect(driver.device.failure == nil, "a bad frame is the guest's loss, not the device's fault")
    }

    @Test("receiveq: a frame fills one chain after a header with num_buffers 1; a chain too short is given back empty")
    func receive() {
        var driver = Self.driver()
        Self.offerReceive(at: 0x10000, length: 1526, index: 0, &driver)
        Self.offerReceive(at: 0x20000, length: 100, index: 1, &driver)
        let frame = Self.frame(200, seed: 7)
        #expect(driver.device.receive(frame))
        #expect(driver.device.receive(frame))
        let used = driver.used(0)
        #expect(used.map { $0.0 } == [0, 1])
        #expect(used.map { $0.1 } == [VirtioNet.headerBytes + 200, 0])
        #expect(driver.ram.get(0x10000 + 10, 2) == 1, "num_buffers")
        #expect((0..<200).map { UInt8(driver.ram.get(0x10000 + 12 + $0, 1)) } == frame)
        #expect(driver.device.counters.framesReceived == 1 && driver.device.counters.droppedShortBuffer == 1)
    }

    @Test("Frames wait for receive chains up to the queue limit, then are dropped and counted")
    func bounds() {
        var driver = Self.driver()
        for k in 0..<VirtioNet.queueLimit { #expect(driver.device.receive(Self.frame(60, seed: UInt8(truncatingIfNeeded: k)))) }
        #expect(!driver.device.receive(Self.frame(60)))
        #expect(driver.device.counters.droppedByQueueLimit == 1)
        Self.offerReceive(at: 0x10000, length: 1526, index: 0, &driver)
        #expect(driver.used(0).count == 1, "the first waiting frame")
        #expect(driver.device.pendingFrames.count == VirtioNet.queueLimit - 1)
        #expect(!driver.device.receive(Self.frame(13)), "a runt for the driver")
    }

    @Test("With the link down nothing is sent or received; taking it up or down is a configuration change")
    func link() {
        var driver = Self.driver()
        _ = driver.device.read(R.interruptStatus, size: 4)
        driver.device.setLink(up: false)
        #expect(driver.device.read(R.config + 6, size: 2) == 0)
        #expect(driver.device.interruptStatus & VirtioMMIO.Interrupt.configurationChange != 0)
        #expect(!driver.device.receive(Self.frame(60)))
        Self.send(Self.frame(60), at: 0x10000, index: 0, &driver)
        #expect(driver.device.takeTransmitted().isEmpty)
        #expect(driver.device.counters.droppedLinkDown == 2)
        driver.device.setLink(up: true)
        #expect(driver.device.read(R.config + 6, size: 2) == 1)
        Self.send(Self.frame(60), at: 0x20000, index: 2, &driver)
        #expect(driver.device.takeTransmitted().count == 1)
    }

    /// Hostile drivers are normal input: random descriptors (addresses anywhere, lengths up to 64 KiB, random
    /// flags and links), random ring indices and random host frames never crash the device; it either counts,
    /// or stops itself with DEVICE_NEEDS_RESET.
    @Test("Fuzz: random chains and frames are dropped, counted or stop the device, never more")
    func fuzz() {
        var random = SplitMix64(seed: 0x6E65_7476)
        for _ in 0..<200 {
            var driver = Self.driver()
            for _ in 0..<20 {
                let q = Int(random.next() % 2)
                let index = Int(random.next() % 8)
                let address = random.next() % 3 == 0 ? Int(truncatingIfNeeded: random.next()) : Int(random.next() % (1 << 20))
                driver.describe(
                    q, index, address: address, length: Int(random.next() % 65536), flags: UInt16(random.next() % 8),
                    next: Int(random.next() % 10))
                if random.next() % 2 == 0 { driver.offer(q, head: Int(random.next() % 9)) }
                if random.next() % 4 == 0 { _ = driver.device.receive(Self.frame(Int(random.next() % 1600))) }
                if random.next() % 4 == 0 { _ = driver.device.takeTransmitted() }
            }
            let c = driver.device.counters
            #expect(c.framesSent <= 20 && c.bytesSent <= c.framesSent * 1514)
            #expect(driver.device.transmitted.allSatisfy { $0.count >= 14 && $0.count <= 1514 })
            if driver.device.failure != nil {
                #expect(driver.device.status & VirtioMMIO.Status.deviceNeedsReset != 0)
            }
        }
    }
}
