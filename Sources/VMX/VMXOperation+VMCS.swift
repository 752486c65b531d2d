import X86

/// The instructions that manage VMCSs and cached translations (SDM vol. 3, "VMCLEAR—Clear Virtual-Machine
/// Control Structure", "VMPTRLD—Load Pointer to Virtual-Machine Control Structure", "VMPTRST—Store Pointer to
/// Virtual-Machine Control Structure", "VMREAD—Read Field from Virtual-Machine Control Structure", "VMWRITE—Write
/// Field to Virtual-Machine Control Structure", "INVEPT—Invalidate Translations Derived from EPT", "INVVPID—
/// Invalidate Translations Based on VPID"), in the order of their pseudo-code's checks.
extension VMXOperation {
    /// VMCLEAR: the region's launch state becomes clear, and a current VMCS stops being current (written back).
    public mutating func vmclear(cpu: CPU, exit: VMExit, memory: L1Memory) -> VMXInstructionResult {
        if let result = prologue(cpu) { return result }
        let pointer: UInt64
        switch VMXOperand.read(exit, cpu: cpu, size: 8) {
        case .failure(let fault): return .fault(fault)
        case .success(let value): pointer = value
        }
        guard Self.isRegionAddress(pointer, memory) else { return fail(.vmclearInvalidAddress) }
        guard pointer != vmxonRegion else { return fail(.vmclearVMXONPointer) }
        if pointer == currentVMCS {
            vmcs.isLaunched = false
            writeBack(memory)
            currentVMCS = .max
        } else {
            memory.write(pointer + VMCS12Layout.launchState, size: 4, 0)
        }
        return .succeeded
    }

    /// VMPTRLD: the region becomes the current VMCS (the previous one is written back first).
    public mutating func vmptrld(cpu: CPU, exit: VMExit, memory: L1Memory) -> VMXInstructionResult {
        if let result = prologue(cpu) { return result }
        let pointer: UInt64
        switch VMXOperand.read(exit, cpu: cpu, size: 8) {
        case .failure(let fault): return .fault(fault)
        case .success(let value): pointer = value
        }
        guard Self.isRegionAddress(pointer, memory) else { return fail(.vmptrldInvalidAddress) }
        guard pointer != vmxonRegion else { return fail(.vmptrldVMXONPointer) }
        // Bit 31 is the shadow-VMCS indicator: a shadow VMCS cannot be made current without VMCS shadowing.
        guard memory.read(pointer, size: 4) == UInt64(VMXCapabilities.revisionIdentifier) else {
            return fail(.vmptrldIncorrectRevision)
        }
        if pointer != currentVMCS {
            entryMemo.forget()
            writeBack(memory)
            vmcs = VMCS12(region: pointer, in: memory)
            currentVMCS = pointer
        }
        return .succeeded
    }

    /// VMPTRST: the current-VMCS pointer (all ones when none) is stored at the operand.
    public mutating func vmptrst(cpu: CPU, exit: VMExit) -> VMXInstructionResult {
        if let result = prologue(cpu) { return result }
        if let fault = VMXOperand.write(exit, cpu: cpu, size: 8, currentVMCS) { return .fault(fault) }
        return .succeeded
    }

    /// VMREAD: the field named by reg2 to reg1 or memory, 64 bits in 64-bit mode.
    public mutating func vmread(cpu: CPU, exit: VMExit) -> VMXInstructionResult {
        if let result = prologue(cpu) { return result }
        guard currentVMCS != .max else { return .failedInvalid }
        guard let component = VMCSField.component(encoding: cpu.gpr[VMXOperand.register2(exit)]) else {
            return fail(.unsupportedVMCSComponent)
        }
        let value = vmcs.read(component)
        if VMXOperand.isRegister(exit) {
            cpu.gpr[VMXOperand.register1(exit)] = value
        } else if let fault = VMXOperand.write(exit, cpu: cpu, size: 8, value) {
            return .fault(fault)
        }
        return .succeeded
    }

    /// VMWRITE: reg1 or memory into the field named by reg2. VM-exit information fields are read-only
    /// (IA32_VMX_MISC bit 29 is 0): VMfailValid(13).
    public mutating func vmwrite(cpu: CPU, exit: VMExit) -> VMXInstructionResult {
        if let result = prologue(cpu) { return result }
        let value: UInt64
        if VMXOperand.isRegister(exit) {
            value = cpu.gpr[VMXOperand.register1(exit)]
        } else {
            switch VMXOperand.read(exit, cpu: cpu, size: 8) {
            case .failure(let fault): return .fault(fault)
            case .success(let read): value = read
            }
        }
        guard currentVMCS != .max else { return .failedInvalid }
        guard let component = VMCSField.component(encoding: cpu.gpr[VMXOperand.register2(exit)]) else {
            return fail(.unsupportedVMCSComponent)
        }
        guard component.field.kind != .exitInformation else { return fail(.vmwriteReadOnlyComponent) }
        vmcs.write(component, value)
        return .succeeded
    }

    /// INVEPT: type 1 drops the translations derived from the descriptor's EPTP, type 2 those of every EPTP.
    public mutating func invept(cpu: CPU, exit: VMExit) -> VMXInstructionResult {
        if let result = prologue(cpu) { return result }
        let type = cpu.gpr[VMXOperand.register2(exit)]
        let eptp: UInt64
        switch VMXOperand.read(exit, cpu: cpu, size: 8) {
        case .failure(let fault): return .fault(fault)
        case .success(let value): eptp = value
        }
        if case .failure(let fault) = VMXOperand.read(exit, cpu: cpu, size: 8, offset: 8) { return .fault(fault) }
        switch type {
        case 1:
            var probe = VMCS12()
            probe[.cpuBasedVMExecControl] = UInt64(ExecutionControls.Primary.activateSecondary)
            probe[.secondaryVMExecControl] = UInt64(ExecutionControls.Secondary.enableEPT)
            probe[.eptPointer] = eptp
            let inputs = EntryInputs(vmcs: probe, inIA32eMode: true, readWord: { _ in nil })
            guard EntryCheck.eptPointerChecks.allSatisfy({ $0.evaluate(inputs) == nil }) else {
                return fail(.invalidINVEPTOrINVVPIDOperand)
            }
            cpu.invalidateEPT(eptp)
        case 2: cpu.invalidateEPT(nil)
        default: return fail(.invalidINVEPTOrINVVPIDOperand)
        }
        return .succeeded
    }

    /// INVVPID: type 0 one linear address of a VPID, 1 a VPID, 2 every VPID, 3 a VPID but its global
    /// translations (done as type 1, which drops more, as the SDM allows).
    public mutating func invvpid(cpu: CPU, exit: VMExit) -> VMXInstructionResult {
        if let result = prologue(cpu) { return result }
        let type = cpu.gpr[VMXOperand.register2(exit)]
        let low: UInt64, address: UInt64
        switch (VMXOperand.read(exit, cpu: cpu, size: 8), VMXOperand.read(exit, cpu: cpu, size: 8, offset: 8)) {
        case (.failure(let fault), _), (_, .failure(let fault)): return .fault(fault)
        case (.success(let a), .success(let b)): (low, address) = (a, b)
        }
        guard type <= 3, low >> 16 == 0 else { return fail(.invalidINVEPTOrINVVPIDOperand) }
        let vpid = UInt16(low)
        if type != 2 && vpid == 0 { return fail(.invalidINVEPTOrINVVPIDOperand) }
        switch type {
        case 0:
            let top = Int64(bitPattern: address) >> 47
            guard top == 0 || top == -1 else { return fail(.invalidINVEPTOrINVVPIDOperand) }
            cpu.invalidateVPID(vpid, address: address)
        case 2: cpu.invalidateVPID(nil)
        default: cpu.invalidateVPID(vpid)
        }
        return .succeeded
    }
}
