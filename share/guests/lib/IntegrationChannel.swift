/// The integration channel (nestvm(7), "Integration channel"): JSON Lines records between this VM and L0 over
/// the virtio console the boot information's device table lists, driven by polling. The driver follows
/// virtio 1.2's "Device Initialization" and its split-virtqueue rules; it offers only VIRTIO_F_VERSION_1.
///
/// Sending copies a record into the transmit buffer, hands it to the device and waits until the device has
/// taken it (L0 takes it when notified, or once it has room again: back-pressure). Received bytes arrive in
/// a few posted buffers, and `receive` hands them over as they came.
public struct IntegrationChannel {
    /// The device type of a virtio console.
    static let consoleType: UInt32 = 3
    /// Entries per queue.
    static let queueSize: UInt16 = 8
    /// Bytes of the transmit buffer and of each receive buffer.
    static let bufferBytes = 4096

    let registers: UInt64
    /// The IRQ the device interrupts on.
    let irq: UInt32
    let receiveRing: DriverRing
    let transmitRing: DriverRing
    let transmitBuffer: UnsafeMutablePointer<UInt8>
    let receiveBuffers: UnsafeMutablePointer<UInt8>

    /// The channel of the boot information's virtio console, initialised; nil when there is none or the device
    /// refuses the driver.
    public init?(_ boot: BootInfo) {
        guard let device = boot.devices.first(where: { $0.type == Self.consoleType }) else { return nil }
        registers = device.base
        irq = device.irq
        guard VirtioDriver.negotiate(device.base, type: Self.consoleType, wanted: 0) != nil,
            let receive = DriverRing(device: device.base, index: 0, size: Self.queueSize),
            let transmit = DriverRing(device: device.base, index: 1, size: Self.queueSize),
            let buffers = nv_alloc_pages(1 + Int(Self.queueSize))
        else { return nil }
        receiveRing = receive
        transmitRing = transmit
        transmit.suppressInterrupts()  // sending waits for the device by polling
        transmitBuffer = buffers.assumingMemoryBound(to: UInt8.self)
        receiveBuffers = transmitBuffer + Self.bufferBytes
        for k in 0..<Int(Self.queueSize) { postReceive(UInt16(k)) }
        nv_mmio_write32(device.base + 0x070, 1 | 2 | 8 | 4)  // DRIVER_OK
        receiveRing.notify()
    }

    /// Whether the device asked for a reset (a queue broke): the channel is gone until the VM restarts.
    public var isBroken: Bool { nv_mmio_read32(registers + 0x070) & 64 != 0 }

    /// Lets the device interrupt (its IRQ, and a stop request's IRQ 9) when bytes arrive, so a HLT waits for
    /// them; the interrupts come in where the caller lets them (`nv_halt_until_interrupt`, or a VM exit that
    /// acknowledges them).
    public func enableInterrupts() {
        guard irq < 16 && irq != 2 && irq != 9 else { return }  // not the cascade, not the stop request's
        nv_virtio_enable_interrupts(registers, UInt8(irq))
    }

    /// Whether bytes arrived that `receive` has not handed over.
    public var hasReceived: Bool { receiveRing.hasUsed }

    /// Sends `line` and a line feed, a transmit buffer at a time, waiting until the device took each.
    public func send(_ line: [UInt8]) {
        var bytes = line
        bytes.append(0x0A)
        var offset = 0
        while offset < bytes.count && !isBroken {
            let count = min(Self.bufferBytes, bytes.count - offset)
            bytes.withUnsafeBufferPointer { _ = memcpy(transmitBuffer, $0.baseAddress! + offset, count) }
            transmitRing.post(descriptor: 0, address: UInt64(UInt(bitPattern: transmitBuffer)), length: UInt32(count), writable: false)
            transmitRing.notify()
            while transmitRing.takeUsed() == nil && !isBroken { nv_pause() }
            offset += count
        }
    }

    /// The bytes L0 sent since the last call (empty when none arrived); a framer splits them into lines.
    public func receive() -> [UInt8] {
        var used: [(id: UInt16, count: Int)] = []
        while let (id, length) = receiveRing.takeUsed() { used.append((id, min(Int(length), Self.bufferBytes))) }
        guard !used.isEmpty else { return [] }
        // One array filled with block copies (an array append copies a byte at a time under Embedded Swift).
        let total = used.reduce(0) { $0 + $1.count }
        let bytes = [UInt8](unsafeUninitializedCapacity: total) { out, initialized in
            var at = 0
            for (id, count) in used {
                _ = memcpy(out.baseAddress! + at, receiveBuffers + Int(id) * Self.bufferBytes, count)
                at += count
            }
            initialized = total
        }
        for (id, _) in used { postReceive(id) }
        receiveRing.notify()
        return bytes
    }

    /// Offers receive buffer `id` to the device again.
    func postReceive(_ id: UInt16) {
        let address = UInt64(UInt(bitPattern: receiveBuffers + Int(id) * Self.bufferBytes))
        receiveRing.post(descriptor: id, address: address, length: UInt32(Self.bufferBytes), writable: true)
    }
}

/// The driver's side of virtio 1.2's "Device Initialization" over virtio-mmio, up to FEATURES_OK.
enum VirtioDriver {
    /// Checks that `base` is a virtio-mmio version 2 device of `type`, resets it, sets ACKNOWLEDGE and DRIVER,
    /// accepts VIRTIO_F_VERSION_1 and those of `wanted` (feature bits 0–31) the device offers, and sets
    /// FEATURES_OK: the features of `wanted` accepted, or nil when the device is not one or refuses the driver.
    static func negotiate(_ base: UInt64, type: UInt32, wanted: UInt32) -> UInt32? {
        func register(_ offset: UInt64) -> UInt32 { nv_mmio_read32(base + offset) }
        func set(_ offset: UInt64, _ value: UInt32) { nv_mmio_write32(base + offset, value) }
        guard register(0x000) == 0x7472_6976, register(0x004) == 2, register(0x008) == type else { return nil }
        set(0x070, 0)  // reset
        set(0x070, 1)  // ACKNOWLEDGE
        set(0x070, 1 | 2)  // DRIVER
        set(0x014, 0)
        let accepted = register(0x010) & wanted
        set(0x014, 1)
        guard register(0x010) & 1 != 0 else { return nil }  // VIRTIO_F_VERSION_1 (bit 32)
        set(0x024, 0)
        set(0x020, accepted)
        set(0x024, 1)
        set(0x020, 1)
        set(0x070, 1 | 2 | 8)  // FEATURES_OK
        guard register(0x070) & 8 != 0 else { return nil }
        return accepted
    }
}

/// One split virtqueue from the driver's side, in one zeroed page: the descriptor table at 0, the driver
/// ring at 0x400, the device ring at 0x800 (each aligned as virtio 1.2 requires).
struct DriverRing {
    let device: UInt64
    let index: UInt32
    let size: UInt16
    let page: UnsafeMutableRawPointer
    /// The driver's copy of the next driver-ring index, and the next device-ring entry to look at: in the page
    /// after the rings, so the value type can stay immutable.
    var state: UnsafeMutablePointer<UInt16> { (page + 0xF00).assumingMemoryBound(to: UInt16.self) }

    /// Queue `index` of the device at `device`, set up and made ready; nil when the device has no such queue or
    /// one too small.
    init?(device: UInt64, index: UInt32, size: UInt16) {
        nv_mmio_write32(device + 0x030, index)
        guard nv_mmio_read32(device + 0x044) == 0, nv_mmio_read32(device + 0x034) >= UInt32(size),
            let page = nv_alloc_pages(1)
        else { return nil }
        self.device = device
        self.index = index
        self.size = size
        self.page = page
        let base = UInt64(UInt(bitPattern: page))
        nv_mmio_write32(device + 0x038, UInt32(size))
        for (offset, address) in [(UInt64(0x080), base), (0x090, base + 0x400), (0x0A0, base + 0x800)] {
            nv_mmio_write32(device + offset, UInt32(truncatingIfNeeded: address))
            nv_mmio_write32(device + offset + 4, UInt32(truncatingIfNeeded: address >> 32))
        }
        nv_mmio_write32(device + 0x044, 1)
    }

    /// Puts a one-buffer chain in descriptor `descriptor` and makes it available.
    func post(descriptor: UInt16, address: UInt64, length: UInt32, writable: Bool) {
        let entry = page + Int(descriptor) * 16
        entry.storeBytes(of: address, as: UInt64.self)
        entry.storeBytes(of: length, toByteOffset: 8, as: UInt32.self)
        entry.storeBytes(of: writable ? 2 : 0, toByteOffset: 12, as: UInt16.self)
        entry.storeBytes(of: 0, toByteOffset: 14, as: UInt16.self)
        let next = state[0]
        (page + 0x404 + Int(next % size) * 2).storeBytes(of: descriptor, as: UInt16.self)
        nv_barrier()  // the entry before the index that publishes it
        state[0] = next &+ 1
        (page + 0x402).storeBytes(of: next &+ 1, as: UInt16.self)
    }

    /// Asks the device not to interrupt for this queue's used buffers (VIRTQ_AVAIL_F_NO_INTERRUPT).
    func suppressInterrupts() { (page + 0x400).storeBytes(of: UInt16(1), as: UInt16.self) }

    /// Tells the device the queue has new buffers.
    func notify() { nv_mmio_write32(device + 0x050, index) }

    /// Whether the device handed back a chain not yet taken.
    var hasUsed: Bool {
        nv_barrier()
        return (page + 0x802).load(as: UInt16.self) != state[1]
    }

    /// The next chain the device handed back, as its head and the bytes it wrote; nil when there is none.
    func takeUsed() -> (UInt16, UInt32)? {
        nv_barrier()
        let used = (page + 0x802).load(as: UInt16.self)
        let seen = state[1]
        guard used != seen else { return nil }
        let entry = page + 0x804 + Int(seen % size) * 8
        state[1] = seen &+ 1
        return (UInt16(truncatingIfNeeded: entry.load(as: UInt32.self)), entry.load(fromByteOffset: 4, as: UInt32.self))
    }
}
