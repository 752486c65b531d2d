/// What a guest hypervisor needs to run a guest of its own (SDM vol. 3, "VMX Non-Root Operation" and "VM
/// Entries"): controls adjusted to the capability MSRs, a current VMCS, guest and host state taken from the
/// processor as it is, identity EPT, and the entry/exit loop's one step.
public enum Hypervisor {
    /// IA32_VMX_BASIC and the capability MSRs of the controls (their TRUE forms from 0x48D).
    static let basicMSR: UInt32 = 0x480
    static let eptVPIDCapabilityMSR: UInt32 = 0x48C

    /// Why a guest cannot be run.
    public enum Failure: Error {
        case instruction(String, UInt64)
        case noMemory
        case missing(String)

        public var description: String {
            switch self {
            case .instruction(let name, let flags):
                let kind = flags & 1 != 0 ? "VMfailInvalid" : "VMfailValid(\(nv_vmread(UInt64(NV_VMCS_VM_INSTRUCTION_ERROR))))"
                return "\(name) failed: \(kind)"
            case .noMemory: return "out of memory"
            case .missing(let what): return "the processor does not offer \(what)"
            }
        }
    }

    /// `desired` with the must-be-1 bits of `msr` (its low half) set and its must-be-0 bits (clear in its high
    /// half) cleared (SDM vol. 3, appendix A "VMX Capability Reporting Facility").
    static func adjust(_ desired: UInt32, msr: UInt32) -> UInt32 {
        let capability = nv_rdmsr(msr)
        return (desired | UInt32(truncatingIfNeeded: capability)) & UInt32(truncatingIfNeeded: capability >> 32)
    }

    /// Whether every bit of `wanted` may be 1 in the control that `msr` reports.
    static func allows(_ wanted: UInt32, msr: UInt32) -> Bool { UInt32(truncatingIfNeeded: nv_rdmsr(msr) >> 32) & wanted == wanted }

    /// The capability MSR of a control: 0 pin-based, 1 primary, 2 exit, 3 entry; TRUE forms when IA32_VMX_BASIC
    /// bit 55 says they exist. Secondary controls are 0x48B.
    static func capabilityMSR(_ control: UInt32) -> UInt32 {
        (nv_rdmsr(basicMSR) >> 55) & 1 != 0 ? 0x48D + control : 0x481 + control
    }

    /// Zeroed pages, or `Failure.noMemory`.
    static func pages(_ count: Int) throws(Failure) -> UInt64 {
        guard let p = nv_alloc_pages(count) else { throw .noMemory }
        for i in 0..<(count * 4096 / 8) { p.storeBytes(of: UInt64(0), toByteOffset: i * 8, as: UInt64.self) }
        return UInt64(UInt(bitPattern: p))
    }

    static func store(_ value: UInt64, at address: UInt64) {
        UnsafeMutableRawPointer(bitPattern: UInt(address))!.storeBytes(of: value, as: UInt64.self)
    }

    static func load(_ address: UInt64) -> UInt64 { UnsafeRawPointer(bitPattern: UInt(address))!.load(as: UInt64.self) }

    /// VMWRITE, which must succeed.
    static func write(_ field: UInt32, _ value: UInt64) throws(Failure) {
        let flags = nv_vmwrite(UInt64(field), value)
        if flags & 0x41 != 0 { throw .instruction("VMWRITE of field \(Console.hex(UInt64(field)))", flags) }
    }

    /// VMREAD of a field known to exist.
    public static func read(_ field: UInt32) -> UInt64 { nv_vmread(UInt64(field)) }

    /// A segment register as the VMCS holds it: selector, base, limit and access rights (SDM "Format of the
    /// VMCS Region": bits 7:0 and 15:12 of the descriptor's high dword bits 15:8 and 23:20, bit 16 unusable).
    struct Segment {
        var selector: UInt16, base: UInt64 = 0, limit: UInt32 = 0, accessRights: UInt32 = 1 << 16

        /// The descriptor `selector` names in the GDT at `gdt`; a null selector is unusable.
        init(_ selector: UInt16, gdt: UInt64) {
            self.selector = selector
            guard selector & ~7 != 0 else { return }
            let address = gdt + UInt64(selector & ~7)
            let d = load(address)
            var limit = UInt32(truncatingIfNeeded: (d & 0xFFFF) | ((d >> 32) & 0xF_0000))
            if d & (1 << 55) != 0 { limit = limit << 12 | 0xFFF }
            self.limit = limit
            base = ((d >> 16) & 0xFF_FFFF) | ((d >> 56) << 24)
            if d & (1 << 44) == 0 { base |= load(address + 8) << 32 }  // system descriptors are 16 bytes
            accessRights = UInt32(truncatingIfNeeded: (d >> 40) & 0xF0FF)
        }
    }

    /// The registers of one guest processor, as `nv_vmx_run` loads and stores them.
    public struct Registers {
        var raw = nv_guest_registers()
        public subscript(_ n: Int) -> UInt64 {
            get { withUnsafeBytes(of: raw) { $0.load(fromByteOffset: n * 8, as: UInt64.self) } }
            set { withUnsafeMutableBytes(of: &raw) { $0.storeBytes(of: newValue, toByteOffset: n * 8, as: UInt64.self) } }
        }
        public static let rax = 0, rcx = 1, rdx = 2, rbx = 3, rdi = 7
    }

    /// One guest: its VMCS and registers, running on this processor's page tables, GDT and IDT in 64-bit mode,
    /// inside an identity EPT over the first `gib` GiB of this guest's physical memory, with its own stack.
    public struct Guest {
        public var registers = Registers()
        var launched = false

        /// Builds the VMCS for a guest starting at `entry` with `argument` in RDI; `primary` and `secondary`
        /// add exit controls to the ones it always sets, `ioExitPorts` are ports its I/O bitmap intercepts, and
        /// `exceptionBitmap` selects the exceptions that exit.
        public init(
            entry: UInt64, argument: UInt64, stackPages: Int = 16, primary: UInt32 = 0, exceptionBitmap: UInt32 = 0xFFFF_FFFF,
            ioExitPorts: [UInt16] = []
        ) throws(Failure) {
            let region = try pages(1)
            UnsafeMutableRawPointer(bitPattern: UInt(region))!.storeBytes(
                of: UInt32(truncatingIfNeeded: nv_rdmsr(basicMSR)) & 0x7FFF_FFFF, as: UInt32.self)
            var flags = nv_vmclear(region)
            if flags & 0x41 != 0 { throw .instruction("VMCLEAR", flags) }
            flags = nv_vmptrld(region)
            if flags & 0x41 != 0 { throw .instruction("VMPTRLD", flags) }

            // Controls: I/O and MSR bitmaps, secondary controls with EPT and VPID; 64-bit guest and host with EFER
            // saved and loaded (SDM "VM-Execution Control Fields", "VM-Exit Control Fields", "VM-Entry Control Fields").
            let wantedPrimary = primary | NV_PRIMARY_USE_IO_BITMAPS | NV_PRIMARY_USE_MSR_BITMAPS | NV_PRIMARY_ACTIVATE_SECONDARY
            guard allows(wantedPrimary, msr: capabilityMSR(1)) else { throw .missing("the primary controls asked for") }
            let secondary = NV_SECONDARY_ENABLE_EPT | NV_SECONDARY_ENABLE_VPID
            guard allows(secondary, msr: 0x48B) else { throw .missing("EPT and VPID") }
            let ept = nv_rdmsr(eptVPIDCapabilityMSR)
            guard ept & (1 << 6) != 0, ept & (1 << 14) != 0, ept & (1 << 17) != 0 else {
                throw .missing("4-level EPT with write-back 1-GiB pages")
            }
            try write(NV_VMCS_PIN_BASED_VM_EXEC_CONTROL, UInt64(adjust(0, msr: capabilityMSR(0))))
            try write(NV_VMCS_CPU_BASED_VM_EXEC_CONTROL, UInt64(adjust(wantedPrimary, msr: capabilityMSR(1))))
            try write(NV_VMCS_SECONDARY_VM_EXEC_CONTROL, UInt64(adjust(secondary, msr: 0x48B)))
            let exit = NV_EXIT_CONTROL_HOST_ADDRESS_SPACE_SIZE | NV_EXIT_CONTROL_SAVE_EFER | NV_EXIT_CONTROL_LOAD_EFER
            try write(NV_VMCS_VM_EXIT_CONTROLS, UInt64(adjust(exit, msr: capabilityMSR(2))))
            let entryControls = NV_ENTRY_CONTROL_IA32E_MODE_GUEST | NV_ENTRY_CONTROL_LOAD_EFER
            try write(NV_VMCS_VM_ENTRY_CONTROLS, UInt64(adjust(entryControls, msr: capabilityMSR(3))))
            try write(NV_VMCS_EXCEPTION_BITMAP, UInt64(exceptionBitmap))
            try write(NV_VMCS_VIRTUAL_PROCESSOR_ID, 1)
            try write(NV_VMCS_VMCS_LINK_POINTER, ~0)

            let io = try pages(2)
            for port in ioExitPorts {
                let byte = io + UInt64(port / 8)
                let p = UnsafeMutableRawPointer(bitPattern: UInt(byte))!
                p.storeBytes(of: p.load(as: UInt8.self) | UInt8(1 << (port % 8)), as: UInt8.self)
            }
            try write(NV_VMCS_IO_BITMAP_A, io)
            try write(NV_VMCS_IO_BITMAP_B, io + 4096)
            try write(NV_VMCS_MSR_BITMAP, try pages(1))

            // EPT: PML4[0] → a PDPT of four 1-GiB write-back pages, read/write/execute (SDM "EPT Translation
            // Mechanism"); the EPTP says write-back and a 4-level walk.
            let pml4 = try pages(2), pdpt = pml4 + 4096
            store(pdpt | 7, at: pml4)
            for gib in UInt64(0)..<4 { store(gib << 30 | 1 << 7 | 6 << 3 | 7, at: pdpt + gib * 8) }
            try write(NV_VMCS_EPT_POINTER, pml4 | 3 << 3 | 6)

            // Guest and host: this processor as it runs now.
            var gdtLimit: UInt16 = 0, idtLimit: UInt16 = 0
            let gdt = nv_sgdt(&gdtLimit), idt = nv_sidt(&idtLimit)
            let efer = nv_rdmsr(0xC000_0080)
            for (field, value) in [
                (NV_VMCS_GUEST_CR0, nv_read_cr0()), (NV_VMCS_GUEST_CR3, nv_read_cr3()), (NV_VMCS_GUEST_CR4, nv_read_cr4()),
                (NV_VMCS_HOST_CR0, nv_read_cr0()), (NV_VMCS_HOST_CR3, nv_read_cr3()), (NV_VMCS_HOST_CR4, nv_read_cr4()),
                (NV_VMCS_GUEST_DR7, 0x400), (NV_VMCS_GUEST_RFLAGS, 2), (NV_VMCS_GUEST_RIP, entry),
                (NV_VMCS_GUEST_IA32_EFER, efer), (NV_VMCS_HOST_IA32_EFER, efer),
                (NV_VMCS_GUEST_GDTR_BASE, gdt), (NV_VMCS_GUEST_GDTR_LIMIT, UInt64(gdtLimit)),
                (NV_VMCS_GUEST_IDTR_BASE, idt), (NV_VMCS_GUEST_IDTR_LIMIT, UInt64(idtLimit)),
                (NV_VMCS_HOST_GDTR_BASE, gdt), (NV_VMCS_HOST_IDTR_BASE, idt),
                (NV_VMCS_GUEST_FS_BASE, nv_rdmsr(0xC000_0100)), (NV_VMCS_GUEST_GS_BASE, nv_rdmsr(0xC000_0101)),
                (NV_VMCS_HOST_FS_BASE, nv_rdmsr(0xC000_0100)), (NV_VMCS_HOST_GS_BASE, nv_rdmsr(0xC000_0101)),
                (NV_VMCS_GUEST_LDTR_SELECTOR, 0), (NV_VMCS_GUEST_LDTR_AR_BYTES, 1 << 16),
            ] {
                try write(field, value)
            }
            let segments: [(UInt16, UInt32, UInt32, UInt32, UInt32, UInt32)] = [
                (nv_read_es(), NV_VMCS_GUEST_ES_SELECTOR, NV_VMCS_GUEST_ES_BASE, NV_VMCS_GUEST_ES_LIMIT, NV_VMCS_GUEST_ES_AR_BYTES, NV_VMCS_HOST_ES_SELECTOR),
                (nv_read_cs(), NV_VMCS_GUEST_CS_SELECTOR, NV_VMCS_GUEST_CS_BASE, NV_VMCS_GUEST_CS_LIMIT, NV_VMCS_GUEST_CS_AR_BYTES, NV_VMCS_HOST_CS_SELECTOR),
                (nv_read_ss(), NV_VMCS_GUEST_SS_SELECTOR, NV_VMCS_GUEST_SS_BASE, NV_VMCS_GUEST_SS_LIMIT, NV_VMCS_GUEST_SS_AR_BYTES, NV_VMCS_HOST_SS_SELECTOR),
                (nv_read_ds(), NV_VMCS_GUEST_DS_SELECTOR, NV_VMCS_GUEST_DS_BASE, NV_VMCS_GUEST_DS_LIMIT, NV_VMCS_GUEST_DS_AR_BYTES, NV_VMCS_HOST_DS_SELECTOR),
                (nv_read_fs(), NV_VMCS_GUEST_FS_SELECTOR, 0, NV_VMCS_GUEST_FS_LIMIT, NV_VMCS_GUEST_FS_AR_BYTES, NV_VMCS_HOST_FS_SELECTOR),
                (nv_read_gs(), NV_VMCS_GUEST_GS_SELECTOR, 0, NV_VMCS_GUEST_GS_LIMIT, NV_VMCS_GUEST_GS_AR_BYTES, NV_VMCS_HOST_GS_SELECTOR),
                (nv_read_tr(), NV_VMCS_GUEST_TR_SELECTOR, NV_VMCS_GUEST_TR_BASE, NV_VMCS_GUEST_TR_LIMIT, NV_VMCS_GUEST_TR_AR_BYTES, NV_VMCS_HOST_TR_SELECTOR),
            ]
            for (selector, field, baseField, limitField, rightsField, hostField) in segments {
                let s = Segment(selector, gdt: gdt)
                try write(field, UInt64(s.selector))
                if baseField != 0 { try write(baseField, s.base) }
                try write(limitField, UInt64(s.limit))
                try write(rightsField, UInt64(s.accessRights))
                try write(hostField, UInt64(s.selector & ~7))
                if field == NV_VMCS_GUEST_TR_SELECTOR { try write(NV_VMCS_HOST_TR_BASE, s.base) }
            }

            // The guest's stack, with a zero return address: returning from `entry` is a #PF, which exits.
            let stack = try pages(stackPages)
            try write(NV_VMCS_GUEST_RSP, stack + UInt64(stackPages) * 4096 - 8)
            registers[Registers.rdi] = argument
        }

        /// Enters the guest (VMLAUNCH the first time, then VMRESUME) and returns at its next VM exit.
        public mutating func run() throws(Failure) {
            let flags = nv_vmx_run(&registers.raw, launched ? 0 : 1, nil)
            if flags != 0 { throw .instruction(launched ? "VMRESUME" : "VMLAUNCH", flags) }
            launched = true
        }

        /// Moves the guest past the instruction that exited.
        public func skipInstruction() {
            _ = nv_vmwrite(UInt64(NV_VMCS_GUEST_RIP), read(NV_VMCS_GUEST_RIP) &+ read(NV_VMCS_VM_EXIT_INSTRUCTION_LEN))
        }
    }
}
