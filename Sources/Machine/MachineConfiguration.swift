import DeviceModels
import X86

/// Everything a machine is built from: the VM's memory and processor settings, the image it boots, and what the
/// boot loader hands the guest.
public struct MachineConfiguration: Sendable {
    /// Guest RAM in bytes (the VM's startup memory): a multiple of 2 MiB, because the boot page tables and EPT01
    /// map RAM in 2 MiB pages, from 32 MiB to `maximumMemoryBytes`. The store enforces Hyper-V's own memory rule
    /// (NestStore's `MemoryLimits`: 32 MB minimum, 2 MB steps), so every startup size it accepts up to the
    /// maximum is one a machine takes; the machine checks its own limits for callers without a store.
    public var memoryBytes: UInt64
    /// Logical processors (the VM's processor `Count`).
    public var processorCount: Int
    /// Hyper-V's `ExposeVirtualizationExtensions`: whether the guest sees VMX.
    public var exposeVirtualizationExtensions: Bool
    /// The ELF64 image to boot.
    public var image: [UInt8]
    /// The command line passed in the boot information.
    public var commandLine: String
    /// Named byte blobs passed in the boot information.
    public var modules: [BootModule]
    /// The VM's network adapters, in order, each a virtio-net device.
    public var networkAdapters: [NetworkAdapterConfiguration] = []

    /// A configuration; the defaults are one processor, no VMX, an empty command line and no modules.
    public init(
        memoryBytes: UInt64, processorCount: Int = 1, exposeVirtualizationExtensions: Bool = false,
        image: [UInt8], commandLine: String = "", modules: [BootModule] = []
    ) {
        self.memoryBytes = memoryBytes
        self.processorCount = processorCount
        self.exposeVirtualizationExtensions = exposeVirtualizationExtensions
        self.image = image
        self.commandLine = commandLine
        self.modules = modules
    }

    /// Checks what does not need the image: the memory size and processor count against what a machine has,
    /// and the command line and modules against the room the boot information has for them.
    public func checkLimits() throws(MachineError) {
        guard memoryBytes >= 32 << 20, memoryBytes % (2 << 20) == 0, memoryBytes <= Self.maximumMemoryBytes else {
            throw .memorySize(memoryBytes)
        }
        guard (1...Self.maximumProcessorCount).contains(processorCount) else { throw .processorCount(processorCount) }
        let namesSize = modules.reduce(0) { $0 + $1.name.utf8.count + 1 } + commandLine.utf8.count + 1
        guard UInt64(namesSize) <= GuestLayout.stringsSize else { throw .bootStrings(bytes: namesSize, limit: GuestLayout.stringsSize) }
        guard modules.count <= 256 else { throw .moduleCount(modules.count) }
        if let bad = modules.first(where: { $0.name.utf8.count > 255 || $0.name.isEmpty }) { throw .moduleName(bad.name) }
        guard networkAdapters.count <= PlatformVirtio.networkAdapterLimit, networkAdapters.allSatisfy({ $0.mac.count == 6 }) else {
            throw .networkAdapters(networkAdapters.count)
        }
    }

    /// Every check building a machine makes, without building it (no guest memory is reserved): the limits,
    /// the image, and whether the image, modules and command line fit.
    public func validate() throws(MachineError) {
        try checkLimits()
        _ = try BootLoader.plan(self)
    }

    /// The most guest RAM one machine has (the boot page tables cover it with 2 MiB pages).
    public static let maximumMemoryBytes: UInt64 = 64 << 30
    /// The most logical processors (one boot-information mailbox each).
    public static let maximumProcessorCount = 64
}

/// A module: a named blob of bytes the boot loader places in guest memory and lists in the boot information.
public struct BootModule: Sendable, Equatable {
    /// The module's name (UTF-8, at most 255 bytes).
    public var name: String
    /// Its contents.
    public var bytes: [UInt8]

    /// A module named `name` holding `bytes`.
    public init(name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
    }
}

/// Why a machine could not be built. Each case carries what was wrong as values; `description` says it in a
/// sentence without naming any tool, and the layer that knows the command line adds how to change the setting.
public enum MachineError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The image is not an ELF64 x86-64 executable (with the parser's reason).
    case badImage(String)
    /// A loadable segment lies outside guest RAM or over the boot loader's low memory.
    case imageOutsideMemory(address: UInt64, size: UInt64, memoryBytes: UInt64)
    /// The image, modules and command line do not fit in guest RAM.
    case doesNotFit(needed: UInt64, memoryBytes: UInt64)
    /// A memory size outside 32 MiB to `MachineConfiguration.maximumMemoryBytes` in 2 MiB steps.
    case memorySize(UInt64)
    /// A processor count outside 1 to `MachineConfiguration.maximumProcessorCount`.
    case processorCount(Int)
    /// The host could not reserve address space for this much guest memory.
    case addressSpace(UInt64)
    /// The command line and module names take more than the boot information's string area.
    case bootStrings(bytes: Int, limit: UInt64)
    /// More modules than the boot information describes.
    case moduleCount(Int)
    /// A module name that is empty or longer than 255 bytes.
    case moduleName(String)
    /// More network adapters than a machine has, or a MAC address that is not six bytes.
    case networkAdapters(Int)

    /// Whether the image loads below the boot loader's data rather than past the end of memory.
    public var isImageBelowBootData: Bool {
        if case .imageOutsideMemory(let address, _, _) = self { return address < GuestLayout.imageBase }
        return false
    }

    /// The sentence for the user: what is wrong, and what to do where no setting is involved.
    public var description: String {
        switch self {
        case .badImage(let why): return "not a bootable ELF64 x86-64 image: \(why)"
        case .imageOutsideMemory(let address, let size, let memory):
            if address < GuestLayout.imageBase {
                return
                    "the image loads at 0x\(hex(address)), below 0x\(hex(GuestLayout.imageBase)) where the boot loader's data lives; link it at 0x100000 or above"
            }
            return "the image needs memory up to 0x\(hex(address &+ size)) but the VM has \(memory >> 20) MiB"
        case .doesNotFit(let needed, let memory):
            return "the image, modules and command line need \(needed >> 20) MiB but the VM has \(memory >> 20) MiB"
        case .memorySize(let bytes):
            return
                "a nestvm machine has 32 MiB to \(MachineConfiguration.maximumMemoryBytes >> 30) GiB of memory in 2 MiB steps, not \(describeBytes(bytes))"
        case .processorCount(let count):
            return "a nestvm machine has 1 to \(MachineConfiguration.maximumProcessorCount) processors, not \(count)"
        case .addressSpace(let bytes):
            return "this host cannot reserve \(bytes >> 20) MiB of address space for the guest; give the VM less memory"
        case .bootStrings(let bytes, let limit): return "the command line and module names take \(bytes) bytes; the limit is \(limit)"
        case .moduleCount: return "a machine takes at most 256 modules"
        case .moduleName: return "a module name must have 1 to 255 bytes"
        case .networkAdapters(let count):
            return
                "a nestvm machine has at most \(PlatformVirtio.networkAdapterLimit) network adapters, each with a 6-byte MAC address (\(count) given)"
        }
    }
}

func hex(_ value: UInt64) -> String { String(value, radix: 16) }

/// A size in the largest binary unit that divides it: `12 TiB`, `128 GiB`, `96 MiB`, `1000 bytes`.
func describeBytes(_ bytes: UInt64) -> String {
    if bytes >= 1 << 40 && bytes % (1 << 40) == 0 { return "\(bytes >> 40) TiB" }
    if bytes >= 1 << 30 && bytes % (1 << 30) == 0 { return "\(bytes >> 30) GiB" }
    if bytes >= 1 << 20 && bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
    return "\(bytes) bytes"
}

/// A network adapter as the machine builds it: a virtio-net device with the adapter's MAC address, its link up
/// when the adapter is connected to a switch.
public struct NetworkAdapterConfiguration: Sendable, Equatable {
    /// The six bytes of the adapter's MAC address.
    public var mac: [UInt8]
    /// Whether the adapter is connected (`vmnet connect`).
    public var isConnected: Bool

    /// An adapter with address `mac`, connected or not.
    public init(mac: [UInt8], isConnected: Bool) {
        self.mac = mac
        self.isConnected = isConnected
    }
}
