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

    /// Adds received bytes.
    public mutating func push(_ bytes: [UInt8]) {
        if start > 0 && start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
            scanned = 0
        } else if start > 4096 && start * 2 > buffer.count {
            buffer.removeFirst(start)
            scanned -= start
            start = 0
        }
        buffer.append(contentsOf: bytes)
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
            let line = Array(buffer[start..<end])
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
        let bytes = Array(buffer[start..<start + count])
        start += count
        scanned = start
        return bytes
    }

    /// Adds `bytes` and returns every line they completed.
    public mutating func append(_ bytes: [UInt8]) -> [[UInt8]] {
        push(bytes)
        var lines: [[UInt8]] = []
        while let line = nextLine() { lines.append(line) }
        return lines
    }
}
