/// The machine's own ports (nestvm(7), "Devices") and where every platform device sits.
public enum PlatformPorts {
    /// COM1, a 16550A on IRQ 4.
    public static let com1: ClosedRange<UInt16> = 0x3F8...0x3FF
    /// The master 8259A.
    public static let masterPIC: ClosedRange<UInt16> = 0x20...0x21
    /// The slave 8259A.
    public static let slavePIC: ClosedRange<UInt16> = 0xA0...0xA1
    /// The 8254 timer's three counters and its control word.
    public static let pit: ClosedRange<UInt16> = 0x40...0x43
    /// The exit port: writing v ends the machine with status (v << 1) | 1, as QEMU's isa-debug-exit.
    public static let exit: UInt16 = 0xF4
    /// The power port: bit 0 reads 1 once a stop has been requested (`vmrun stop`); the guest should shut down.
    public static let power: UInt16 = 0xF5
}

/// The platform's interrupt lines on the 8259A pair.
public enum PlatformIRQ {
    /// The 8254 timer's counter 0.
    public static let timer = 0
    /// COM1.
    public static let com1 = 4
    /// A stop request (edge), as ACPI's SCI.
    public static let stop = 9
    /// The virtio console that carries the integration channel.
    public static let virtioConsole = 10
    /// Every network adapter (virtio-net), shared: a rising edge when any adapter's line rises, so a driver
    /// acknowledges every adapter on it.
    public static let virtioNet = 11
}

/// Where the virtio-mmio devices sit (nestvm(7), "Devices"): from 64 GiB up, above the largest RAM a machine has,
/// one 4 KiB page each; the boot page tables map the 2 MiB there uncached, and the device table in the boot
/// information lists each device.
public enum PlatformVirtio {
    /// The first device's register block; the boot page tables map 2 MiB from here.
    public static let windowBase: UInt64 = 0x10_0000_0000
    /// Bytes the boot page tables map for devices.
    public static let windowSize: UInt64 = 2 << 20
    /// The virtio console of the integration channel.
    public static let console: UInt64 = windowBase
    /// Network adapter `index`'s register block (virtio-net), the pages after the console's.
    public static func networkAdapter(_ index: Int) -> UInt64 { windowBase + UInt64(index + 1) * 0x1000 }
    /// The most network adapters a VM has (Hyper-V's limit of synthetic adapters).
    public static let networkAdapterLimit = 8
}
