/// A virtio console (virtio 1.2, "Console Device", device ID 3) with one port and none of its optional
/// features: queue 0 (receiveq) carries bytes to the driver, queue 1 (transmitq) bytes from it. nestvm's
/// integration channel runs over it (nestvm(7), "Integration channel").
///
/// Both directions are bounded. Bytes the driver sends wait in `transmitted` until the host takes them; while
/// more than `transmitLimit` wait, the device leaves further chains in the queue (back-pressure: the driver sees
/// them unused), and a single chain longer than `chainLimit` is cut there, the rest counted in `droppedBytes`.
/// Bytes for the driver wait in `pendingInput` until it offers buffers.
public final class VirtioConsole: VirtioMMIO {
    /// The queues.
    public enum Queue {
        public static let receive = 0, transmit = 1
    }

    /// Bytes waiting for the host past which the device stops taking chains.
    public static let transmitLimit = 1 << 20
    /// The most bytes the device takes from one chain.
    public static let chainLimit = 1 << 20

    /// Bytes the driver sent that the host has not taken.
    public internal(set) var transmitted: [UInt8] = []
    /// Bytes for the driver that no receive buffer has taken yet.
    public internal(set) var pendingInput: [UInt8] = []
    /// Bytes of over-long chains the device did not take.
    public internal(set) var droppedBytes: UInt64 = 0

    /// A console over `memory`.
    public init(memory: DeviceMemory) {
        super.init(memory: memory, deviceID: 3, queueCount: 2, features: 0)
    }

    /// Takes the bytes the driver sent, which lets the device take further chains.
    public func takeTransmitted() -> [UInt8] {
        defer {
            transmitted.removeAll(keepingCapacity: true)
            if isLive && queues[Queue.transmit].isReady { drainTransmit() }
        }
        return transmitted
    }

    /// Queues `bytes` for the driver and hands over what its receive buffers can take.
    public func send(_ bytes: [UInt8]) {
        pendingInput.append(contentsOf: bytes)
        fillReceive()
    }

    override func queueNotified(_ index: Int) {
        if index == Queue.transmit { drainTransmit() } else { fillReceive() }
    }

    override func didBecomeLive() { fillReceive() }

    override func didReset() { pendingInput.removeAll() }

    /// Takes the transmit chains while the host has room, copying their device-readable buffers.
    func drainTransmit() {
        var completed = false
        defer { if completed { notifyUsed(Queue.transmit) } }
        while transmitted.count < Self.transmitLimit {
            do {
                guard let chain = try queues[Queue.transmit].nextChain(in: memory) else { return }
                var taken = 0
                for buffer in chain.buffers where !buffer.isWritable {
                    let count = min(Int(buffer.length), Self.chainLimit - taken)
                    if count < Int(buffer.length) { droppedBytes &+= UInt64(Int(buffer.length) - count) }
                    guard count > 0 else { continue }
                    _ = memory.copy(from: buffer.address, count: count, appendingTo: &transmitted)
                    taken += count
                }
                try queues[Queue.transmit].complete(chain.head, written: 0, in: memory)
                completed = true
            } catch {
                return fail(error)
            }
        }
    }

    /// Fills the driver's receive buffers from `pendingInput`, one chain at a time.
    func fillReceive() {
        guard isLive, queues[Queue.receive].isReady else { return }
        var completed = false
        defer { if completed { notifyUsed(Queue.receive) } }
        var sent = 0
        while sent < pendingInput.count {
            do {
                guard let chain = try queues[Queue.receive].nextChain(in: memory) else { break }
                var written = 0
                for buffer in chain.buffers where buffer.isWritable && sent < pendingInput.count {
                    let count = min(Int(buffer.length), pendingInput.count - sent)
                    _ = memory.copy(pendingInput, sent..<sent + count, to: buffer.address)
                    sent += count
                    written += count
                }
                try queues[Queue.receive].complete(chain.head, written: UInt32(written), in: memory)
                completed = true
            } catch {
                fail(error)
                break
            }
        }
        pendingInput.removeFirst(sent)
    }
}
