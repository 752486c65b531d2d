import X86

/// What emulating a VMX instruction for a guest hypervisor comes to (SDM vol. 3, "Conventions" of the VMX
/// instruction reference: VMsucceed, VMfailInvalid, VMfailValid), or an exception instead.
public enum VMXInstructionResult: Equatable, Sendable {
    /// VMsucceed: CF, PF, AF, ZF, SF and OF cleared.
    case succeeded
    /// VMfailInvalid (no current VMCS): CF set, the others cleared.
    case failedInvalid
    /// VMfailValid with the VM-instruction error number: ZF set, the others cleared.
    case failedValid(VMInstructionError)
    /// The instruction raises an exception and does not complete.
    case fault(Fault)

    /// Applies the result to the vCPU that executed the instruction: flags and RIP past the instruction for the
    /// VMsucceed/VMfail forms, an injected exception (RIP unchanged) for a fault.
    public func complete(on cpu: CPU, instructionLength: UInt32) {
        switch self {
        case .succeeded: cpu.setArithmeticFlags(0)
        case .failedInvalid: cpu.setArithmeticFlags(Flag.cf)
        case .failedValid: cpu.setArithmeticFlags(Flag.zf)
        case .fault(let fault):
            cpu.pendingInjection = InjectedEvent(vector: fault.vector, kind: .hardwareException, errorCode: fault.errorCode)
            return
        }
        cpu.rip &+= UInt64(instructionLength)
    }
}

/// The operands of a VMX instruction that exited, from the exit's instruction information and qualification
/// (SDM vol. 3, "VM-Exit Instruction-Information Field"; the qualification holds the displacement).
public enum VMXOperand {
    /// Whether the instruction's operand is a register (bit 10) rather than memory.
    public static func isRegister(_ exit: VMExit) -> Bool { exit.instructionInfo & 1 << 10 != 0 }

    /// The register operand of VMREAD and VMWRITE (reg1, bits 6:3).
    public static func register1(_ exit: VMExit) -> Int { Int(exit.instructionInfo >> 3 & 0xF) }

    /// The register that names the field of VMREAD and VMWRITE or the type of INVEPT and INVVPID (reg2, 31:28).
    public static func register2(_ exit: VMExit) -> Int { Int(exit.instructionInfo >> 28 & 0xF) }

    /// The guest-linear address of the memory operand: segment base + base + index·scale + displacement, cut to
    /// the address size.
    public static func linearAddress(_ exit: VMExit, cpu: CPU) -> UInt64 {
        let info = exit.instructionInfo
        var offset = exit.qualification
        if info & 1 << 27 == 0 { offset &+= cpu.gpr[Int(info >> 23 & 0xF)] }
        if info & 1 << 22 == 0 { offset &+= cpu.gpr[Int(info >> 18 & 0xF)] << UInt64(info & 3) }
        switch info >> 7 & 7 {
        case 0: offset &= 0xFFFF
        case 1: offset &= 0xFFFF_FFFF
        default: break
        }
        let segment = SegmentRegister(rawValue: Int(info >> 15 & 7)) ?? .ds
        return cpu.segment(segment).base &+ offset
    }

    /// Reads `size` bytes of the memory operand at `offset` past its address, through L1's paging.
    public static func read(_ exit: VMExit, cpu: CPU, size: Int, offset: UInt64 = 0) -> Result<UInt64, Fault> {
        do {
            return .success(try cpu.readLinear(linearAddress(exit, cpu: cpu) &+ offset, size: size))
        } catch {
            if case .fault(let fault) = error { return .failure(fault) }
            return .failure(.generalProtection(0))
        }
    }

    /// Writes `size` bytes to the memory operand; nil when it succeeded.
    public static func write(_ exit: VMExit, cpu: CPU, size: Int, _ value: UInt64) -> Fault? {
        do {
            try cpu.writeLinear(linearAddress(exit, cpu: cpu), size: size, value)
            return nil
        } catch {
            if case .fault(let fault) = error { return fault }
            return .generalProtection(0)
        }
    }
}
