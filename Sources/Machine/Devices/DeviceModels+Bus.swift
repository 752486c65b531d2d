import DeviceModels

// The shared device models (DeviceModels) on L0's buses: each answers byte-wide accesses at the port it sits on.

extension UART16550: BusDevice {
    /// A byte-wide device: its eight registers are one byte each.
    public var accessWidth: Int { 1 }

    /// Reads register `offset`.
    public func read(base: UInt64, offset: UInt64, size: Int, now: UInt64) -> UInt64 { UInt64(read(UInt16(offset))) }

    /// Writes register `offset`.
    public func write(base: UInt64, offset: UInt64, size: Int, value: UInt64, now: UInt64) {
        write(UInt16(offset), UInt8(truncatingIfNeeded: value))
    }
}

extension PIC8259: BusDevice {
    /// A byte-wide device.
    public var accessWidth: Int { 1 }

    /// Reads the port `base + offset` (the master's or the slave's pair).
    public func read(base: UInt64, offset: UInt64, size: Int, now: UInt64) -> UInt64 { UInt64(read(UInt16(base + offset))) }

    /// Writes the port `base + offset`.
    public func write(base: UInt64, offset: UInt64, size: Int, value: UInt64, now: UInt64) {
        write(UInt16(base + offset), UInt8(truncatingIfNeeded: value))
    }
}

extension PIT8254: BusDevice {
    /// A byte-wide device.
    public var accessWidth: Int { 1 }

    /// Reads the port `base + offset` at machine time `now`.
    public func read(base: UInt64, offset: UInt64, size: Int, now: UInt64) -> UInt64 {
        UInt64(read(UInt16(base + offset), now: now))
    }

    /// Writes the port `base + offset` at machine time `now`.
    public func write(base: UInt64, offset: UInt64, size: Int, value: UInt64, now: UInt64) {
        write(UInt16(base + offset), UInt8(truncatingIfNeeded: value), now: now)
    }
}
