/// The exit port: a write asks the machine to end with the value written, as QEMU's isa-debug-exit does.
public final class DebugExit: BusDevice {
    /// The value the guest wrote, until the machine takes it.
    public var requestedStatus: UInt64?

    /// A port nobody has written.
    public init() {}

    /// Takes an OUT of up to 4 bytes whole.
    public var accessWidth: Int { 4 }

    /// Reads float high: the port only takes writes.
    public func read(base: UInt64, offset: UInt64, size: Int, now: UInt64) -> UInt64 { ~0 }

    /// Records the status.
    public func write(base: UInt64, offset: UInt64, size: Int, value: UInt64, now: UInt64) { requestedStatus = value }
}

/// The power port: bit 0 reads 1 once a stop has been requested.
public final class PowerPort: BusDevice {
    /// Whether a stop was requested.
    public var isStopRequested = false

    /// A port with no stop requested.
    public init() {}

    /// A byte-wide port.
    public var accessWidth: Int { 1 }

    /// Bit 0: a stop was requested.
    public func read(base: UInt64, offset: UInt64, size: Int, now: UInt64) -> UInt64 { isStopRequested ? 1 : 0 }

    /// Writes are ignored.
    public func write(base: UInt64, offset: UInt64, size: Int, value: UInt64, now: UInt64) {}
}
