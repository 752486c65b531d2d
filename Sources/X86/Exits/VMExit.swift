/// A VM exit as hardware reports it to the root-mode hypervisor (SDM vol. 3, "VM Exits" and "Information for VM
/// Exits"): what `CPU.run` returns.
public struct VMExit: Equatable, Sendable {
    /// The basic exit reason (exit-reasons.tsv); bit 31 of the exit-reason field is `entryFailed`.
    public var reason: ExitReason
    /// Set when VM entry failed (reasons 33, 34, 41).
    public var entryFailed = false
    /// The exit qualification.
    public var qualification: UInt64 = 0
    /// The VM-exit instruction length, for exits caused by an instruction.
    public var instructionLength: UInt32 = 0
    /// VM-exit instruction information, where the SDM defines it.
    public var instructionInfo: UInt32 = 0
    /// Guest-linear address, where defined.
    public var guestLinearAddress: UInt64? = nil
    /// Guest-physical address (EPT violations and misconfigurations).
    public var guestPhysicalAddress: GuestPhysicalAddress? = nil
    /// For EPT violations and misconfigurations: which hierarchy faulted, 0 for `eptPointer`, 1 for the first
    /// outer one … (the nested engine reflects level-0 faults to L1 and handles the others itself).
    public var eptLevel = 0
    /// VM-exit interruption information (exceptions and interrupts that exit): vector 7:0, type 10:8, error code
    /// valid 11, valid 31.
    public var interruptionInfo: UInt32 = 0
    /// The error code of the exception that exited.
    public var interruptionErrorCode: UInt32 = 0
    /// IDT-vectoring information, when the exit interrupted event delivery (valid bit 31).
    public var idtVectoringInfo: UInt32 = 0
    /// The error code of the event being delivered.
    public var idtVectoringErrorCode: UInt32 = 0

    /// An exit for `reason`, with its qualification and the length of the instruction that caused it.
    public init(reason: ExitReason, qualification: UInt64 = 0, instructionLength: UInt32 = 0) {
        self.reason = reason
        self.qualification = qualification
        self.instructionLength = instructionLength
    }

    /// The exit reason's name, from the SDM's appendix C.
    public var reasonName: String { reason.name }
}
