/// One split virtqueue (virtio 1.2, "Split Virtqueues"), as the device sees it: the descriptor table, the
/// driver (available) ring and the device (used) ring in guest memory, at the addresses and size the driver
/// wrote through the transport. Everything read from the guest is checked before it is used: a descriptor
/// outside RAM, a chain longer than the queue (which is how a loop shows), or an available index that runs
/// more than a queue ahead stop the queue as broken, and the transport then asks for a reset
/// (DEVICE_NEEDS_RESET), as the specification lets a device do.
public struct Virtqueue {
    /// Descriptor flags (virtio 1.2, "The Virtqueue Descriptor Table").
    public enum DescriptorFlag {
        /// The chain goes on at `next`.
        public static let next: UInt16 = 1
        /// The buffer is device-writable (else device-readable).
        public static let write: UInt16 = 2
        /// The buffer holds a table of descriptors (VIRTIO_F_INDIRECT_DESC, not offered).
        public static let indirect: UInt16 = 4
    }

    /// The largest queue the transport offers (QueueNumMax).
    public static let maximumSize: UInt32 = 256

    /// Entries, a power of 2 up to `maximumSize` (QueueNum).
    public var size: UInt32 = maximumSize
    /// The driver has made the queue ready (QueueReady).
    public var isReady = false
    /// Guest-physical address of the descriptor table (QueueDesc).
    public var descriptorTable: UInt64 = 0
    /// Guest-physical address of the driver ring (QueueDriver).
    public var driverRing: UInt64 = 0
    /// Guest-physical address of the device ring (QueueDevice).
    public var deviceRing: UInt64 = 0
    /// The next driver-ring entry the device has not taken.
    var nextAvailable: UInt16 = 0
    /// The next device-ring entry the device fills.
    var nextUsed: UInt16 = 0

    /// A queue as after reset.
    public init() {}

    /// One buffer of a chain: guest-physical address, length, and whether the device writes it.
    public struct Buffer: Equatable {
        /// Guest-physical address.
        public let address: UInt64
        /// Bytes.
        public let length: UInt32
        /// Device-writable.
        public let isWritable: Bool
    }

    /// A descriptor chain taken from the driver ring.
    public struct Chain {
        /// The head descriptor's index, which the device ring reports back.
        public let head: UInt16
        /// Its buffers in order.
        public let buffers: [Buffer]
    }

    /// Why a queue stopped.
    public enum Failure: Error, Equatable {
        /// A ring or descriptor lies outside guest RAM.
        case outsideMemory
        /// A chain is longer than the queue: a loop.
        case chainTooLong
        /// A head or next index beyond the queue.
        case badIndex
        /// The driver ring's index ran more than a queue ahead of the device.
        case indexRunaway
        /// An indirect descriptor, a feature the device does not offer.
        case indirectNotNegotiated
        /// The queue size is not a power of 2 up to `maximumSize`, or a ring is misaligned.
        case badLayout
    }

    /// Whether the size and the rings' alignment are as the specification requires (descriptor table 16,
    /// driver ring 2, device ring 4).
    public var hasValidLayout: Bool {
        size > 0 && size <= Self.maximumSize && size & (size - 1) == 0 && descriptorTable & 15 == 0 && driverRing & 1 == 0
            && deviceRing & 3 == 0
    }

    /// The next chain the driver made available, nil when there is none; throws when the queue is broken.
    public mutating func nextChain(in memory: DeviceMemory) throws(Failure) -> Chain? {
        guard hasValidLayout else { throw .badLayout }
        guard let driverIndex = memory.load(driverRing + 2, count: 2) else { throw .outsideMemory }
        let available = UInt16(truncatingIfNeeded: driverIndex)
        if available == nextAvailable { return nil }
        guard UInt32(available &- nextAvailable) <= size else { throw .indexRunaway }
        let slot = driverRing + 4 + UInt64(UInt32(nextAvailable) % size) * 2
        guard let headValue = memory.load(slot, count: 2) else { throw .outsideMemory }
        let head = UInt16(truncatingIfNeeded: headValue)
        var buffers: [Buffer] = []
        buffers.reserveCapacity(2)  // a header and a frame, the usual chain: one allocation, not two
        var index = head
        while true {
            guard UInt32(index) < size else { throw .badIndex }
            guard buffers.count < Int(size) else { throw .chainTooLong }
            let entry = descriptorTable + UInt64(index) * 16
            // struct virtq_desc: addr (8 bytes), then len (4), flags (2) and next (2) in one word.
            guard let address = memory.load(entry, count: 8), let rest = memory.load(entry + 8, count: 8) else { throw .outsideMemory }
            let length = rest & 0xFFFF_FFFF, flags = rest >> 32 & 0xFFFF, next = rest >> 48
            if UInt16(truncatingIfNeeded: flags) & DescriptorFlag.indirect != 0 { throw .indirectNotNegotiated }
            guard memory.contains(address, count: Int(length)) else { throw .outsideMemory }
            let isWritable = UInt16(truncatingIfNeeded: flags) & DescriptorFlag.write != 0
            buffers.append(Buffer(address: address, length: UInt32(truncatingIfNeeded: length), isWritable: isWritable))
            guard UInt16(truncatingIfNeeded: flags) & DescriptorFlag.next != 0 else { break }
            index = UInt16(truncatingIfNeeded: next)
        }
        nextAvailable &+= 1
        return Chain(head: head, buffers: buffers)
    }

    /// Hands a chain back in the device ring with the bytes the device wrote into it; throws when the ring
    /// lies outside RAM.
    public mutating func complete(_ head: UInt16, written: UInt32, in memory: DeviceMemory) throws(Failure) {
        let slot = deviceRing + 4 + UInt64(UInt32(nextUsed) % size) * 8
        guard memory.store(UInt64(head), at: slot, count: 4), memory.store(UInt64(written), at: slot + 4, count: 4) else {
            throw .outsideMemory
        }
        nextUsed &+= 1
        // The entry before the index: the driver must never see an index that covers an unwritten entry.
        guard memory.store(UInt64(nextUsed), at: deviceRing + 2, count: 2) else { throw .outsideMemory }
    }

    /// Whether the driver asked not to be interrupted for used buffers (VIRTQ_AVAIL_F_NO_INTERRUPT; without
    /// VIRTIO_F_EVENT_IDX this is the driver's only say).
    public func suppressesInterrupts(in memory: DeviceMemory) -> Bool {
        (memory.load(driverRing, count: 2) ?? 0) & 1 != 0
    }
}
