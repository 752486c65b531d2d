/// Event recognition and delivery: interrupts and injected events, the exception bitmap, #DF and triple faults,
/// and delivery through the 64-bit IDT (SDM vol. 3, "Interrupt and Exception Handling", "Event Injection").
extension CPU {
    /// Delivers a pending external interrupt when RFLAGS.IF allows and nothing blocks it, or exits for it or
    /// for an open interrupt window as the controls ask.
    @inline(__always)
    func recognizeInterrupts() -> VMExit? {
        if pendingExternalInterrupt == nil && !controls.has(primary: ExecutionControls.Primary.interruptWindowExiting) { return nil }
        return recognizeInterruptsSlow()
    }

    func recognizeInterruptsSlow() -> VMExit? {
        // IF from the stored bits: materialising the arithmetic flags on every instruction while an interrupt waits
        // for IF would slow a guest running with interrupts disabled to a crawl.
        let open = flagBits & Flag.if != 0 && !interruptShadow
        if open && controls.has(primary: ExecutionControls.Primary.interruptWindowExiting) {
            return VMExit(reason: ExitReason.interruptWindow)
        }
        guard let vector = pendingExternalInterrupt else { return nil }
        if controls.has(pin: ExecutionControls.PinBased.externalInterruptExiting) {
            pendingExternalInterrupt = nil
            var exit = VMExit(reason: ExitReason.externalInterrupt)
            exit.interruptionInfo = UInt32(vector) | 1 << 31
            return exit
        }
        guard open else { return nil }
        pendingExternalInterrupt = nil
        isHalted = false
        return deliver(vector: vector, kind: .externalInterrupt, errorCode: nil, instructionLength: 0)
    }

    /// Injects an event at VM entry (no exception-bitmap check applies to injected events).
    func inject(_ event: InjectedEvent) -> VMExit? {
        isHalted = false
        return deliver(vector: event.vector, kind: event.kind, errorCode: event.errorCode, instructionLength: event.instructionLength)
    }

    /// Delivers an exception raised by an instruction, or exits for it when the exception bitmap says so.
    func deliverException(_ fault: Fault) -> VMExit? {
        if let exit = exceptionExit(fault, kind: .hardwareException) { return exit }
        if fault.vector == Vector.pf { cr2 = fault.address }
        return deliver(vector: fault.vector, kind: .hardwareException, errorCode: fault.errorCode, instructionLength: 0)
    }

    /// The exit an exception causes under the exception bitmap (SDM "Exceptions"), or nil.
    public func exceptionExit(_ fault: Fault, kind: InjectedEvent.Kind) -> VMExit? {
        var exits = controls.exceptionBitmap & (1 << UInt32(fault.vector)) != 0
        if fault.vector == Vector.pf {
            let code = fault.errorCode ?? 0
            let matches = code & controls.pageFaultErrorCodeMask == controls.pageFaultErrorCodeMatch
            exits = exits == matches
        }
        guard exits else { return nil }
        var exit = VMExit(reason: ExitReason.exceptionOrNMI)
        exit.interruptionInfo = UInt32(fault.vector) | UInt32(kind.rawValue) << 8 | (fault.errorCode != nil ? 1 << 11 : 0) | 1 << 31
        exit.interruptionErrorCode = fault.errorCode ?? 0
        if fault.vector == Vector.pf { exit.qualification = fault.address }
        return exit
    }

    /// Delivers an event through the 64-bit IDT (SDM "Interrupt and Exception Handling in 64-bit Mode"),
    /// raising #DF for a contributory fault during delivery and a triple fault (an exit in VMX non-root
    /// operation) when #DF delivery faults too.
    func deliver(vector: UInt8, kind: InjectedEvent.Kind, errorCode: UInt32?, instructionLength: UInt8) -> VMExit? {
        var vector = vector, errorCode = errorCode, kind = kind
        var firstClass = kind == .hardwareException ? Vector.faultClass(vector) : 0
        var deliveringDoubleFault = false
        refreshTranslationTag()  // the instruction that raised the event may have changed CPL or CR3 before it faulted
        while true {
            do {
                try deliverThroughIDT(vector: vector, kind: kind, errorCode: errorCode, instructionLength: instructionLength)
                return nil
            } catch {
                switch error {
                case .exit(var exit):
                    exit.idtVectoringInfo = UInt32(vector) | UInt32(kind.rawValue) << 8 | (errorCode != nil ? 1 << 11 : 0) | 1 << 31
                    exit.idtVectoringErrorCode = errorCode ?? 0
                    return exit
                case .fault(let second):
                    if deliveringDoubleFault { return VMExit(reason: ExitReason.tripleFault) }
                    let secondClass = Vector.faultClass(second.vector)
                    let double = (firstClass == 1 && secondClass == 1) || (firstClass == 2 && secondClass != 0)
                    if second.vector == Vector.pf { cr2 = second.address }
                    if double {
                        if let exit = exceptionExit(Fault(Vector.df, errorCode: 0), kind: .hardwareException) { return exit }
                        vector = Vector.df; errorCode = 0; kind = .hardwareException
                        deliveringDoubleFault = true
                    } else {
                        if let exit = exceptionExit(second, kind: .hardwareException) { return exit }
                        vector = second.vector; errorCode = second.errorCode; kind = .hardwareException
                        firstClass = secondClass
                    }
                }
            }
        }
    }

    func deliverThroughIDT(vector: UInt8, kind: InjectedEvent.Kind, errorCode: UInt32?, instructionLength: UInt8) throws(Event) {
        let external: UInt32 = kind == .externalInterrupt || kind == .nmi || kind == .hardwareException ? 1 : 0
        let idtError = UInt32(vector) << 3 | 2 | external
        guard UInt32(vector) * 16 + 15 <= idtrLimit else { throw .fault(.generalProtection(idtError)) }
        let gateLow = try readSystem(idtrBase &+ UInt64(vector) * 16, 8)
        let gateHigh = try readSystem(idtrBase &+ UInt64(vector) * 16 + 8, 8)
        let type = (gateLow >> 40) & 0xF
        let dpl = Int((gateLow >> 45) & 3)
        guard type == 0xE || type == 0xF else { throw .fault(.generalProtection(idtError)) }
        let isSoftware = kind == .softwareInterrupt || kind == .softwareException || kind == .privilegedSoftwareException
        if isSoftware && kind != .privilegedSoftwareException && dpl < cpl { throw .fault(.generalProtection(idtError)) }
        guard (gateLow >> 47) & 1 == 1 else { throw .fault(Fault(Vector.np, errorCode: idtError)) }
        let selector = UInt16(truncatingIfNeeded: gateLow >> 16)
        let target = (gateLow & 0xFFFF) | ((gateLow >> 32) & 0xFFFF_0000) | (gateHigh & 0xFFFF_FFFF) << 32
        let ist = Int(gateLow >> 32) & 7
        let codeSegment = try loadCodeDescriptor(selector)
        let newCPL = codeSegment.dpl
        guard newCPL <= cpl else { throw .fault(.generalProtection(UInt32(selector & 0xFFFC) | external)) }
        let oldSS = segments[SegmentRegister.ss.rawValue].selector
        let oldRSP = gpr[Reg.rsp]
        let returnRIP = isSoftware ? rip &+ UInt64(instructionLength) : rip
        var newRSP = oldRSP
        if ist != 0 {
            newRSP = try readSystem(tr.base &+ 0x24 &+ UInt64(ist - 1) * 8, 8)
        } else if newCPL < cpl {
            newRSP = try readSystem(tr.base &+ 4 &+ UInt64(newCPL) * 8, 8)
        }
        newRSP &= ~0xF
        let oldFlags = rflags
        let oldCS = segments[SegmentRegister.cs.rawValue].selector
        // The frame (SS, RSP, RFLAGS, CS, RIP, then any error code) is pushed before any state changes, so a
        // fault while pushing leaves the old state intact; it is written with the new privilege (a supervisor
        // stack may be a supervisor page).
        let pushesErrorCode = errorCode != nil && kind == .hardwareException && Vector.hasErrorCode(vector)
        var rsp = newRSP
        let savedCS = segments[SegmentRegister.cs.rawValue]
        segments[SegmentRegister.cs.rawValue] = codeSegment
        func push(_ value: UInt64) throws(Event) {
            rsp &-= 8
            try write(rsp, 8, value)
        }
        do {
            try push(UInt64(oldSS))
            try push(oldRSP)
            try push(oldFlags)
            try push(UInt64(oldCS))
            try push(returnRIP)
            if pushesErrorCode, let errorCode { try push(UInt64(errorCode)) }
        } catch {
            segments[SegmentRegister.cs.rawValue] = savedCS
            throw error
        }
        let pushAsSupervisor = newCPL < Int(savedCS.dpl)
        if pushAsSupervisor {
            segments[SegmentRegister.ss.rawValue] = Segment(
                selector: UInt16(newCPL), base: 0, limit: 0xFFFF_FFFF, attributes: 0xC093 | UInt32(newCPL) << 5)
        }
        segments[SegmentRegister.cs.rawValue] = codeSegment
        segments[SegmentRegister.cs.rawValue].selector = (selector & ~3) | UInt16(newCPL)
        invalidateFetchWindow()
        gpr[Reg.rsp] = rsp
        rip = target
        var flags = oldFlags & ~(Flag.tf | Flag.nt | Flag.rf | Flag.vm)
        if type == 0xE { flags &= ~Flag.if }
        rflags = flags
        isHalted = false
        interruptShadow = false
    }

    /// Reads a system structure (IDT, GDT, TSS) at a linear address with supervisor rights.
    func readSystem(_ linear: UInt64, _ size: Int) throws(Event) -> UInt64 {
        let cs = segments[SegmentRegister.cs.rawValue]
        if cs.dpl == 0 { return try read(linear, size) }
        segments[SegmentRegister.cs.rawValue].attributes &= ~(3 << 5)
        defer { segments[SegmentRegister.cs.rawValue] = cs }
        return try read(linear, size)
    }

    /// Loads a 64-bit code-segment descriptor from the GDT for event delivery.
    func loadCodeDescriptor(_ selector: UInt16) throws(Event) -> Segment {
        let index = UInt64(selector & ~7)
        guard selector & 4 == 0, index != 0, index + 7 <= UInt64(gdtrLimit) else {
            throw .fault(.generalProtection(UInt32(selector & 0xFFFC)))
        }
        let descriptor = try readSystem(gdtrBase &+ index, 8)
        let attributes = UInt32((descriptor >> 40) & 0xFF) | UInt32((descriptor >> 52) & 0xF) << 12
        guard attributes & 0x18 == 0x18 else { throw .fault(.generalProtection(UInt32(selector & 0xFFFC))) }
        guard attributes & 0x80 != 0 else { throw .fault(Fault(Vector.np, errorCode: UInt32(selector & 0xFFFC))) }
        return Segment(selector: selector, base: 0, limit: 0xFFFF_FFFF, attributes: attributes)
    }
}
