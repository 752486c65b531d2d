/// Exit information built for instructions that exit: the VMX instructions' qualification and the VM-exit
/// instruction-information field (SDM vol. 3, "VM-Exit Instruction-Information Field").
///
/// Layout for VMCLEAR, VMPTRLD, VMPTRST, VMXON, VMREAD, VMWRITE, INVEPT and INVVPID:
///
///     bits 1:0    scaling (0: none, 1: ×2, 2: ×4, 3: ×8)         bit 10      1 register operand, 0 memory
///     bits 6:3    reg1 (register operand of VMREAD/VMWRITE)      bits 17:15  segment register
///     bits 9:7    address size (0: 16, 1: 32, 2: 64 bits)        bits 21:18  index register (bit 22: invalid)
///     bits 26:23  base register (bit 27: invalid)                bits 31:28  reg2
extension CPU {
    /// A VM exit for a VMX instruction, with its qualification (the memory operand's displacement) and
    /// instruction information (SDM "VM-Exit Instruction-Information Field").
    func vmxExit(_ reason: ExitReason, _ i: Instruction) -> Event {
        guard cr4 & CR4.vmxe != 0 || reason == ExitReason.vmcall || reason == ExitReason.vmfunc else {
            return .fault(.invalidOpcode)
        }
        var exit = VMExit(reason: reason, instructionLength: UInt32(i.length))
        // A RIP-relative operand reports base and index invalid; its displacement is given relative to the
        // next instruction's address already, so base + index·scale + displacement is the address for every form.
        exit.qualification = UInt64(bitPattern: i.displacement) &+ (i.base == Instruction.ripBase ? rip : 0)
        exit.instructionInfo = instructionInformation(i)
        return .exit(exit)
    }

    /// Builds the VM-exit instruction-information field from a decoded operand: scaling 1:0, address size 9:7,
    /// memory/register 10, segment 17:15, index 21:18 (invalid 22), base 26:23 (invalid 27), reg2 31:28.
    func instructionInformation(_ i: Instruction) -> UInt32 {
        var info: UInt32 = UInt32(i.addressSize == 8 ? 2 : 1) << 7
        if i.isMemory {
            info |= UInt32(i.scale)
            let segment = i.segment != Instruction.noSegment ? UInt32(i.segment) : UInt32(SegmentRegister.ds.rawValue)
            info |= segment << 15
            info |= i.index == Instruction.noRegister ? 1 << 22 : UInt32(i.index) << 18
            info |= i.base == Instruction.noRegister || i.base == Instruction.ripBase ? 1 << 27 : UInt32(i.base) << 23
        } else {
            info |= 1 << 10 | UInt32(i.rm) << 3
        }
        info |= UInt32(i.reg & 0xF) << 28
        return info
    }
}
