import X86

/// Which level handles an exit from L2 (SDM vol. 3, "Instructions That Cause VM Exits Unconditionally",
/// "Instructions That Cause VM Exits Conditionally", "Other Causes of VM Exits"): L1, when vmcs12 asks for the
/// exit, or L0, when only L0's own controls caused it (its port and MSR exits, its HLT exit, its interrupt
/// window, CR4.VMXE, and faults of EPT01). A pure function of the exit, vmcs12 and L1's bitmaps.
public enum ExitRouting {
    typealias Primary = ExecutionControls.Primary
    typealias Secondary = ExecutionControls.Secondary

    /// Whether L1 gets the exit. `register` is the value of the general register a MOV to CR0 or CR4 writes;
    /// bitmaps are read from L1's memory, and a bitmap byte outside it counts as set (the exit goes to L1, as a
    /// read of nonexistent memory returns all ones).
    public static func exitsToL1(_ exit: VMExit, vmcs12 v: VMCS12, memory: L1Memory, register: UInt64 = 0) -> Bool {
        let primary = v.u32(.cpuBasedVMExecControl)
        let secondary = primary & Primary.activateSecondary != 0 ? v.u32(.secondaryVMExecControl) : 0
        switch exit.reason {
        case ExitReason.ioInstruction:
            if primary & Primary.useIOBitmaps == 0 { return primary & Primary.unconditionalIOExiting != 0 }
            let port = exit.qualification >> 16 & 0xFFFF, size = (exit.qualification & 7) + 1
            if port + size > 0x1_0000 { return true }  // an access that wraps past port 0xFFFF exits
            return (port..<(port + size)).contains { p in
                let bitmap = p < 0x8000 ? v[.ioBitmapA] : v[.ioBitmapB]
                return memory.bit(p & 0x7FFF, ofBitmapAt: bitmap) ?? true
            }
        case ExitReason.rdmsr, ExitReason.wrmsr:
            guard primary & Primary.useMSRBitmaps != 0 else { return true }
            let msr = UInt64(UInt32(truncatingIfNeeded: register))
            let write: UInt64 = exit.reason == ExitReason.wrmsr ? 2048 : 0
            let offset: UInt64
            switch msr {
            case 0...0x1FFF: offset = write
            case 0xC000_0000...0xC000_1FFF: offset = write + 1024
            default: return true
            }
            return memory.bit(msr & 0x1FFF, ofBitmapAt: v[.msrBitmap] &+ offset) ?? true
        case ExitReason.hlt: return primary & Primary.hltExiting != 0
        case ExitReason.mwait: return primary & Primary.mwaitExiting != 0
        case ExitReason.interruptWindow: return primary & Primary.interruptWindowExiting != 0
        case ExitReason.crAccess:
            let cr = exit.qualification & 0xF, type = exit.qualification >> 4 & 3
            guard type == 0, cr == 0 || cr == 4 else { return true }
            let mask = cr == 0 ? v[.cr0GuestHostMask] : v[.cr4GuestHostMask]
            let shadow = cr == 0 ? v[.cr0ReadShadow] : v[.cr4ReadShadow]
            return (register ^ shadow) & mask != 0
        case ExitReason.eptViolation, ExitReason.eptMisconfiguration:
            return secondary & Secondary.enableEPT != 0 && exit.eptLevel == 0
        default:
            return true
        }
    }
}
