/// The architectural performance monitoring nestvm implements (SDM vol. 3, "Architectural Performance Monitoring
/// Version 2"): no general-purpose counters and one fixed-function counter, IA32_FIXED_CTR0, which counts
/// instructions retired, 48 bits wide (CPUID leaf 0AH says so). It counts while IA32_PERF_GLOBAL_CTRL bit 32 and
/// either enable bit of its field in IA32_FIXED_CTR_CTRL are set, in every ring when either is (nestvm does not
/// split the count by CPL). The AnyThread and PMI bits are kept and do nothing; it does not overflow within a run,
/// so IA32_PERF_GLOBAL_STATUS reads 0. A hypervisor switches IA32_PERF_GLOBAL_CTRL at VM entry and exit (the "load
/// IA32_PERF_GLOBAL_CTRL" controls) to count only its guest's instructions.
extension CPU {
    /// The counter's width in bits.
    public static let fixedCounterWidth: UInt64 = 48
    /// The writable bits: IA32_PERF_GLOBAL_CTRL's enable of fixed counter 0, IA32_FIXED_CTR_CTRL's field of it,
    /// and the bits IA32_PERF_GLOBAL_OVF_CTRL clears (the counter's overflow, OvfBuf, CondChgd).
    public static let perfGlobalControlWritable: UInt64 = 1 << 32
    static let fixedCounterControlWritable: UInt64 = 0xF
    static let perfGlobalOverflowWritable: UInt64 = 1 << 32 | 1 << 62 | 1 << 63

    var countsInstructions: Bool { perfGlobalControlBits & 1 << 32 != 0 && fixedCounterControlBits & 3 != 0 }

    /// IA32_FIXED_CTR0.
    public var fixedCounter0: UInt64 {
        get { (countsInstructions ? instructionsRetired &+ fixedCounterBase : fixedCounterBase) & (1 << Self.fixedCounterWidth - 1) }
        set { fixedCounterBase = countsInstructions ? newValue &- instructionsRetired : newValue }
    }

    /// IA32_PERF_GLOBAL_CTRL; the counter keeps its value across a change.
    public var perfGlobalControl: UInt64 {
        get { perfGlobalControlBits }
        set {
            let value = fixedCounter0
            perfGlobalControlBits = newValue
            fixedCounter0 = value
        }
    }

    /// IA32_FIXED_CTR_CTRL; the counter keeps its value across a change.
    public var fixedCounterControl: UInt64 {
        get { fixedCounterControlBits }
        set {
            let value = fixedCounter0
            fixedCounterControlBits = newValue
            fixedCounter0 = value
        }
    }

    /// RDMSR of the performance-monitoring MSRs; nil for any other.
    func readPerformanceMSR(_ msr: UInt32) -> UInt64? {
        switch msr {
        case MSR.fixedCounter0: fixedCounter0
        case MSR.fixedCounterControl: fixedCounterControl
        case MSR.perfGlobalControl: perfGlobalControl
        case MSR.perfGlobalStatus, MSR.perfGlobalOverflowControl: 0
        default: nil
        }
    }

    /// WRMSR of the performance-monitoring MSRs: false for #GP (a reserved bit set, a value wider than the
    /// counter, or the read-only status), nil for any other MSR.
    func writePerformanceMSR(_ msr: UInt32, _ value: UInt64) -> Bool? {
        switch msr {
        case MSR.fixedCounter0:
            guard value >> Self.fixedCounterWidth == 0 else { return false }
            fixedCounter0 = value
        case MSR.fixedCounterControl:
            guard value & ~Self.fixedCounterControlWritable == 0 else { return false }
            fixedCounterControl = value
        case MSR.perfGlobalControl:
            guard value & ~Self.perfGlobalControlWritable == 0 else { return false }
            perfGlobalControl = value
        case MSR.perfGlobalOverflowControl: return value & ~Self.perfGlobalOverflowWritable == 0
        case MSR.perfGlobalStatus: return false
        default: return nil
        }
        return true
    }
}
