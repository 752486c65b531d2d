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
        let first = min(size, 0x1_0000 - Int(port))
        var value = map.read(UInt64(port), size: first, now: now, unclaimed: 0xFF)
        if first < size { value |= map.read(0, size: size - first, now: now, unclaimed: 0xFF) << (8 * UInt64(first)) }
        return value
    }

    /// OUT of the low `size` bytes (1, 2 or 4) of `value` to `port`, wrapping as `read` does.
    public func write(_ port: UInt16, size: Int, value: UInt64, now: UInt64) {
        let first = min(size, 0x1_0000 - Int(port))
        map.write(UInt64(port), size: first, value: value, now: now)
        if first < size { map.write(0, size: size - first, value: value >> (8 * UInt64(first)), now: now) }
    }
}
