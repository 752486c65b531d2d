import VMX
import X86

/// What a machine records about VM exits and entries for `vmrun … --trace` (nestvm(7), "NESTED
/// VIRTUALIZATION"): nothing, every exit, or every exit and every VM entry into L2.
public enum NestedTracing: String, CaseIterable, Sendable {
    case off
    case exits
    case entries
}

/// One traced event: a VM exit (of L1 to L0, or of L2 to L1 or L0) or a VM entry into L2. Time is the
/// processor's retired-instruction count, so two runs of the same guest give the same events.
public struct NestedTraceEvent: Equatable, Sendable {
    /// Exits and entries.
    public enum Kind: Sendable { case exit, entry }
    /// Which level handled an exit.
    public enum Handler: String, Sendable { case l0 = "L0", l1 = "L1" }

    /// An exit or an entry.
    public var kind: Kind
    /// The level whose code exited (1 or 2), or that was entered (2).
    public var level: Int
    /// The processor's index.
    public var processor: Int
    /// The exit's basic reason (for an entry that failed with an exit: 33 or 34).
    public var reason: ExitReason?
    /// Exit information.
    public var qualification: UInt64 = 0
    /// The RIP of the instruction that exited, or the RIP L2 was entered at.
    public var rip: UInt64
    /// The exiting instruction's length, where the exit has one.
    public var instructionLength: UInt32 = 0
    /// The guest-physical address of an EPT exit.
    public var guestPhysicalAddress: UInt64?
    /// The guest-linear address of an exit that has one.
    public var guestLinearAddress: UInt64?
    /// The processor's retired-instruction count at the event.
    public var instructionsRetired: UInt64
    /// For exits: who handled it.
    public var handledBy: Handler = .l0
    /// For entries: VMLAUNCH or VMRESUME.
    public var launch = false
    /// For entries: "Entered", "VMfailInvalid", "VMfailValid" or "EntryFailed".
    public var result = ""
    /// For entries that failed: the VM-instruction error number, when VMfailValid.
    public var errorNumber: UInt32?
    /// For entries that failed a check: its identifier and the diagnostic.
    public var check: EntryFailure?
}

extension Machine {
    /// Records an exit when tracing.
    func traceExit(_ exit: VMExit, level: Int, on vcpu: VCPU, handledBy: NestedTraceEvent.Handler) {
        guard tracing != .off, let traceSink else { return }
        traceSink(
            NestedTraceEvent(
                kind: .exit, level: level, processor: vcpu.index, reason: exit.reason, qualification: exit.qualification,
                rip: vcpu.cpu.rip, instructionLength: exit.instructionLength, guestPhysicalAddress: exit.guestPhysicalAddress?.value,
                guestLinearAddress: exit.guestLinearAddress, instructionsRetired: vcpu.cpu.instructionsRetired, handledBy: handledBy))
    }

    /// Records a VM entry's outcome when tracing entries.
    func traceEntry(_ outcome: EntryOutcome, launch: Bool, rip: UInt64, on vcpu: VCPU) {
        guard tracing == .entries, let traceSink else { return }
        var event = NestedTraceEvent(
            kind: .entry, level: 2, processor: vcpu.index, rip: rip, instructionsRetired: vcpu.cpu.instructionsRetired, launch: launch)
        switch outcome {
        case .entered:
            event.result = "Entered"
            event.rip = vcpu.cpu.rip
        case .instruction(.failedInvalid): event.result = "VMfailInvalid"
        case .instruction(.failedValid(let error)):
            event.result = "VMfailValid"
            event.errorNumber = error.rawValue
        case .instruction: event.result = "Fault"
        case .failedChecks(let result, let failure):
            event.result = "VMfailValid"
            if case .failedValid(let error) = result { event.errorNumber = error.rawValue }
            event.check = failure
        case .failureExit(let failure):
            event.result = "EntryFailed"
            event.check = failure
            if case .failureExit(let reason, let qualification) = failure.result {
                event.reason = reason
                event.qualification = qualification
            }
        case .aborted: event.result = "VMXAbort"
        }
        traceSink(event)
    }
}
