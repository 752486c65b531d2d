/// Splits a byte stream into lines (the integration channel's framing: JSON Lines, one record per line ending
/// in a line feed). A line longer than `limit` bytes is dropped whole, up to its line feed, and counted; it
/// never grows a buffer past the limit.
public struct LineFramer {
    /// The longest line kept, without its line feed.
    public let limit: Int
    /// Lines dropped for being longer than `limit`.
    public private(set) var droppedLines = 0
    var partial: [UInt8] = []
    var isDiscarding = false

    /// A framer that keeps lines up to `limit` bytes.
    public init(limit: Int) { self.limit = limit }

    /// Adds `bytes` and returns the lines they completed, without their line feeds.
    public mutating func append(_ bytes: [UInt8]) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        var start = 0
        for k in bytes.indices where bytes[k] == 0x0A {
            take(bytes, start..<k)
            if isDiscarding {
                isDiscarding = false
            } else {
                lines.append(partial)
            }
            partial.removeAll(keepingCapacity: true)
            start = k + 1
        }
        take(bytes, start..<bytes.count)
        return lines
    }

    /// Bytes of the line not yet ended.
    public var pendingCount: Int { partial.count }

    mutating func take(_ bytes: [UInt8], _ range: Range<Int>) {
        guard !isDiscarding else { return }
        if partial.count + range.count > limit {
            droppedLines += 1
            isDiscarding = true
            partial.removeAll(keepingCapacity: true)
            return
        }
        partial.append(contentsOf: bytes[range])
    }
}
