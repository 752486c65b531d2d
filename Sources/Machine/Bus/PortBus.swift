/// The I/O-port space (64 KiB of byte ports): devices register port ranges once, and IN and OUT reach them
/// through here. A byte no device claims reads 0xFF, as a floating ISA bus does, and ignores writes.
public final class PortBus {
    private var map = BusMap()

    /// An empty port space.
    public init() {}

    /// Registers `device` at `ports`, or throws when another device holds one of them.
    public func register(_ device: any BusDevice, name: String, ports: ClosedRange<UInt16>) throws(BusError) {
        try map.insert(device, name: name, range: UInt64(ports.lowerBound)...UInt64(ports.upperBound))
    }

    /// The name of the device at `port`, if any.
    public func device(at port: UInt16) -> String? { map.entry(at: UInt64(port))?.name }

    /// IN of `size` bytes (1, 2 or 4) from `port`; ports above 0xFFFF wrap to 0, as the 16-bit port address does.
    public func read(_ port: UInt16, size: Int, now: UInt64) -> UInt64 {
        var value: UInt64 = 0
        for (k, piece) in pieces(port, size) {
            value |= map.read(UInt64(piece.port), size: piece.size, now: now, unclaimed: 0xFF) << (8 * UInt64(k))
        }
        return value
    }

    /// OUT of the low `size` bytes (1, 2 or 4) of `value` to `port`.
    public func write(_ port: UInt16, size: Int, value: UInt64, now: UInt64) {
        for (k, piece) in pieces(port, size) {
            map.write(UInt64(piece.port), size: piece.size, value: value >> (8 * UInt64(k)), now: now)
        }
    }

    /// The access as one piece, or two when it wraps past port 0xFFFF (byte offsets into the value first).
    private func pieces(_ port: UInt16, _ size: Int) -> [(Int, (port: UInt16, size: Int))] {
        let room = 0x1_0000 - Int(port)
        if size <= room { return [(0, (port, size))] }
        return [(0, (port, room)), (room, (0, size - room))]
    }
}
