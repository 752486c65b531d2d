/// A device on the port bus or the MMIO bus. The bus owns the address ranges; a device sees the base of the
/// range an access hit and the offset inside it, so one device can sit at several ranges (the two 8259As) and
/// move without changing.
public protocol BusDevice: AnyObject {
    /// The widest access, in bytes, the device answers in one piece; the bus splits wider ones into accesses of
    /// this size, lowest address first, as an 8-bit device on the ISA bus sees a 16-bit IN.
    var accessWidth: Int { get }
    /// Reads `size` bytes (at most `accessWidth`) at `offset` in the range starting at `base`, at machine time
    /// `now`.
    func read(base: UInt64, offset: UInt64, size: Int, now: UInt64) -> UInt64
    /// Writes `size` bytes (at most `accessWidth`) at `offset` in the range starting at `base`.
    func write(base: UInt64, offset: UInt64, size: Int, value: UInt64, now: UInt64)
}

/// What registering a device on a bus can refuse.
public enum BusError: Error, Equatable, CustomStringConvertible {
    /// The new range overlaps one already registered.
    case overlap(device: String, range: ClosedRange<UInt64>, existing: String, existingRange: ClosedRange<UInt64>)

    /// The message.
    public var description: String {
        switch self {
        case .overlap(let device, let range, let existing, let existingRange):
            "\(device) at \(Self.describe(range)) overlaps \(existing) at \(Self.describe(existingRange))"
        }
    }

    static func describe(_ range: ClosedRange<UInt64>) -> String {
        "0x\(String(range.lowerBound, radix: 16))-0x\(String(range.upperBound, radix: 16))"
    }
}

/// The ranges of one bus, kept sorted and disjoint: registration refuses overlaps, lookup is a binary search.
struct BusMap {
    /// One registered range.
    struct Entry {
        let name: String
        let range: ClosedRange<UInt64>
        let device: any BusDevice
    }

    private(set) var entries: [Entry] = []

    /// Adds `device` at `range`, or throws when the range overlaps another device's.
    mutating func insert(_ device: any BusDevice, name: String, range: ClosedRange<UInt64>) throws(BusError) {
        let at = entries.firstIndex { $0.range.lowerBound > range.lowerBound } ?? entries.count
        for neighbour in [at - 1, at] where entries.indices.contains(neighbour) && entries[neighbour].range.overlaps(range) {
            let e = entries[neighbour]
            throw .overlap(device: name, range: range, existing: e.name, existingRange: e.range)
        }
        entries.insert(Entry(name: name, range: range, device: device), at: at)
    }

    /// The entry whose range holds `address`.
    func entry(at address: UInt64) -> Entry? {
        var low = 0, high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if entries[mid].range.upperBound < address { low = mid + 1 } else { high = mid }
        }
        return low < entries.count && entries[low].range.contains(address) ? entries[low] : nil
    }

    /// How much of an access at `at` with `left` bytes to go `e`'s device takes: up to its access width and the
    /// end of its range, except that a device at its range's first byte takes a whole access up to its width
    /// (the exit port is one port that takes a 32-bit OUT whole, as isa-debug-exit with iosize 4 does).
    static func piece(_ e: Entry, at: UInt64, left: Int) -> Int {
        let inRange = Int(e.range.upperBound - at) + 1
        return min(left, e.device.accessWidth, at == e.range.lowerBound ? max(inRange, e.device.accessWidth) : inRange)
    }

    /// Reads `size` bytes at `address`, in pieces no wider than each device answers (`piece`); `unclaimed`
    /// gives the value of a byte no device holds.
    func read(_ address: UInt64, size: Int, now: UInt64, unclaimed: UInt8) -> UInt64 {
        var value: UInt64 = 0
        var done = 0
        while done < size {
            let at = address &+ UInt64(done)
            guard let e = entry(at: at) else {
                value |= UInt64(unclaimed) << (8 * UInt64(done))
                done += 1
                continue
            }
            let piece = Self.piece(e, at: at, left: size - done)
            let part = e.device.read(base: e.range.lowerBound, offset: at - e.range.lowerBound, size: piece, now: now)
            value |= (piece == 8 ? part : part & ((1 << (8 * UInt64(piece))) - 1)) << (8 * UInt64(done))
            done += piece
        }
        return value
    }

    /// Writes `size` bytes at `address`, split as `read` splits; bytes no device holds are dropped.
    func write(_ address: UInt64, size: Int, value: UInt64, now: UInt64) {
        var done = 0
        while done < size {
            let at = address &+ UInt64(done)
            guard let e = entry(at: at) else {
                done += 1
                continue
            }
            let piece = Self.piece(e, at: at, left: size - done)
            let part = value >> (8 * UInt64(done))
            e.device.write(
                base: e.range.lowerBound, offset: at - e.range.lowerBound, size: piece,
                value: piece == 8 ? part : part & ((1 << (8 * UInt64(piece))) - 1), now: now)
            done += piece
        }
    }
}
