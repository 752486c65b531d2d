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
    /// See `pageFaultErrorCodeMask`.
    public var pageFaultErrorCodeMatch: UInt32 = 0
    /// I/O bitmaps A (ports 0–0x7FFF) and B (0x8000–0xFFFF).
    public var ioBitmapA = HostPhysicalAddress(0)
    /// See `ioBitmapA`.
    public var ioBitmapB = HostPhysicalAddress(0)
    /// The MSR bitmap (read low, read high, write low, write high; 1 KiB each).
    public var msrBitmap = HostPhysicalAddress(0)
    /// CR0 and CR4 guest/host masks and read shadows: owned bits read from the shadow and exit when written
    /// with a value that differs from it.
    public var cr0GuestHostMask: UInt64 = 0
    /// The CR0 read shadow.
    public var cr0ReadShadow: UInt64 = 0
    /// The CR4 guest/host mask.
    public var cr4GuestHostMask: UInt64 = 0
    /// The CR4 read shadow.
    public var cr4ReadShadow: UInt64 = 0
    /// CR3-target values: MOV to CR3 of one of these does not exit.
    public var cr3TargetValues = InlineValues()
    /// TSC offset added to reads of the TSC when `Primary.useTSCOffsetting` is set.
    public var tscOffset: UInt64 = 0
    /// The VMX-preemption timer's value, counting down once per retired instruction (the rate IA32_VMX_MISC
    /// reports as 0) while `PinBased.activatePreemptionTimer` is set.
    public var preemptionTimerValue: UInt32 = 0
    /// The EPT pointer, when `Secondary.enableEPT` is set.
    public var eptPointer: UInt64 = 0
    /// Outer EPT hierarchies, innermost first, that translate the physical addresses `eptPointer`'s hierarchy
    /// produces and its tables live at: L2-physical → (EPT12) → L1-physical → (EPT01) → host. Empty for one level;
    /// at most `InlineValues.capacity`.
    public var outerEPTPointers = InlineValues()
    /// The VPID tagging cached translations, when `Secondary.enableVPID` is set.
    public var vpid: UInt16 = 0

    /// No controls: nothing exits and nothing is translated.
    public init() {}

    /// Whether `other` translates addresses as these controls do: the same EPT and VPID settings.
    func translatesLike(_ other: ExecutionControls) -> Bool {
        let tagged = Secondary.enableEPT | Secondary.enableVPID
        let active = { (c: ExecutionControls) in c.primary & Primary.activateSecondary != 0 ? c.secondary & tagged : 0 }
        return active(self) == active(other) && eptPointer == other.eptPointer && vpid == other.vpid
            && outerEPTPointers == other.outerEPTPointers
    }

    /// Whether a primary processor-based control is set.
    public func has(primary bit: UInt32) -> Bool { primary & bit != 0 }
    /// Whether a secondary control is in force (set, with the secondary controls activated).
    public func has(secondary bit: UInt32) -> Bool { primary & Primary.activateSecondary != 0 && secondary & bit != 0 }
    /// Whether a pin-based control is set.
    public func has(pin bit: UInt32) -> Bool { pinBased & bit != 0 }
}
