/// The processor as a guest sees it: CPUID, MSRs and control registers, with the instructions that may fault
/// run as probes that report the exception instead of taking the guest down.
public enum Processor {
    /// The result of CPUID.
    public struct CPUIDResult {
        public var eax: UInt32, ebx: UInt32, ecx: UInt32, edx: UInt32
    }

    /// CPUID for `leaf` and `subleaf`.
    public static func cpuid(_ leaf: UInt32, _ subleaf: UInt32 = 0) -> CPUIDResult {
        var a: UInt32 = 0, b: UInt32 = 0, c: UInt32 = 0, d: UInt32 = 0
        nv_cpuid(leaf, subleaf, &a, &b, &c, &d)
        return CPUIDResult(eax: a, ebx: b, ecx: c, edx: d)
    }

    /// The vendor string of leaf 0 ("GenuineIntel").
    public static var vendor: String { text(of: [cpuid(0).ebx, cpuid(0).edx, cpuid(0).ecx]) }

    /// The brand string of leaves 0x80000002–4, when the processor has them.
    public static var brand: String {
        guard cpuid(0x8000_0000).eax >= 0x8000_0004 else { return "" }
        var words: [UInt32] = []
        for leaf: UInt32 in 0x8000_0002...0x8000_0004 {
            let r = cpuid(leaf)
            words += [r.eax, r.ebx, r.ecx, r.edx]
        }
        return text(of: words)
    }

    /// Whether CPUID.1:ECX.VMX[bit 5] is set.
    public static var hasVMX: Bool { cpuid(1).ecx & (1 << 5) != 0 }

    /// Registers read as little-endian ASCII, stopping at the first NUL.
    static func text(of words: [UInt32]) -> String {
        var bytes: [UInt8] = []
        for w in words {
            for k in 0..<4 {
                let b = UInt8(truncatingIfNeeded: w >> (8 * UInt32(k)))
                if b == 0 { return String(decoding: bytes, as: UTF8.self) }
                bytes.append(b)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// What a probed instruction did: completed, or raised the exception with this vector.
    public enum Probe: Equatable {
        case completed
        case exception(UInt8)

        init(_ code: Int32) { self = code < 0 ? .completed : .exception(UInt8(truncatingIfNeeded: code)) }

        /// "#GP", "#UD" … for an exception.
        public var mnemonic: String {
            switch self {
            case .completed: return "completed"
            case .exception(0): return "#DE"
            case .exception(6): return "#UD"
            case .exception(8): return "#DF"
            case .exception(13): return "#GP"
            case .exception(14): return "#PF"
            case .exception(let v): return "exception \(v)"
            }
        }
    }

    /// RDMSR: the value, or the exception it raised.
    public static func readMSR(_ msr: UInt32) -> (value: UInt64, probe: Probe) {
        var value: UInt64 = 0
        let code = nv_try_rdmsr(msr, &value)
        return (value, Probe(code))
    }

    /// WRMSR.
    public static func writeMSR(_ msr: UInt32, _ value: UInt64) -> Probe { Probe(nv_try_wrmsr(msr, value)) }

    /// MOV to CR4.
    public static func writeCR4(_ value: UInt64) -> Probe { Probe(nv_try_write_cr4(value)) }

    /// CR0 and CR4.
    public static var cr0: UInt64 { nv_read_cr0() }
    public static var cr4: UInt64 { nv_read_cr4() }
    /// The time-stamp counter.
    public static var timeStampCounter: UInt64 { nv_rdtsc() }
}
