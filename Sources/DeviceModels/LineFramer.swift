/// Splits a byte stream into lines and counted runs of raw bytes: the integration channel's framing (JSON
/// Lines, one record per line ending in a line feed; an image follows the record that announces its size).
/// A line longer than `limit` bytes is dropped whole, up to its line feed, and counted; the framer never holds
/// more than the limit of an unfinished line.
public struct LineFramer {
    /// The longest line kept, without its line feed.
    public let limit: Int
    /// Lines dropped for being longer than `limit`.
    public private(set) var droppedLines = 0
    var buffer: [UInt8] = []
    /// The first byte not yet taken, and how far a line feed has been looked for.
    var start = 0, scanned = 0
    var isDiscarding = false

    /// A framer that keeps lines up to `limit` bytes.
    public init(limit: Int) { self.limit = limit }

    /// Bytes received but not yet taken as a line or a run.
    public var pendingCount: Int { buffer.count - start }

    /// Adds received bytes. The buffer is rebuilt from what is still pending and the new bytes with two block
    /// copies (under Embedded Swift an array append copies a byte at a time, and an image arrives in many pieces).
    public mutating func push(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        let pending = buffer.count - start, from = start
        buffer = buffer.withUnsafeBytes { old in
            bytes.withUnsafeBytes { new in
                [UInt8](unsafeUninitializedCapacity: pending + new.count) { out, initialized in
                    let base = UnsafeMutableRawPointer(out.baseAddress!)
                    if pending > 0 { base.copyMemory(from: old.baseAddress! + from, byteCount: pending) }
                    (base + pending).copyMemory(from: new.baseAddress!, byteCount: new.count)
                    initialized = pending + new.count
                }
            }
        }
        scanned -= min(scanned, start)
        start = 0
    }

    /// The next complete line, without its line feed; nil until one has arrived.
    public mutating func nextLine() -> [UInt8]? {
        while true {
            var end = max(scanned, start)
            while end < buffer.count && buffer[end] != 0x0A { end += 1 }
            scanned = end
            guard end < buffer.count else {
                if !isDiscarding && end - start > limit {
                    droppedLines += 1
                    isDiscarding = true
                }
                if isDiscarding { start = end }
                return nil
            }
            let line = copy(start, end - start)
            start = end + 1
            if isDiscarding {
                isDiscarding = false
                continue
            }
            if line.count > limit {
                droppedLines += 1
                continue
            }
            return line
        }
    }

    /// The next `count` raw bytes, once all have arrived; nil until then.
    public mutating func nextBytes(_ count: Int) -> [UInt8]? {
        guard buffer.count - start >= count else { return nil }
        let bytes = copy(start, count)
        start += count
        scanned = start
        return bytes
    }

    /// `count` bytes of the buffer from `offset`, in one block copy.
    func copy(_ offset: Int, _ count: Int) -> [UInt8] {
        buffer.withUnsafeBytes { source in
            [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
                if count > 0 { UnsafeMutableRawPointer(out.baseAddress!).copyMemory(from: source.baseAddress! + offset, byteCount: count) }
                initialized = count
            }
        }
    }

    /// Adds `bytes` and returns every line they completed.
    public mutating func append(_ bytes: [UInt8]) -> [[UInt8]] {
        push(bytes)
        var lines: [[UInt8]] = []
        while let line = nextLine() { lines.append(line) }
        return lines
    }
}
