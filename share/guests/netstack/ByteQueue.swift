/// Bytes in a ring buffer, moved in and out with memcpy (Embedded Swift's array appends and `removeFirst` move a
/// byte at a time, which a bulk transfer through TCP's send buffer would pay for every byte many times over).
final class ByteQueue {
    private var storage: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var head = 0
    /// Bytes queued.
    private(set) var count = 0

    init(capacity: Int = 1 << 17) {
        self.capacity = capacity
        storage = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
    }

    deinit { storage.deallocate() }

    /// Queues `bytes` at the end (the ring grows when it must).
    func append(_ bytes: [UInt8]) {
        if count + bytes.count > capacity { grow(to: max(capacity * 2, count + bytes.count)) }
        bytes.withUnsafeBufferPointer { source in
            guard let from = source.baseAddress else { return }
            let tail = (head + count) % capacity
            let first = min(bytes.count, capacity - tail)
            _ = memcpy(storage + tail, from, first)
            if first < bytes.count { _ = memcpy(storage, from + first, bytes.count - first) }
        }
        count += bytes.count
    }

    /// `length` bytes from `offset` (within what is queued).
    func bytes(from offset: Int, count length: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: length) { out, initialized in
            let start = (head + offset) % capacity
            let first = min(length, capacity - start)
            if let to = out.baseAddress, length > 0 {
                _ = memcpy(to, storage + start, first)
                if first < length { _ = memcpy(to + first, storage, length - first) }
            }
            initialized = length
        }
    }

    /// Drops the first `length` bytes.
    func removeFirst(_ length: Int) {
        let n = min(length, count)
        head = (head + n) % capacity
        count -= n
    }

    private func grow(to newCapacity: Int) {
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        let first = min(count, capacity - head)
        _ = memcpy(bigger, storage + head, first)
        if first < count { _ = memcpy(bigger + first, storage, count - first) }
        storage.deallocate()
        storage = bigger
        capacity = newCapacity
        head = 0
    }
}
