/// A virtio-net driver (virtio 1.2, "Network Device") for the first network adapter of the boot information's
/// device table: VIRTIO_F_VERSION_1, VIRTIO_NET_F_MAC and VIRTIO_NET_F_STATUS, one queue pair, each buffer a
/// 12-byte `virtio_net_hdr` (all zero) and one frame. Receive buffers are posted once and given back after each
/// frame is copied out; transmit buffers are reused once the device hands them back.
public struct NetDevice {
    /// The device type of a network card.
    static let networkType: UInt32 = 1
    /// Entries per queue, bytes per buffer (a header and the largest frame fit), and the header's size.
    static let queueSize: UInt16 = 32
    static let bufferBytes = 2048, headerBytes = 12

    let registers: UInt64
    /// The IRQ it interrupts on.
    public let irq: UInt32
    /// The adapter's MAC address.
    public let mac: EthernetAddress
    let receiveRing: DriverRing
    let transmitRing: DriverRing
    let receiveBuffers: UnsafeMutablePointer<UInt8>
    let transmitBuffers: UnsafeMutablePointer<UInt8>
    /// Transmit descriptors posted and given back, counted (in the ring page's spare bytes, so the value type
    /// stays immutable).
    var transmitCounts: UnsafeMutablePointer<UInt32> { (transmitRing.page + 0xF10).assumingMemoryBound(to: UInt32.self) }

    /// The driver of adapter `index` of the device table's network adapters, initialised; nil when there is none
    /// or the device refuses the driver.
    public init?(_ boot: BootInfo, index: Int = 0) {
        let adapters = boot.devices.filter { $0.type == Self.networkType }
        guard index < adapters.count else { return nil }
        let device = adapters[index]
        registers = device.base
        irq = device.irq
        func register(_ offset: UInt64) -> UInt32 { nv_mmio_read32(device.base + offset) }
        // VIRTIO_NET_F_MAC (required: the adapter's address) and VIRTIO_NET_F_STATUS (the link).
        guard let accepted = VirtioDriver.negotiate(device.base, type: Self.networkType, wanted: 1 << 5 | 1 << 16), accepted & (1 << 5) != 0
        else { return nil }
        let low = register(0x100), high = register(0x104)
        mac = EthernetAddress(
            bits: UInt64(low & 0xFF) << 40 | UInt64(low >> 8 & 0xFF) << 32 | UInt64(low >> 16 & 0xFF) << 24 | UInt64(low >> 24) << 16
                | UInt64(high & 0xFF) << 8 | UInt64(high >> 8 & 0xFF))
        let pages = 2 * Int(Self.queueSize) * Self.bufferBytes / 4096
        guard let receive = DriverRing(device: device.base, index: 0, size: Self.queueSize),
            let transmit = DriverRing(device: device.base, index: 1, size: Self.queueSize),
            let buffers = nv_alloc_pages(pages)
        else { return nil }
        receiveRing = receive
        transmitRing = transmit
        transmit.suppressInterrupts()  // sent buffers are taken back when the next frame goes
        receiveBuffers = buffers.assumingMemoryBound(to: UInt8.self)
        transmitBuffers = receiveBuffers + Int(Self.queueSize) * Self.bufferBytes
        for k in 0..<Self.queueSize { postReceive(k) }
        nv_mmio_write32(device.base + 0x070, 1 | 2 | 8 | 4)  // DRIVER_OK
        receiveRing.notify()
    }

    /// Whether the link is up (VIRTIO_NET_S_LINK_UP in the configuration space's status).
    public var isLinkUp: Bool { nv_mmio_read32(registers + 0x104) >> 16 & 1 != 0 }

    /// Whether the device asked for a reset (a queue broke).
    public var isBroken: Bool { nv_mmio_read32(registers + 0x070) & 64 != 0 }

    /// Lets the device interrupt (its IRQ) when frames arrive, and stop requests (IRQ 9).
    public func enableInterrupts() {
        guard irq < 16 && irq != 2 && irq != 9 else { return }
        nv_virtio_enable_interrupts(registers, UInt8(irq))
    }

    /// Whether a received frame waits.
    public var hasReceived: Bool { receiveRing.hasUsed }

    /// The next received frame, or nil.
    public func receive() -> [UInt8]? {
        guard let (id, written) = receiveRing.takeUsed() else { return nil }
        let length = min(Int(written), Self.bufferBytes)
        let buffer = receiveBuffers + Int(id % Self.queueSize) * Self.bufferBytes
        var frame: [UInt8] = []
        if length > Self.headerBytes {
            frame = [UInt8](unsafeUninitializedCapacity: length - Self.headerBytes) { out, count in
                _ = memcpy(out.baseAddress!, buffer + Self.headerBytes, length - Self.headerBytes)
                count = length - Self.headerBytes
            }
        }
        postReceive(id % Self.queueSize)
        receiveRing.notify()
        return frame
    }

    /// Sends `frame`; false when every transmit buffer is still the device's (or the frame is too long).
    @discardableResult
    public func send(_ frame: [UInt8]) -> Bool {
        while transmitRing.takeUsed() != nil { transmitCounts[1] &+= 1 }
        guard frame.count <= Self.bufferBytes - Self.headerBytes, transmitCounts[0] &- transmitCounts[1] < UInt32(Self.queueSize)
        else { return false }
        let id = UInt16(transmitCounts[0] % UInt32(Self.queueSize))
        let buffer = transmitBuffers + Int(id) * Self.bufferBytes
        _ = memset(buffer, 0, Self.headerBytes)
        frame.withUnsafeBufferPointer { _ = memcpy(buffer + Self.headerBytes, $0.baseAddress!, frame.count) }
        transmitRing.post(descriptor: id, address: UInt64(UInt(bitPattern: buffer)), length: UInt32(Self.headerBytes + frame.count), writable: false)
        transmitCounts[0] &+= 1
        transmitRing.notify()
        return true
    }

    func postReceive(_ id: UInt16) {
        let address = UInt64(UInt(bitPattern: receiveBuffers + Int(id) * Self.bufferBytes))
        receiveRing.post(descriptor: id, address: address, length: UInt32(Self.bufferBytes), writable: true)
    }
}
