/// The CPUID feature flags of what this processor implements (SDM vol. 2, "CPUID—CPU Identification"), the one
/// place they are stated: the machine's CPUID view reports them, and the control-register checks allow exactly
/// the bits they enumerate. A flag is set here only when the instructions or state it names work, and every
/// feature the processor has is here.
public enum ProcessorFeatures {
    /// CPUID.1:EDX: DE (2), PSE (3), TSC (4), MSR (5), PAE (6), CX8 (8), SEP (11), PGE (13), CMOV (15),
    /// PAT (16), CLFSH (19), FXSR (24), SSE (25), SSE2 (26). Not FPU (no x87), VME, MCE, MCA or MTRR, not APIC
    /// (there is none); HTT is the machine's, by its processor count.
    public static let leaf1EDX: UInt32 =
        1 << 2 | 1 << 3 | 1 << 4 | 1 << 5 | 1 << 6 | 1 << 8 | 1 << 11 | 1 << 13 | 1 << 15 | 1 << 16 | 1 << 19 | 1 << 24
        | 1 << 25 | 1 << 26
    /// CPUID.1:ECX: MONITOR (3: MONITOR and MWAIT, leaf 5), CX16 (13), PCID (17), POPCNT (23), RDRAND (30). VMX
    /// (5) and the hypervisor bit (31) are the machine's; not SSE3 or later, not XSAVE.
    public static let leaf1ECX: UInt32 = 1 << 3 | 1 << 13 | 1 << 17 | 1 << 23 | 1 << 30
    /// CPUID.(7,0):EBX: FSGSBASE (0), SMEP (7), RDSEED (18), SMAP (20).
    public static let leaf7EBX: UInt32 = 1 << 0 | 1 << 7 | 1 << 18 | 1 << 20
    /// CPUID.(7,0):ECX: LA57 (16).
    public static let leaf7ECX: UInt32 = 1 << 16
    /// CPUID.80000001H:ECX: LAHF/SAHF (0), LZCNT (5).
    public static let extendedECX: UInt32 = 1 << 0 | 1 << 5
    /// CPUID.80000001H:EDX: SYSCALL (11), NX (20), 1-GByte pages (26), RDTSCP (27), Intel 64 (29).
    public static let extendedEDX: UInt32 = 1 << 11 | 1 << 20 | 1 << 26 | 1 << 27 | 1 << 29

    /// The widest linear address the processor supports: 57 bits, with 5-level paging. Addresses that are
    /// loaded rather than used — MSRs holding bases and entry points, descriptor-table and segment bases — are
    /// canonical in this width whatever CR4.LA57 says; accesses and RIP follow CR4.LA57 (48 or 57 bits).
    public static let linearAddressBits = 57

    /// Each CR4 bit with the CPUID flag that enumerates it (leaf 1 EDX or ECX, leaf 7 EBX or ECX), or nil for
    /// a bit every Intel 64 processor has. A bit whose flag is clear is reserved: MOV to CR4 setting it is #GP.
    public static let cr4Enumeration: [(bit: UInt64, flag: Flag?)] = [
        (CR4.tsd, .leaf1EDX(4)), (CR4.de, .leaf1EDX(2)), (CR4.pse, .leaf1EDX(3)), (CR4.pae, .leaf1EDX(6)),
        (CR4.pge, .leaf1EDX(13)), (CR4.pce, nil), (CR4.osfxsr, .leaf1EDX(24)), (CR4.osxmmexcpt, .leaf1EDX(25)),
        (CR4.la57, .leaf7ECX(16)), (CR4.vmxe, .leaf1ECX(5)), (CR4.fsgsbase, .leaf7EBX(0)), (CR4.pcide, .leaf1ECX(17)),
        (CR4.smep, .leaf7EBX(7)), (CR4.smap, .leaf7EBX(20)),
        // Never enumerated here: VME (0) and PVI (1) by VME, MCE (6) by MCE, UMIP (11), OSXSAVE (18) by XSAVE,
        // PKE (22) and the rest.
    ]

    /// A CPUID feature flag: which register of which leaf, and the bit.
    public enum Flag: Equatable, Sendable {
        case leaf1EDX(Int), leaf1ECX(Int), leaf7EBX(Int), leaf7ECX(Int)

        /// Whether the processor implements it (VMX counts: whether a VM exposes it is the machine's choice).
        public var isImplemented: Bool {
            switch self {
            case .leaf1EDX(let bit): ProcessorFeatures.leaf1EDX >> bit & 1 != 0
            case .leaf1ECX(let bit): bit == 5 || ProcessorFeatures.leaf1ECX >> bit & 1 != 0
            case .leaf7EBX(let bit): ProcessorFeatures.leaf7EBX >> bit & 1 != 0
            case .leaf7ECX(let bit): ProcessorFeatures.leaf7ECX >> bit & 1 != 0
            }
        }
    }

    /// Whether `value` is canonical in `bits` linear-address bits: bits 63 to `bits` - 1 all equal.
    @inline(__always)
    public static func isCanonical(_ value: UInt64, bits: Int = linearAddressBits) -> Bool {
        let high = Int64(bitPattern: value) >> Int64(bits - 1)
        return high == 0 || high == -1
    }
}
