/// System instructions and the VM exits they cause (SDM vol. 3, "Instructions That Cause VM Exits"):
/// MOV CR (guest/host masks, read shadows, CR3 and CR8 exiting), MOV DR, RDMSR/WRMSR (MSR bitmaps), RDTSC/RDTSCP,
/// descriptor-table instructions, INVLPG, CLTS, LMSW, WBINVD, and the 0F 01 forms.
extension CPU {
    /// Control-register access exit qualification (SDM "Exit Qualification for Control-Register Accesses").
    func crExit(_ cr: UInt64, type: UInt64, register: UInt8 = 0, lmswSource: UInt64 = 0, memoryOperand: Bool = false, _ i: Instruction)
        -> Event
    {
        var exit = VMExit(reason: ExitReason.crAccess, instructionLength: UInt32(i.length))
        exit.qualification = cr | type << 4 | (memoryOperand ? 1 << 6 : 0) | UInt64(register) << 8 | (lmswSource & 0xFFFF) << 16
        return .exit(exit)
    }

    /// 0F 20 / 0F 22: MOV from / to CR0, CR2, CR3, CR4, CR8.
    func executeMOVCR(_ i: Instruction) throws(Event) {
        guard cpl == 0 else { throw .fault(.generalProtection(0)) }
        let cr = UInt64(i.reg)
        let toCR = i.opcode == 0x22
        let value = gpr[Int(i.rm)]
        switch (cr, toCR) {
        case (0, false): gpr[Int(i.rm)] = (cr0 & ~controls.cr0GuestHostMask) | (controls.cr0ReadShadow & controls.cr0GuestHostMask)
        case (2, false): gpr[Int(i.rm)] = cr2
        case (3, false):
            if controls.has(primary: ExecutionControls.Primary.cr3StoreExiting) { throw crExit(3, type: 1, register: i.rm, i) }
            gpr[Int(i.rm)] = cr3
        case (4, false): gpr[Int(i.rm)] = (cr4 & ~controls.cr4GuestHostMask) | (controls.cr4ReadShadow & controls.cr4GuestHostMask)
        case (8, false):
            if controls.has(primary: ExecutionControls.Primary.cr8StoreExiting) { throw crExit(8, type: 1, register: i.rm, i) }
            gpr[Int(i.rm)] = cr8
        case (0, true):
            if (value ^ controls.cr0ReadShadow) & controls.cr0GuestHostMask != 0 { throw crExit(0, type: 0, register: i.rm, i) }
            try writeCR0(value)
        case (2, true): cr2 = value
        case (3, true):
            if controls.has(primary: ExecutionControls.Primary.cr3LoadExiting) && !controls.cr3TargetValues.contains(value) {
                throw crExit(3, type: 0, register: i.rm, i)
            }
            try writeCR3(value)
        case (4, true):
            if (value ^ controls.cr4ReadShadow) & controls.cr4GuestHostMask != 0 { throw crExit(4, type: 0, register: i.rm, i) }
            try writeCR4(value)
        case (8, true):
            if controls.has(primary: ExecutionControls.Primary.cr8LoadExiting) { throw crExit(8, type: 0, register: i.rm, i) }
            guard value >> 4 == 0 else { throw .fault(.generalProtection(0)) }
            cr8 = value
        default: throw .fault(.invalidOpcode)
        }
    }

    /// Writes CR0 with the SDM's checks: reserved bits, PG without PE, NW without CD, clearing PG in 64-bit mode.
    public func writeCR0(_ value: UInt64) throws(Event) {
        if value >> 32 != 0 { throw .fault(.generalProtection(0)) }
        if value & CR0.pg != 0 && value & CR0.pe == 0 { throw .fault(.generalProtection(0)) }
        if value & CR0.nw != 0 && value & CR0.cd == 0 { throw .fault(.generalProtection(0)) }
        if value & CR0.pg == 0 && efer & EFER.lma != 0 { throw .fault(.generalProtection(0)) }
        if (value ^ cr0) & (CR0.pg | CR0.wp | CR0.pe) != 0 { flushAllTranslations() }
        cr0 = value | CR0.et
    }

    /// Writes CR3, flushing non-global translations (or keeping those of the PCID when bit 63 says so).
    public func writeCR3(_ value: UInt64) throws(Event) {
        if value & 0x000F_FFFF_FFFF_FFFF != value & ~(1 << 63) { throw .fault(.generalProtection(0)) }
        flushForCR3Write(value)
        cr3 = value & ~(1 << 63)
    }

    /// Writes CR4 with the SDM's checks (reserved bits, PAE in 64-bit mode, PCIDE needs CR3[11:0] = 0).
    public func writeCR4(_ value: UInt64) throws(Event) {
        if value & ~CR4.supported != 0 { throw .fault(.generalProtection(0)) }
        if efer & EFER.lma != 0 && value & CR4.pae == 0 { throw .fault(.generalProtection(0)) }
        if value & CR4.pcide != 0 && cr4 & CR4.pcide == 0 && cr3 & 0xFFF != 0 { throw .fault(.generalProtection(0)) }
        if (value ^ cr4) & (CR4.pge | CR4.pae | CR4.pse | CR4.pcide | CR4.smep | CR4.la57) != 0 { flushAllTranslations() }
        cr4 = value
    }

    /// 0F 21 / 0F 23: MOV from / to DR0–DR7, exiting under MOV-DR exiting.
    func executeMOVDR(_ i: Instruction) throws(Event) {
        guard cpl == 0 else { throw .fault(.generalProtection(0)) }
        // DR4 and DR5 are #UD with CR4.DE set and otherwise DR6 and DR7 (SDM vol. 3, "Debug Registers DR4 and DR5").
        var n = Int(i.reg)
        guard n < 8 else { throw .fault(.invalidOpcode) }
        if n == 4 || n == 5 {
            guard cr4 & CR4.de == 0 else { throw .fault(.invalidOpcode) }
            n += 2
        }
        let toDR = i.opcode == 0x23
        if controls.has(primary: ExecutionControls.Primary.movDRExiting) {
            var exit = VMExit(reason: ExitReason.drAccess, instructionLength: UInt32(i.length))
            exit.qualification = UInt64(n) | (toDR ? 0 : 1 << 4) | UInt64(i.rm) << 8
            throw .exit(exit)
        }
        if toDR {
            let value = gpr[Int(i.rm)]
            if n >= 6 && value >> 32 != 0 { throw .fault(.generalProtection(0)) }
            dr[n] = n == 6 ? value | 0xFFFF_0FF0 : (n == 7 ? (value | 0x400) & ~0x2000 : value)
        } else {
            gpr[Int(i.rm)] = dr[n]
        }
    }

    /// Whether RDMSR (write false) or WRMSR of `msr` exits: always without MSR bitmaps, else by the bitmap bit
    /// (MSRs outside 0–0x1FFF and 0xC0000000–0xC0001FFF always exit).
    func msrExits(_ msr: UInt32, write: Bool) -> Bool {
        guard controls.has(primary: ExecutionControls.Primary.useMSRBitmaps) else { return true }
        let offset: UInt64
        switch msr {
        case 0...0x1FFF: offset = 0
        case 0xC000_0000...0xC000_1FFF: offset = 1024
        default: return true
        }
        let bit = UInt64(msr & 0x1FFF)
        let byte = controls.msrBitmap.value + (write ? 2048 : 0) + offset + bit / 8
        return memory.read(byte, size: 1) >> (bit % 8) & 1 != 0
    }

    /// 0F 32: RDMSR.
    func executeRDMSR(_ i: Instruction) throws(Event) {
        guard cpl == 0 else { throw .fault(.generalProtection(0)) }
        let msr = UInt32(truncatingIfNeeded: gpr[Reg.rcx])
        if msrExits(msr, write: false) { throw .exit(VMExit(reason: ExitReason.rdmsr, instructionLength: UInt32(i.length))) }
        guard let value = readMSR(msr) else { throw .fault(.generalProtection(0)) }
        gpr[Reg.rax] = value & 0xFFFF_FFFF
        gpr[Reg.rdx] = value >> 32
    }

    /// 0F 30: WRMSR.
    func executeWRMSR(_ i: Instruction) throws(Event) {
        guard cpl == 0 else { throw .fault(.generalProtection(0)) }
        let msr = UInt32(truncatingIfNeeded: gpr[Reg.rcx])
        if msrExits(msr, write: true) { throw .exit(VMExit(reason: ExitReason.wrmsr, instructionLength: UInt32(i.length))) }
        let value = (gpr[Reg.rdx] << 32) | (gpr[Reg.rax] & 0xFFFF_FFFF)
        guard writeMSR(msr, value) else { throw .fault(.generalProtection(0)) }
    }

    /// Reads an MSR the processor implements, or asks `msrHandler`; nil means #GP.
    public func readMSR(_ msr: UInt32) -> UInt64? {
        switch msr {
        case MSR.tsc: return timeStampCounter
        case MSR.efer: return efer
        case MSR.star: return star
        case MSR.lstar: return lstar
        case MSR.cstar: return cstar
        case MSR.sfmask: return sfmask
        case MSR.fsBase: return segments[SegmentRegister.fs.rawValue].base
        case MSR.gsBase: return segments[SegmentRegister.gs.rawValue].base
        case MSR.kernelGSBase: return kernelGSBase
        case MSR.tscAux: return tscAux
        case MSR.pat: return pat
        case MSR.sysenterCS: return sysenterCS
        case MSR.sysenterESP: return sysenterESP
        case MSR.sysenterEIP: return sysenterEIP
        case MSR.debugctl: return debugctl
        case MSR.miscEnable: return miscEnable
        default: return readPerformanceMSR(msr) ?? msrHandler.read(msr)
        }
    }

    /// Writes an MSR the processor implements, or asks `msrHandler`; false means #GP.
    public func writeMSR(_ msr: UInt32, _ value: UInt64) -> Bool {
        // Addresses in MSRs are canonical in the processor's widest linear address (57 bits), whatever CR4.LA57 says.
        func canonical(_ v: UInt64) -> Bool { ProcessorFeatures.isCanonical(v) }
        switch msr {
        case MSR.tsc: tscBase = value &- instructionsRetired
        case MSR.efer:
            let allowed = EFER.sce | EFER.lme | EFER.lma | EFER.nxe
            guard value & ~allowed == 0, (value ^ efer) & EFER.lme == 0 || cr0 & CR0.pg == 0 else { return false }
            if (value ^ efer) & EFER.nxe != 0 { flushAllTranslations() }
            efer = (value & ~EFER.lma) | (efer & EFER.lma)
        case MSR.star: star = value
        case MSR.lstar: guard canonical(value) else { return false }; lstar = value
        case MSR.cstar: guard canonical(value) else { return false }; cstar = value
        case MSR.sfmask: sfmask = value & 0xFFFF_FFFF
        case MSR.fsBase: guard canonical(value) else { return false }; segments[SegmentRegister.fs.rawValue].base = value
        case MSR.gsBase: guard canonical(value) else { return false }; segments[SegmentRegister.gs.rawValue].base = value
        case MSR.kernelGSBase: guard canonical(value) else { return false }; kernelGSBase = value
        case MSR.tscAux: guard value >> 32 == 0 else { return false }; tscAux = value
        case MSR.pat:
            for k in 0..<8 where [2, 3].contains((value >> (8 * UInt64(k))) & 0xFF) || (value >> (8 * UInt64(k))) & 0xF8 != 0 {
                return false
            }
            pat = value
        case MSR.sysenterCS: sysenterCS = value
        case MSR.debugctl: guard value & ~DebugCtl.writable == 0 else { return false }; debugctl = value
        case MSR.miscEnable:
            guard (value ^ miscEnable) & ~MiscEnable.writable == 0 else { return false }
            miscEnable = value
        case MSR.sysenterESP: guard canonical(value) else { return false }; sysenterESP = value
        case MSR.sysenterEIP: guard canonical(value) else { return false }; sysenterEIP = value
        default: return writePerformanceMSR(msr, value) ?? msrHandler.write(msr, value)
        }
        return true
    }

    /// The TSC the guest reads: retired instructions, plus the offset when TSC offsetting is on.
    public var timeStampCounter: UInt64 {
        let tsc = instructionsRetired &+ tscBase
        return controls.has(primary: ExecutionControls.Primary.useTSCOffsetting) ? tsc &+ controls.tscOffset : tsc
    }

    /// 0F 31 (RDTSC) and 0F 01 F9 (RDTSCP).
    func executeRDTSC(_ i: Instruction, withAux: Bool) throws(Event) {
        if withAux && !controls.has(secondary: ExecutionControls.Secondary.enableRDTSCP) { throw .fault(.invalidOpcode) }
        // CR4.TSD keeps the TSC from CPL > 0; that #GP comes before an RDTSC exit (SDM "RDTSC—Read Time-Stamp Counter").
        if cr4 & CR4.tsd != 0 && cpl != 0 { throw .fault(.generalProtection(0)) }
        if controls.has(primary: ExecutionControls.Primary.rdtscExiting) {
            throw .exit(VMExit(reason: withAux ? ExitReason.rdtscp : ExitReason.rdtsc, instructionLength: UInt32(i.length)))
        }
        let tsc = timeStampCounter
        gpr[Reg.rax] = tsc & 0xFFFF_FFFF
        gpr[Reg.rdx] = tsc >> 32
        if withAux { gpr[Reg.rcx] = tscAux & 0xFFFF_FFFF }
    }

    /// 0F 06: CLTS, exiting when the guest/host mask owns CR0.TS and the shadow has it set.
    func executeCLTS(_ i: Instruction) throws(Event) {
        guard cpl == 0 else { throw .fault(.generalProtection(0)) }
        if controls.cr0GuestHostMask & CR0.ts != 0 && controls.cr0ReadShadow & CR0.ts != 0 { throw crExit(0, type: 2, i) }
        cr0 &= ~CR0.ts
    }

    /// 0F 09: WBINVD.
    func executeWBINVD(_ i: Instruction) throws(Event) {
        guard cpl == 0 else { throw .fault(.generalProtection(0)) }
        if controls.has(secondary: ExecutionControls.Secondary.wbinvdExiting) {
            throw .exit(VMExit(reason: ExitReason.wbinvd, instructionLength: UInt32(i.length)))
        }
    }

    func descriptorTableExit(_ reason: ExitReason, identity: UInt32, _ i: Instruction) -> Event {
        var exit = VMExit(reason: reason, instructionLength: UInt32(i.length))
        exit.qualification = UInt64(bitPattern: i.displacement)
        exit.instructionInfo = (instructionInformation(i) & ~(0xF << 28)) | identity << 28
        return .exit(exit)
    }

    /// 0F 00: SLDT, STR, LLDT, LTR, VERR, VERW.
    func executeGroup6(_ i: Instruction) throws(Event) {
        let op = i.reg & 7
        if controls.has(secondary: ExecutionControls.Secondary.descriptorTableExiting) && op < 4 {
            throw descriptorTableExit(ExitReason.ldtrTRAccess, identity: UInt32(op), i)
        }
        switch op {
        case 0: try writeRM(i, i.isMemory ? 2 : Int(i.operandSize), UInt64(ldtr.selector))
        case 1: try writeRM(i, i.isMemory ? 2 : Int(i.operandSize), UInt64(tr.selector))
        case 2, 3:
            guard cpl == 0 else { throw .fault(.generalProtection(0)) }
            let selector = UInt16(truncatingIfNeeded: try readRM(i, 2))
            guard selector & 4 == 0 else { throw .fault(.generalProtection(UInt32(selector & 0xFFFC))) }
            if selector & 0xFFFC == 0 {
                guard op == 2 else { throw .fault(.generalProtection(0)) }
                ldtr = Segment(selector: 0, base: 0, limit: 0, attributes: 1 << 16)
                return
            }
            let index = UInt64(selector & ~7)
            guard index + 15 <= UInt64(gdtrLimit) else { throw .fault(.generalProtection(UInt32(selector & 0xFFFC))) }
            let low = try readSystem(gdtrBase &+ index, 8), high = try readSystem(gdtrBase &+ index &+ 8, 8)
            let attributes = UInt32((low >> 40) & 0xFF) | UInt32((low >> 52) & 0xF) << 12
            let type = attributes & 0x1F
            guard op == 2 ? type == 0x02 : type == 0x09 else { throw .fault(.generalProtection(UInt32(selector & 0xFFFC))) }
            guard attributes & 0x80 != 0 else { throw .fault(Fault(Vector.np, errorCode: UInt32(selector & 0xFFFC))) }
            let base = (low >> 16) & 0xFF_FFFF | ((low >> 56) & 0xFF) << 24 | (high & 0xFFFF_FFFF) << 32
            let rawLimit = UInt32(low & 0xFFFF) | UInt32((low >> 48) & 0xF) << 16
            let segment = Segment(
                selector: selector, base: base, limit: attributes & (1 << 15) != 0 ? rawLimit << 12 | 0xFFF : rawLimit,
                attributes: attributes | (op == 3 ? 2 : 0))
            if op == 2 {
                ldtr = segment
            } else {
                tr = segment
                try write(gdtrBase &+ index, 8, low | 2 << 40)  // mark the TSS busy
            }
        case 4, 5:
            materializeFlags()
            flagBits &= ~Flag.zf  // VERR/VERW: no segment is accessible this way in the flat model
        default: throw .fault(.invalidOpcode)
        }
    }

    /// 0F 01: SGDT, SIDT, LGDT, LIDT, SMSW, LMSW, INVLPG, and the register forms (VMCALL, VMLAUNCH, VMRESUME,
    /// VMXOFF, MONITOR, MWAIT, CLAC, STAC, XGETBV, XSETBV, VMFUNC, SWAPGS, RDTSCP).
    func executeGroup7(_ i: Instruction) throws(Event) {
        let op = i.reg & 7
        if !i.isMemory {
            let modrm = 0xC0 | (op << 3) | (i.rm & 7)
            switch modrm {
            case 0xC1: throw vmxExit(ExitReason.vmcall, i)
            case 0xC2: throw vmxExit(ExitReason.vmlaunch, i)
            case 0xC3: throw vmxExit(ExitReason.vmresume, i)
            case 0xC4: throw vmxExit(ExitReason.vmxoff, i)
            case 0xC8: try executeMONITOR(i)
            case 0xC9: try executeMWAIT(i)
            case 0xCA: flagBits &= ~Flag.ac
            case 0xCB: flagBits |= Flag.ac
            case 0xD0, 0xD1:
                // XGETBV and XSETBV are #UD while CR4.OSXSAVE is clear, and it always is: the processor has no
                // XSAVE (ProcessorFeatures). The #UD comes before XSETBV's unconditional VM exit.
                throw .fault(.invalidOpcode)
            case 0xD4: throw vmxExit(ExitReason.vmfunc, i)
            case 0xF8:
                guard cpl == 0 else { throw .fault(.generalProtection(0)) }
                let gs = segments[SegmentRegister.gs.rawValue].base
                segments[SegmentRegister.gs.rawValue].base = kernelGSBase
                kernelGSBase = gs
            case 0xF9: try executeRDTSC(i, withAux: true)
            default:
                if op == 4 {
                    try writeRM(i, Int(i.operandSize), cr0 & 0xFFFF)
                } else if op == 6 {
                    try executeLMSW(i)
                } else {
                    throw .fault(.invalidOpcode)
                }
            }
            return
        }
        switch op {
        case 0, 1, 2, 3:
            if controls.has(secondary: ExecutionControls.Secondary.descriptorTableExiting) {
                throw descriptorTableExit(ExitReason.gdtrIDTRAccess, identity: UInt32(op), i)
            }
            let address = effectiveAddress(i)
            let isIDT = op & 1 == 1
            if op < 2 {
                try write(address, 2, UInt64(isIDT ? idtrLimit : gdtrLimit))
                try write(address &+ 2, 8, isIDT ? idtrBase : gdtrBase)
            } else {
                guard cpl == 0 else { throw .fault(.generalProtection(0)) }
                let limit = UInt32(try read(address, 2))
                let base = try read(address &+ 2, 8)
                if isIDT { idtrLimit = limit; idtrBase = base } else { gdtrLimit = limit; gdtrBase = base }
            }
        case 4: try writeRM(i, 2, (cr0 & ~controls.cr0GuestHostMask | controls.cr0ReadShadow & controls.cr0GuestHostMask) & 0xFFFF)
        case 6: try executeLMSW(i)
        case 7:
            guard cpl == 0 else { throw .fault(.generalProtection(0)) }
            let address = effectiveAddress(i)
            if controls.has(primary: ExecutionControls.Primary.invlpgExiting) {
                var exit = VMExit(reason: ExitReason.invlpg, instructionLength: UInt32(i.length))
                exit.qualification = address
                throw .exit(exit)
            }
            flushPage(address)
        default: throw .fault(.invalidOpcode)
        }
    }

    /// LMSW: loads CR0 bits 3:0 (PE cannot be cleared), exiting when owned bits would change from the shadow.
    func executeLMSW(_ i: Instruction) throws(Event) {
        guard cpl == 0 else { throw .fault(.generalProtection(0)) }
        let source = try readRM(i, 2) & 0xF
        let owned = controls.cr0GuestHostMask & 0xF
        let shadow = controls.cr0ReadShadow & 0xF
        // SDM "LMSW": exits when an owned bit of 3:1 differs from the shadow, or owned PE would be set from 0.
        if owned & 0xE & (source ^ shadow) != 0 || owned & source & ~shadow & CR0.pe != 0 {
            throw crExit(0, type: 3, lmswSource: source, memoryOperand: i.isMemory, i)
        }
        cr0 = (cr0 & ~0xE) | (source & 0xE) | ((cr0 | source) & CR0.pe)
    }
}
