import X86

/// What CPUID returns to a guest (SDM vol. 2, "CPUID—CPU Identification"): a GenuineIntel Skylake-SP
/// (family 6, model 85, stepping 4) with `processorCount` logical processors, the hypervisor-present bit, and
/// only the features the processor implements. VMX (leaf 1, ECX bit 5) follows
/// `ExposeVirtualizationExtensions`, as on Hyper-V.
public struct CPUIDView: Sendable {
    /// Logical processors reported (leaves 1 and 0xB).
    public var processorCount: Int
    /// CPUID.1:ECX.VMX: the VM's ExposeVirtualizationExtensions.
    public var exposesVMX: Bool

    /// The view of a VM with these settings.
    public init(processorCount: Int, exposesVMX: Bool) {
        self.processorCount = processorCount
        self.exposesVMX = exposesVMX
    }

    /// The brand string of leaves 0x80000002–4 (48 bytes, NUL-padded).
    public static let brand = "nestvm virtual CPU (Intel Skylake-SP)"
    /// The hypervisor vendor of leaf 0x40000000.
    public static let hypervisorVendor = "NestVMNestVM"

    /// EAX, EBX, ECX, EDX for `leaf` and `subleaf` on processor `apicID`.
    public func query(leaf: UInt32, subleaf: UInt32, apicID: Int) -> (eax: UInt32, ebx: UInt32, ecx: UInt32, edx: UInt32) {
        switch leaf {
        case 0:
            return (0xB, Self.word("Genu"), Self.word("ntel"), Self.word("ineI"))
        case 1:
            // The processor's features (ProcessorFeatures), the hypervisor-present bit (ECX 31), VMX (ECX 5) as
            // exposed, and HTT (EDX 28) with more than one processor.
            var ecx = ProcessorFeatures.leaf1ECX | 1 << 31
            if exposesVMX { ecx |= 1 << 5 }
            var edx = ProcessorFeatures.leaf1EDX
            if processorCount > 1 { edx |= 1 << 28 }
            let ebx = UInt32(apicID) << 24 | UInt32(min(processorCount, 255)) << 16 | 8 << 8  // CLFLUSH line 64 bytes
            return (0x0005_0654, ebx, ecx, edx)
        case 5:
            // MONITOR/MWAIT: 64-byte monitor lines; extensions enumerated, none offered (X86 MonitoredLine).
            return (UInt32(MonitoredLine.size), UInt32(MonitoredLine.size), 1, 0)
        case 7 where subleaf == 0:
            return (0, ProcessorFeatures.leaf7EBX, ProcessorFeatures.leaf7ECX, 0)
        case 0xA:
            // Architectural performance monitoring version 2: no general-purpose counters, one fixed counter
            // (instructions retired) of 48 bits (X86 PerformanceCounters).
            return (2, 0, 0, 1 | UInt32(CPU.fixedCounterWidth) << 5)
        case 0xB:
            // Extended topology: one thread per core, `processorCount` cores in the package.
            let count = UInt32(processorCount)
            switch subleaf {
            case 0: return (0, 1, 1 << 8 | subleaf, UInt32(apicID))
            case 1:
                let shift = UInt32(count <= 1 ? 0 : 64 - (UInt64(count) - 1).leadingZeroBitCount)
                return (shift, count, 2 << 8 | subleaf, UInt32(apicID))
            default: return (0, 0, subleaf, UInt32(apicID))
            }
        case 0x4000_0000:
            return (0x4000_0000, Self.word("Nest"), Self.word("VMNe"), Self.word("stVM"))
        case 0x8000_0000:
            return (0x8000_0008, 0, 0, 0)
        case 0x8000_0001:
            return (0, 0, ProcessorFeatures.extendedECX, ProcessorFeatures.extendedEDX)
        case 0x8000_0002...0x8000_0004:
            let bytes = Array(Self.brand.utf8) + [UInt8](repeating: 0, count: 48 - Self.brand.utf8.count)
            let base = Int(leaf - 0x8000_0002) * 16
            func at(_ k: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(bytes[base + k * 4 + $1]) << (8 * UInt32($1)) } }
            return (at(0), at(1), at(2), at(3))
        case 0x8000_0008:
            // MAXPHYADDR and the linear-address width.
            return (UInt32(ProcessorFeatures.linearAddressBits) << 8 | UInt32(CPU.physicalAddressBits), 0, 0, 0)
        default:
            return (0, 0, 0, 0)
        }
    }

    /// Four ASCII characters as a little-endian register value.
    static func word(_ text: StaticString) -> UInt32 {
        text.withUTF8Buffer { b in (0..<4).reduce(0) { $0 | UInt32(b[$1]) << (8 * UInt32($1)) } }
    }
}
