import X86

/// Guest-physical ranges outside RAM that devices answer (memory-mapped I/O, as virtio-mmio devices are).
/// Devices register once; an access no device holds is the caller's to refuse (the machine stops with an
/// EPT-violation message naming the address).
public final class MMIOBus {
    private var map = BusMap()

    /// An empty MMIO space.
    public init() {}

    /// Registers `device` at `size` bytes from `base`, or throws when another device holds part of that range.
    public func register(_ device: any BusDevice, name: String, base: GuestPhysicalAddress, size: UInt64) throws(BusError) {
        precondition(size > 0 && base.value &+ size > base.value, "an MMIO range is at least one byte and does not wrap")
        try map.insert(device, name: name, range: base.value...(base.value + size - 1))
    }

    /// The name of the device whose range holds `address`, if any.
    public func device(at address: GuestPhysicalAddress) -> String? { map.entry(at: address.value)?.name }

    /// Reads `size` bytes (1, 2, 4 or 8) at `address`; nil when no device holds its first byte.
    public func read(_ address: GuestPhysicalAddress, size: Int, now: UInt64) -> UInt64? {
        guard map.entry(at: address.value) != nil else { return nil }
        return map.read(address.value, size: size, now: now, unclaimed: 0xFF)
    }

    /// Writes `size` bytes (1, 2, 4 or 8) at `address`; false when no device holds its first byte.
    @discardableResult
    public func write(_ address: GuestPhysicalAddress, size: Int, value: UInt64, now: UInt64) -> Bool {
        guard map.entry(at: address.value) != nil else { return false }
        map.write(address.value, size: size, value: value, now: now)
        return true
    }
}
