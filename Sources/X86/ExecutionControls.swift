/// The VM-execution controls the processor honours while running guest code (SDM vol. 3, "VM-Execution Control
/// Fields"): the hardware part of a VMCS. Bitmaps live in memory at host-physical addresses.
public struct ExecutionControls: Sendable {
    /// Pin-based controls.
    public var pinBased: UInt32 = 0
    /// Primary processor-based controls.
    public var primary: UInt32 = 0
    /// Secondary processor-based controls (in force when `Primary.activateSecondary` is set).
    public var secondary: UInt32 = 0
    /// Exceptions that exit instead of being delivered (bit n for vector n).
    public var exceptionBitmap: UInt32 = 0
    /// Page faults exit when `(errorCode & mask) == match` equals bit 14 of the exception bitmap.
    public var pageFaultErrorCodeMask: UInt32 = 0
    public var pageFaultErrorCodeMatch: UInt32 = 0
    /// I/O bitmaps A (ports 0–0x7FFF) and B (0x8000–0xFFFF).
    public var ioBitmapA = HostPhysicalAddress(0)
    public var ioBitmapB = HostPhysicalAddress(0)
    /// The MSR bitmap (read low, read high, write low, write high; 1 KiB each).
    public var msrBitmap = HostPhysicalAddress(0)
    /// CR0 and CR4 guest/host masks and read shadows: owned bits read from the shadow and exit when written
    /// with a value that differs from it.
    public var cr0GuestHostMask: UInt64 = 0
    public var cr0ReadShadow: UInt64 = 0
    public var cr4GuestHostMask: UInt64 = 0
    public var cr4ReadShadow: UInt64 = 0
    /// CR3-target values: MOV to CR3 of one of these does not exit.
    public var cr3TargetValues: [UInt64] = []
    /// TSC offset added to reads of the TSC when `Primary.useTSCOffsetting` is set.
    public var tscOffset: UInt64 = 0
    /// The VMX-preemption timer's value, counting down once per retired instruction (the rate IA32_VMX_MISC
    /// reports as 0) while `PinBased.activatePreemptionTimer` is set.
    public var preemptionTimerValue: UInt32 = 0
    /// The EPT pointer, when `Secondary.enableEPT` is set.
    public var eptPointer: UInt64 = 0
    /// Outer EPT hierarchies, innermost first, that translate the physical addresses `eptPointer`'s hierarchy
    /// produces and its tables live at: L2-physical → (EPT12) → L1-physical → (EPT01) → host. Empty for one level.
    public var outerEPTPointers: [UInt64] = []
    /// The VPID tagging cached translations, when `Secondary.enableVPID` is set.
    public var vpid: UInt16 = 0

    public init() {}

    /// Pin-based control bits.
    public enum PinBased {
        public static let externalInterruptExiting: UInt32 = 1 << 0
        public static let nmiExiting: UInt32 = 1 << 3
        public static let virtualNMIs: UInt32 = 1 << 5
        public static let activatePreemptionTimer: UInt32 = 1 << 6
    }

    /// Primary processor-based control bits.
    public enum Primary {
        public static let interruptWindowExiting: UInt32 = 1 << 2
        public static let useTSCOffsetting: UInt32 = 1 << 3
        public static let hltExiting: UInt32 = 1 << 7
        public static let invlpgExiting: UInt32 = 1 << 9
        public static let mwaitExiting: UInt32 = 1 << 10
        public static let rdpmcExiting: UInt32 = 1 << 11
        public static let rdtscExiting: UInt32 = 1 << 12
        public static let cr3LoadExiting: UInt32 = 1 << 15
        public static let cr3StoreExiting: UInt32 = 1 << 16
        public static let cr8LoadExiting: UInt32 = 1 << 19
        public static let cr8StoreExiting: UInt32 = 1 << 20
        public static let useTPRShadow: UInt32 = 1 << 21
        public static let nmiWindowExiting: UInt32 = 1 << 22
        public static let movDRExiting: UInt32 = 1 << 23
        public static let unconditionalIOExiting: UInt32 = 1 << 24
        public static let useIOBitmaps: UInt32 = 1 << 25
        public static let monitorTrapFlag: UInt32 = 1 << 27
        public static let useMSRBitmaps: UInt32 = 1 << 28
        public static let monitorExiting: UInt32 = 1 << 29
        public static let pauseExiting: UInt32 = 1 << 30
        public static let activateSecondary: UInt32 = 1 << 31
    }

    /// Secondary processor-based control bits.
    public enum Secondary {
        public static let enableEPT: UInt32 = 1 << 1
        public static let descriptorTableExiting: UInt32 = 1 << 2
        public static let enableRDTSCP: UInt32 = 1 << 3
        public static let enableVPID: UInt32 = 1 << 5
        public static let wbinvdExiting: UInt32 = 1 << 6
        public static let unrestrictedGuest: UInt32 = 1 << 7
        public static let rdrandExiting: UInt32 = 1 << 11
        public static let enableINVPCID: UInt32 = 1 << 12
        public static let enableVMFunctions: UInt32 = 1 << 13
        public static let rdseedExiting: UInt32 = 1 << 16
    }

    func has(primary bit: UInt32) -> Bool { primary & bit != 0 }
    func has(secondary bit: UInt32) -> Bool { primary & Primary.activateSecondary != 0 && secondary & bit != 0 }
    func has(pin bit: UInt32) -> Bool { pinBased & bit != 0 }
}
