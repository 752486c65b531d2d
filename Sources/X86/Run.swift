/// Why `run` returned.
public enum RunOutcome: Equatable, Sendable {
    /// A VM exit.
    case exit(VMExit)
    /// The instruction budget ran out (not an architectural event: the caller's own limit).
    case instructionLimit
}

extension CPU {
    /// Runs guest code until a VM exit or until `maxInstructions` more instructions have retired.
    public func run(maxInstructions: UInt64 = .max) -> RunOutcome {
        let limit = maxInstructions == .max ? UInt64.max : instructionsRetired &+ maxInstructions
        // Events delivered without retiring anything (a handler that faults again, forever) count against the
        // budget too, so `run` always returns.
        var eventBudget = maxInstructions
        armPreemptionTimer()
        // The timer counts down across calls: a caller's budget that ends a call first leaves what remains of it
        // (SDM vol. 3, "VMX-Preemption Timer": it counts while the processor is in VMX non-root operation).
        defer { if preemptionDeadline != .max { controls.preemptionTimerValue = preemptionTimerRemaining } }
        invalidateFetchWindow()  // CS, memory or translations may have been changed by the caller
        refreshTranslationTag()
        if let exit = injectPending() { return .exit(exit) }
        while true {
            if instructionsRetired >= limit { return .instructionLimit }
            if instructionsRetired >= preemptionDeadline {
                preemptionDeadline = .max
                controls.preemptionTimerValue = 0
                return .exit(VMExit(reason: ExitReason.preemptionTimer))
            }
            if let exit = recognizeInterrupts() { return .exit(exit) }
            if isHalted { return .exit(VMExit(reason: ExitReason.hlt, instructionLength: 1)) }
            // With nothing that could interrupt, run instructions back to back up to the next deadline; otherwise
            // one at a time. A pending interrupt or an interrupt window that IF holds closed (and that does not
            // exit regardless) is nothing yet: only an instruction on the interpreter's general path can set IF,
            // and `runInstructions` returns right after one that does.
            let quiet = !interruptMayBeRecognized && flagBits & Flag.tf == 0
            let stop = quiet ? min(limit, preemptionDeadline) : instructionsRetired &+ 1
            var start = rip
            var stepped = false
            do {
                try runInstructions(until: stop, start: &start, stepped: &stepped)
            } catch {
                switch error {
                case .exit(var exit):
                    // Fault-like exits leave RIP at the instruction; the length says how long it was.
                    rip = start
                    if exit.reason == ExitReason.hlt { isHalted = false }
                    if exit.instructionLength == 0, causesInstructionLength(exit.reason), let length = try? fetch().length {
                        exit.instructionLength = UInt32(length)
                    }
                    guard let handler = inlineExitHandler, handler(exit) else { return .exit(exit) }
                    // Handled in place (the fetch window stays: the handler leaves CS and translations alone). It
                    // retired nothing here, so it counts against the event budget.
                    if let exit = injectPending() { return .exit(exit) }
                    if eventBudget == 0 { return .instructionLimit }
                    eventBudget -= 1
                case .fault(let fault):
                    rip = start
                    if let exit = deliverException(fault) { return .exit(exit) }
                    if eventBudget == 0 { return .instructionLimit }
                    eventBudget -= 1
                }
            }
            if stepped, let exit = singleStepTrap() { return .exit(exit) }
        }
    }

    /// Whether a pending interrupt, or an interrupt window, could be recognized at the next instruction boundary:
    /// one that exits whatever IF says (external-interrupt exiting), or any while IF is set.
    var interruptMayBeRecognized: Bool {
        guard let _ = pendingExternalInterrupt else {
            return flagBits & Flag.if != 0 && controls.has(primary: ExecutionControls.Primary.interruptWindowExiting)
        }
        return flagBits & Flag.if != 0 || controls.has(pin: ExecutionControls.PinBased.externalInterruptExiting)
    }

    /// Delivers the event in `pendingInjection`, if any, as VM entry's event injection does; an exit it causes.
    func injectPending() -> VMExit? {
        guard let event = pendingInjection else { return nil }
        pendingInjection = nil
        return inject(event)
    }

    /// A single-step trap after an instruction that began with RFLAGS.TF set: #DB with DR6.BS, delivered with
    /// RIP at the next instruction (SDM "Single-Step Exception Condition").
    func singleStepTrap() -> VMExit? {
        dr[6] |= 1 << 14
        if let exit = exceptionExit(Fault(Vector.db), kind: .hardwareException) { return exit }
        return deliver(vector: Vector.db, kind: .hardwareException, errorCode: nil, instructionLength: 0)
    }

    /// Exits caused by executing an instruction report its length.
    func causesInstructionLength(_ reason: ExitReason) -> Bool {
        switch reason {
        case ExitReason.exceptionOrNMI, ExitReason.externalInterrupt, ExitReason.tripleFault, ExitReason.interruptWindow,
            ExitReason.eptViolation, ExitReason.eptMisconfiguration, ExitReason.preemptionTimer:
            return false
        default: return true
        }
    }

    /// Arms the preemption timer from `controls` (SDM "VMX-Preemption Timer"): it counts down once per retired
    /// instruction (the rate IA32_VMX_MISC reports as 0) and exits when it reaches zero.
    func armPreemptionTimer() {
        if controls.has(pin: ExecutionControls.PinBased.activatePreemptionTimer) {
            preemptionDeadline = instructionsRetired &+ UInt64(controls.preemptionTimerValue)
        } else {
            preemptionDeadline = .max
        }
    }

    /// The preemption timer's current value (what VM exit saves to the VMCS).
    public var preemptionTimerRemaining: UInt32 {
        preemptionDeadline == .max ? controls.preemptionTimerValue : UInt32(truncatingIfNeeded: preemptionDeadline &- instructionsRetired)
    }
}
