/// The virtio-mmio transport (virtio 1.2, "Virtio Over MMIO", version 2, no legacy interface), written once for
/// every virtio device: the register block, feature negotiation, device status and reset, the split
/// virtqueues' addresses, notifications and the interrupt status. A device type (`VirtioConsole`, and
/// virtio-net next) subclasses it for its ID, features, configuration space and queue work.
///
/// Registers are 32 bits wide and read or written whole (the specification's rule for this transport); the
/// configuration space from offset 0x100 takes 8-, 16- and 32-bit accesses. Hostile values are normal: a
/// queue the driver describes badly stops with DEVICE_NEEDS_RESET and a configuration-change interrupt, and
/// the rest of the machine goes on.
public class VirtioMMIO {
    /// Register offsets (virtio 1.2, "MMIO Device Register Layout").
    public enum Register {
        public static let magicValue: UInt64 = 0x000, version: UInt64 = 0x004, deviceID: UInt64 = 0x008
        public static let vendorID: UInt64 = 0x00C, deviceFeatures: UInt64 = 0x010, deviceFeaturesSelect: UInt64 = 0x014
        public static let driverFeatures: UInt64 = 0x020, driverFeaturesSelect: UInt64 = 0x024
        public static let queueSelect: UInt64 = 0x030, queueSizeMaximum: UInt64 = 0x034, queueSize: UInt64 = 0x038
        public static let queueReady: UInt64 = 0x044, queueNotify: UInt64 = 0x050
        public static let interruptStatus: UInt64 = 0x060, interruptAcknowledge: UInt64 = 0x064, status: UInt64 = 0x070
        public static let queueDescriptorLow: UInt64 = 0x080, queueDescriptorHigh: UInt64 = 0x084
        public static let queueDriverLow: UInt64 = 0x090, queueDriverHigh: UInt64 = 0x094
        public static let queueDeviceLow: UInt64 = 0x0A0, queueDeviceHigh: UInt64 = 0x0A4
        public static let sharedMemorySelect: UInt64 = 0x0AC, sharedMemoryLengthLow: UInt64 = 0x0B0
        public static let sharedMemoryLengthHigh: UInt64 = 0x0B4, sharedMemoryBaseLow: UInt64 = 0x0B8
        public static let sharedMemoryBaseHigh: UInt64 = 0x0BC, configGeneration: UInt64 = 0x0FC, config: UInt64 = 0x100
    }

    /// Device status bits (virtio 1.2, "Device Status Field").
    public enum Status {
        public static let acknowledge: UInt32 = 1, driver: UInt32 = 2, driverOK: UInt32 = 4, featuresOK: UInt32 = 8
        public static let deviceNeedsReset: UInt32 = 64, failed: UInt32 = 128
    }

    /// Interrupt status bits: a used buffer, a configuration change.
    public enum Interrupt {
        public static let usedBuffer: UInt32 = 1, configurationChange: UInt32 = 2
    }

    /// "virt" read as a little-endian word.
    public static let magic: UInt32 = 0x7472_6976
    /// VIRTIO_F_VERSION_1: a device that is not legacy (feature bit 32).
    public static let version1: UInt64 = 1 << 32
    /// Bytes of the register block and configuration space.
    public static let windowSize: UInt64 = 0x200
    /// The vendor ID devices report ("NVM\0": nestvm).
    public static let vendor: UInt32 = 0x004D_564E

    /// Guest RAM as this device reaches it.
    public let memory: DeviceMemory
    /// The device type (virtio 1.2, "Device Types": 1 network, 3 console).
    public let deviceID: UInt32
    /// The features the device offers, VIRTIO_F_VERSION_1 always among them.
    public let deviceFeatures: UInt64
    /// The virtqueues, by index.
    public internal(set) var queues: [Virtqueue]
    /// The device status the driver wrote, plus DEVICE_NEEDS_RESET when a queue broke.
    public internal(set) var status: UInt32 = 0
    /// The features the driver accepted.
    public internal(set) var driverFeatures: UInt64 = 0
    /// Pending interrupt causes (the line is asserted while any is).
    public internal(set) var interruptStatus: UInt32 = 0
    /// Why the device last asked for a reset, until the driver resets it.
    public internal(set) var failure: Virtqueue.Failure?
    /// Register accesses the transport refused (a wrong width, an unknown register, a write to a read-only
    /// one): counted, never acted on.
    public internal(set) var refusedAccesses: UInt64 = 0

    var deviceFeaturesSelect: UInt32 = 0
    var driverFeaturesSelect: UInt32 = 0
    var queueSelect: UInt32 = 0

    /// A device of type `deviceID` with `queueCount` queues offering `features` (VERSION_1 is added).
    init(memory: DeviceMemory, deviceID: UInt32, queueCount: Int, features: UInt64) {
        self.memory = memory
        self.deviceID = deviceID
        self.deviceFeatures = features | Self.version1
        self.queues = Array(repeating: Virtqueue(), count: queueCount)
    }

    /// The interrupt line: asserted while an interrupt cause is pending.
    public var interruptLine: Bool { interruptStatus != 0 }

    /// Whether the driver finished initialisation (DRIVER_OK) and the device has not failed.
    public var isLive: Bool { status & (Status.driverOK | Status.deviceNeedsReset | Status.failed) == Status.driverOK }

    /// Reads `size` bytes at `offset` in the window.
    public func read(_ offset: UInt64, size: Int) -> UInt32 {
        if offset >= Register.config { return readConfig(Int(offset - Register.config), size: size) }
        guard size == 4, offset & 3 == 0 else { return refuse(0) }
        switch offset {
        case Register.magicValue: return Self.magic
        case Register.version: return 2
        case Register.deviceID: return deviceID
        case Register.vendorID: return Self.vendor
        case Register.deviceFeatures:
            return deviceFeaturesSelect < 2 ? UInt32(truncatingIfNeeded: deviceFeatures >> (32 * UInt64(deviceFeaturesSelect))) : 0
        case Register.queueSizeMaximum: return selectedQueue == nil ? 0 : Virtqueue.maximumSize
        case Register.queueReady: return selectedQueue.map { queues[$0].isReady ? 1 : 0 } ?? 0
        case Register.interruptStatus: return interruptStatus
        case Register.status: return status
        case Register.sharedMemoryLengthLow, Register.sharedMemoryLengthHigh: return ~0  // no shared memory regions
        case Register.sharedMemoryBaseLow, Register.sharedMemoryBaseHigh: return ~0
        case Register.configGeneration: return 0
        default: return refuse(0)
        }
    }

    /// Writes `size` bytes of `value` at `offset` in the window.
    public func write(_ offset: UInt64, size: Int, value: UInt32) {
        if offset >= Register.config { return writeConfig(Int(offset - Register.config), size: size, value: value) }
        guard size == 4, offset & 3 == 0 else { return refuse(()) }
        switch offset {
        case Register.deviceFeaturesSelect: deviceFeaturesSelect = value
        case Register.driverFeaturesSelect: driverFeaturesSelect = value
        case Register.driverFeatures:
            // Only while the driver negotiates (after DRIVER, before FEATURES_OK).
            guard status & Status.featuresOK == 0, driverFeaturesSelect < 2 else { return refuse(()) }
            let shift = 32 * UInt64(driverFeaturesSelect)
            driverFeatures = driverFeatures & ~(0xFFFF_FFFF << shift) | UInt64(value) << shift
        case Register.queueSelect: queueSelect = value
        case Register.queueNotify:
            guard isLive, Int(value) < queues.count, queues[Int(value)].isReady else { return refuse(()) }
            queueNotified(Int(value))
        case Register.interruptAcknowledge: interruptStatus &= ~value
        case Register.status: writeStatus(value)
        case Register.sharedMemorySelect: break
        case Register.queueSize, Register.queueReady, Register.queueDescriptorLow, Register.queueDescriptorHigh,
            Register.queueDriverLow, Register.queueDriverHigh, Register.queueDeviceLow, Register.queueDeviceHigh:
            writeQueue(offset, value)
        default: refuse(())
        }
    }

    /// The queue QueueSel names, if it exists.
    var selectedQueue: Int? { Int(queueSelect) < queues.count ? Int(queueSelect) : nil }

    /// A queue register. The layout is the driver's to set while the queue is not ready.
    func writeQueue(_ offset: UInt64, _ value: UInt32) {
        guard let index = selectedQueue else { return refuse(()) }
        func replace(_ address: UInt64, high: Bool) -> UInt64 {
            high ? address & 0xFFFF_FFFF | UInt64(value) << 32 : address & ~0xFFFF_FFFF | UInt64(value)
        }
        if offset == Register.queueReady {
            queues[index].isReady = value & 1 != 0
            return
        }
        guard !queues[index].isReady else { return refuse(()) }
        switch offset {
        case Register.queueSize: queues[index].size = value
        case Register.queueDescriptorLow, Register.queueDescriptorHigh:
            queues[index].descriptorTable = replace(queues[index].descriptorTable, high: offset == Register.queueDescriptorHigh)
        case Register.queueDriverLow, Register.queueDriverHigh:
            queues[index].driverRing = replace(queues[index].driverRing, high: offset == Register.queueDriverHigh)
        default: queues[index].deviceRing = replace(queues[index].deviceRing, high: offset == Register.queueDeviceHigh)
        }
    }

    /// The status register: 0 resets the device; FEATURES_OK stays clear when the driver accepted a feature the
    /// device does not offer or did not accept VERSION_1 (a legacy driver), so the driver sees the refusal.
    func writeStatus(_ value: UInt32) {
        guard value != 0 else { return reset() }
        var value = value & ~Status.deviceNeedsReset | status & Status.deviceNeedsReset
        if value & Status.featuresOK != 0 && status & Status.featuresOK == 0 {
            let acceptable = driverFeatures & ~deviceFeatures == 0 && driverFeatures & Self.version1 != 0
            if !acceptable { value &= ~Status.featuresOK }
        }
        let wasLive = isLive
        status = value
        if isLive && !wasLive { didBecomeLive() }
    }

    /// Back to the state after power-on, as writing 0 to the status register asks.
    func reset() {
        status = 0
        driverFeatures = 0
        interruptStatus = 0
        failure = nil
        deviceFeaturesSelect = 0
        driverFeaturesSelect = 0
        queueSelect = 0
        queues = Array(repeating: Virtqueue(), count: queues.count)
        didReset()
    }

    /// A queue broke: the device stops using its queues and asks the driver for a reset (virtio 1.2, "Device
    /// Status Field": DEVICE_NEEDS_RESET, with a configuration-change notification once DRIVER_OK was set).
    func fail(_ failure: Virtqueue.Failure) {
        guard status & Status.deviceNeedsReset == 0 else { return }
        self.failure = failure
        status |= Status.deviceNeedsReset
        if status & Status.driverOK != 0 { interruptStatus |= Interrupt.configurationChange }
    }

    /// Raises the used-buffer interrupt for queue `index`, unless its driver asked not to be interrupted.
    func notifyUsed(_ index: Int) {
        if !queues[index].suppressesInterrupts(in: memory) { interruptStatus |= Interrupt.usedBuffer }
    }

    /// Counts a refused access and answers with `value`.
    final func refuse<T>(_ value: T) -> T {
        refusedAccesses &+= 1
        return value
    }

    // What a device type adds.

    /// The driver notified queue `index` (ready, and the device live).
    func queueNotified(_ index: Int) {}
    /// The driver set DRIVER_OK.
    func didBecomeLive() {}
    /// The device was reset.
    func didReset() {}
    /// Reads the device-specific configuration space (none by default: zeros).
    func readConfig(_ offset: Int, size: Int) -> UInt32 { 0 }
    /// Writes the device-specific configuration space (read-only by default).
    func writeConfig(_ offset: Int, size: Int, value: UInt32) { refuse(()) }
}
