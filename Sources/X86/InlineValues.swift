/// Up to four 64-bit values kept inside the value itself, with no heap storage: `ExecutionControls` holds its
/// CR3-target values and outer EPT pointers this way, so copying the controls (every VM entry and exit does)
/// is a plain copy, without reference counting or allocation.
public struct InlineValues: RandomAccessCollection, Equatable, Sendable, ExpressibleByArrayLiteral {
    /// How many values fit: the CR3-target values IA32_VMX_MISC offers, and the outer EPT hierarchies of four
    /// nesting levels.
    public static let capacity = 4
    /// How many values there are.
    public private(set) var count = 0
    var storage: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    /// No values.
    public init() {}

    /// `values`, of which there are at most `capacity`.
    public init(_ values: some Sequence<UInt64>) {
        for value in values { append(value) }
    }

    /// The values listed, at most `capacity`.
    public init(arrayLiteral elements: UInt64...) { self.init(elements) }

    /// 0.
    public var startIndex: Int { 0 }
    /// `count`.
    public var endIndex: Int { count }

    /// The value at `position`, which must be below `count`.
    public subscript(position: Int) -> UInt64 {
        precondition(position >= 0 && position < count, "InlineValues index out of range")
        switch position {
        case 0: return storage.0
        case 1: return storage.1
        case 2: return storage.2
        default: return storage.3
        }
    }

    /// Adds `value` at the end; there must be room.
    public mutating func append(_ value: UInt64) {
        precondition(count < Self.capacity, "InlineValues holds at most \(Self.capacity) values")
        switch count {
        case 0: storage.0 = value
        case 1: storage.1 = value
        case 2: storage.2 = value
        default: storage.3 = value
        }
        count += 1
    }

    /// `value` followed by these values (one more nesting level outside); there must be room.
    public func prepending(_ value: UInt64) -> InlineValues {
        var result: InlineValues = [value]
        for v in self { result.append(v) }
        return result
    }

    /// The same values in the same order.
    public static func == (a: InlineValues, b: InlineValues) -> Bool { a.elementsEqual(b) }
}
