/// A virtio network device (virtio 1.2, "Network Device", device ID 1) with one queue pair and two of its
/// features: VIRTIO_NET_F_MAC (the adapter's address in the configuration space) and VIRTIO_NET_F_STATUS (the
/// link state there, VIRTIO_NET_S_LINK_UP). Without checksum offload, segmentation offload or mergeable
/// receive buffers, every buffer chain carries one `virtio_net_hdr` (12 bytes with VIRTIO_F_VERSION_1, which says
/// nothing here: all zero but `num_buffers`, 1 on receive) and one Ethernet frame without its FCS.
///
/// Frames are checked, never trusted: a frame the driver sends shorter than an Ethernet header or longer than
/// 1514 bytes, or whose header asks for an offload not negotiated, is dropped and counted; so is one for the
/// driver that its receive chain cannot hold. Both directions are bounded (`queueLimit` frames each way): the
/// device leaves transmit chains in their queue while the host has not taken that many (back-pressure), and
/// drops, counting, frames for the driver beyond that many waiting for buffers. While the link is down nothing
/// is sent or received; taking it up or down raises a configuration-change interrupt.
public final class VirtioNet: VirtioMMIO {
    /// The queues of the one pair.
    public enum Queue {
        public static let receive = 0, transmit = 1
    }

    /// The feature bits offered.
    public enum Feature {
        public static let mac: UInt64 = 1 << 5, status: UInt64 = 1 << 16
    }

    /// `virtio_net_hdr`'s size with VIRTIO_F_VERSION_1, and the frame sizes taken: an Ethernet header at least,
    /// an untagged 1500-byte payload at most.
    public static let headerBytes = 12, minimumFrame = 14, maximumFrame = 1514
    /// Frames each way that wait for the other side.
    public static let queueLimit = 256

    /// What the device counted, from the VM's side: frames it sent (transmitted) and received, their bytes, and
    /// the frames it dropped and why.
    public struct Counters: Equatable {
        public var framesSent: UInt64 = 0, bytesSent: UInt64 = 0
        public var framesReceived: UInt64 = 0, bytesReceived: UInt64 = 0
        /// Sent frames shorter than an Ethernet header, longer than `maximumFrame`, or asking for an offload.
        public var droppedMalformed: UInt64 = 0
        /// Frames for the VM beyond `queueLimit` waiting, or while the link is down either way.
        public var droppedByQueueLimit: UInt64 = 0, droppedLinkDown: UInt64 = 0
        /// Frames for the VM whose receive chain was too short (the chain is given back empty).
        public var droppedShortBuffer: UInt64 = 0
    }

    /// The adapter's MAC address.
    public let mac: [UInt8]
    /// Whether the link is up (VIRTIO_NET_S_LINK_UP).
    public private(set) var isLinkUp: Bool
    /// What it counted so far.
    public private(set) var counters = Counters()
    /// Frames the driver sent that the host has not taken.
    public private(set) var transmitted: [[UInt8]] = []
    /// Frames for the driver that no receive chain has taken yet.
    public private(set) var pendingFrames: [[UInt8]] = []

    /// A network device over `memory` with address `mac` (six bytes), its link up or down.
    public init(memory: DeviceMemory, mac: [UInt8], linkUp: Bool = true) {
        precondition(mac.count == 6, "a MAC address is six bytes")
        self.mac = mac
        isLinkUp = linkUp
        super.init(memory: memory, deviceID: 1, queueCount: 2, features: Feature.mac | Feature.status)
    }

    /// Takes the frames the driver sent, which lets the device take further chains.
    public func takeTransmitted() -> [[UInt8]] {
        // Handed over whole: emptying an array that is still shared would allocate its like.
        let taken = transmitted
        if !taken.isEmpty { transmitted = [] }
        if isLive && queues[Queue.transmit].isReady { drainTransmit() }
        return taken
    }

    /// Queues `frame` for the driver and hands over what its receive chains can take; false when it was dropped
    /// (the link down, a bad size, or `queueLimit` frames already waiting).
    @discardableResult
    public func receive(_ frame: [UInt8]) -> Bool {
        guard isLinkUp else {
            counters.droppedLinkDown &+= 1
            return false
        }
        guard frame.count >= Self.minimumFrame && frame.count <= Self.maximumFrame else {
            counters.droppedMalformed &+= 1
            return false
        }
        guard pendingFrames.count < Self.queueLimit else {
            counters.droppedByQueueLimit &+= 1
            return false
        }
        pendingFrames.append(frame)
        fillReceive()
        return true
    }

    /// Takes the link up or down (`vmnet connect` and `disconnect`), telling the driver (a configuration change).
    public func setLink(up: Bool) {
        guard up != isLinkUp else { return }
        isLinkUp = up
        if !up { pendingFrames.removeAll() }
        if status & Status.driverOK != 0 { interruptStatus |= Interrupt.configurationChange }
        if up { drainTransmit() }
    }

    override func queueNotified(_ index: Int) {
        if index == Queue.transmit { drainTransmit() } else { fillReceive() }
    }

    override func didBecomeLive() {
        fillReceive()
        drainTransmit()
    }

    override func didReset() {
        pendingFrames.removeAll()
        transmitted.removeAll()
    }

    /// The configuration space: `mac` (6 bytes), then `status` (16 bits, VIRTIO_NET_S_LINK_UP in bit 0).
    override func readConfig(_ offset: Int, size: Int) -> UInt32 {
        var value: UInt32 = 0
        for k in 0..<size {
            let at = offset + k
            let byte: UInt8
            switch at {
            case 0..<6: byte = mac[at]
            case 6: byte = isLinkUp ? 1 : 0
            default: byte = 0
            }
            value |= UInt32(byte) << (8 * UInt32(k))
        }
        return value
    }

    /// Takes transmit chains while fewer than `queueLimit` frames wait for the host: each chain's readable buffers
    /// are the header and the frame.
    func drainTransmit() {
        guard isLive, queues[Queue.transmit].isReady else { return }
        var completed = false
        defer { if completed { notifyUsed(Queue.transmit) } }
        while transmitted.count < Self.queueLimit {
            do throws(Virtqueue.Failure) {
                guard let chain = try queues[Queue.transmit].nextChain(in: memory) else { return }
                let length = chain.buffers.reduce(0) { $0 + ($1.isWritable ? 0 : Int($1.length)) } - Self.headerBytes
                // flags and gso_type (VIRTIO_NET_HDR_GSO_NONE) must be zero: no offload was negotiated.
                let valid = length <= Self.maximumFrame && gather(chain, from: 0, count: 2) == [0, 0]
                let frame = valid ? gather(chain, from: Self.headerBytes, count: length) : nil
                try queues[Queue.transmit].complete(chain.head, written: 0, in: memory)
                completed = true
                send(frame, length: length)
            } catch {
                return fail(error)
            }
        }
    }

    /// `count` bytes of a chain's readable buffers taken as one, from byte `start`, in one allocation and a block
    /// copy per buffer (a byte at a time would be slow in the guests' Embedded Swift); nil when they hold fewer or a
    /// buffer left RAM.
    func gather(_ chain: Virtqueue.Chain, from start: Int, count: Int) -> [UInt8]? {
        guard start >= 0, count >= 0 else { return nil }
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
            var skip = start, filled = 0
            for buffer in chain.buffers where !buffer.isWritable && filled < count {
                let length = Int(buffer.length)
                if skip >= length {
                    skip -= length
                    continue
                }
                let n = min(length - skip, count - filled)
                guard memory.copy(from: buffer.address + UInt64(skip), count: n, to: out.baseAddress! + filled) else {
                    failed = true
                    break
                }
                filled += n
                skip = 0
            }
            if filled < count { failed = true }
            initialized = failed ? 0 : count
        }
        return failed ? nil : bytes
    }

    /// A frame the driver sent (nil: malformed, or asking for an offload), `length` bytes after the header, taken
    /// or dropped.
    func send(_ frame: [UInt8]?, length: Int) {
        guard isLinkUp else {
            counters.droppedLinkDown &+= 1
            return
        }
        guard let frame, length >= Self.minimumFrame else {
            counters.droppedMalformed &+= 1
            return
        }
        transmitted.append(frame)
        counters.framesSent &+= 1
        counters.bytesSent &+= UInt64(length)
    }

    /// The receive header: all zero but `num_buffers`, 1 (one frame per chain).
    static let receiveHeader: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]

    /// Fills the driver's receive chains with the waiting frames, one frame per chain.
    func fillReceive() {
        guard isLive, queues[Queue.receive].isReady else { return }
        var completed = false
        defer { if completed { notifyUsed(Queue.receive) } }
        var taken = 0
        while taken < pendingFrames.count {
            do throws(Virtqueue.Failure) {
                guard let chain = try queues[Queue.receive].nextChain(in: memory) else { break }
                let frame = pendingFrames[taken]
                taken += 1
                let header = Self.receiveHeader
                let total = Self.headerBytes + frame.count
                let room = chain.buffers.reduce(0) { $0 + ($1.isWritable ? Int($1.length) : 0) }
                var written = 0
                if room >= total {
                    // The header, then the frame, across the chain's writable buffers (each part one block copy).
                    for buffer in chain.buffers where buffer.isWritable && written < total {
                        let end = written + min(Int(buffer.length), total - written)
                        var at = written
                        while at < end {
                            let inHeader = at < Self.headerBytes
                            let start = inHeader ? at : at - Self.headerBytes
                            let count = min(end - at, inHeader ? Self.headerBytes - at : frame.count - start)
                            guard memory.copy(inHeader ? header : frame, start..<start + count, to: buffer.address + UInt64(at - written))
                            else { throw Virtqueue.Failure.outsideMemory }
                            at += count
                        }
                        written = end
                    }
                    counters.framesReceived &+= 1
                    counters.bytesReceived &+= UInt64(frame.count)
                } else {
                    counters.droppedShortBuffer &+= 1
                }
                try queues[Queue.receive].complete(chain.head, written: UInt32(written), in: memory)
                completed = true
            } catch {
                fail(error)
                break
            }
        }
        pendingFrames.removeFirst(taken)
    }
}
