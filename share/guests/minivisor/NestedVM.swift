/// Why a nested VM cannot start.
enum NestedFailure: Error {
    case badImage(String)
    case imageOutsideMemory(address: UInt64, size: UInt64, memoryBytes: UInt64)
    case noMemory(needed: UInt64)
    case tooMuchMemory(UInt64)
    case commandLineTooLong(Int)
    case instruction(String, UInt64)

    var description: String {
        switch self {
        case .badImage(let why): return "its image is not a bootable ELF64 file: " + why
        case .imageOutsideMemory(let address, let size, let memoryBytes):
            return "its image's segment at \(Console.hex(address)) of \(size) bytes does not fit its \(memoryBytes >> 20) MiB of memory"
        case .noMemory(let needed):
            return "not enough free memory in this VM for its \(needed >> 20) MiB: give this VM more memory, or the nested VM less"
        case .tooMuchMemory(let bytes): return "its \(bytes >> 20) MiB of memory is more than the 1024 MiB minivisor gives a nested VM"
        case .commandLineTooLong(let count):
            return "its command line is \(count) bytes, and the boot information holds at most \(BootImage.commandLineLimit)"
        case .instruction(let name, let flags):
            let kind = flags & 1 != 0 ? "VMfailInvalid" : "VMfailValid(\(nv_vmread(UInt64(NV_VMCS_VM_INSTRUCTION_ERROR))))"
            return "\(name) failed: \(kind)"
        }
    }

    /// nestvm's error category for it (nestvm(7), "INTEGRATION CHANNEL").
    var category: String {
        switch self {
        case .badImage, .imageOutsideMemory: return "BadImage"
        case .noMemory: return "InsufficientMemory"
        case .tooMuchMemory: return "MemoryOutOfRange"
        case .commandLineTooLong: return "InvalidArgument"
        case .instruction: return "HypervisorFailed"
        }
    }
}

/// How a nested VM ended, with the exit status and reason nestvm gives an L1 that ends the same way (the one
/// table in nestvm(7), "Exit statuses").
enum NestedEnd {
    case guestExit(UInt32)
    case poweredOff
    case tripleFault(processor: Int)
    case unsupported(String)
    /// Turned off because minivisor itself stops.
    case turnedOff
    /// Turned off at L0's request (`vmrun stop --host … --turn-off`, or a stop's grace running out), for `reason`.
    case turnedOffByRequest(String)

    var status: Int {
        switch self {
        case .guestExit(let value): return Int((value << 1 | 1) & 0xFF)
        case .poweredOff: return 0
        case .tripleFault: return 98
        case .unsupported: return 70
        case .turnedOff, .turnedOffByRequest: return 130
        }
    }

    var reason: String {
        switch self {
        case .guestExit(let value): return "the guest wrote \(value) to the exit port"
        case .poweredOff: return "the guest halted with interrupts disabled"
        case .tripleFault(let processor): return "triple fault on processor \(processor)"
        case .unsupported(let what): return what
        case .turnedOff: return "turned off (minivisor was asked to stop)"
        case .turnedOffByRequest(let why): return why
        }
    }
}

/// One nested VM (an L2): its memory slice and EPT, its processors, and its own platform — the same 16550A,
/// 8259A pair and 8254 models L0's machine uses (DeviceModels), so an image runs here as it runs at L0. Its
/// processor 0 takes the platform's interrupts; the others start through their boot-information mailboxes, as
/// an L1's do.
final class NestedVM {
    let name: String
    /// L1's address of the VM's guest-physical 0 (L1 runs identity-mapped), and the VM's memory.
    let memory: UnsafeMutableRawPointer
    let memoryBytes: UInt64
    /// The L1 pages the VM's memory, EPT, VMCSs and FXSAVE areas live in, given back when it ended.
    let slice: SliceAllocator.Slice
    /// The VM's VPID, which all its processors share (each runs on another of L1's processors).
    let vpid: Int
    /// Its processors, processor 0 first.
    var processors: [NestedProcessor] = []

    let uart = UART16550()
    let pic = PIC8259()
    let pit = PIT8254()
    var uartLine = false

    /// Paused at L0's request: not scheduled until resumed.
    var isPaused = false
    /// A stop was requested: the power port's bit 0 reads 1.
    var isStopRequested = false
    var end: NestedEnd? = nil
    /// Console bytes of the line being written.
    var line: [UInt8] = []
    /// VM exits handled, and instructions the VM retired (while minivisor counts them).
    var exits = 0
    var instructionsRetired: UInt64 = 0
    /// How the VM is to end, set by another processor than its processor 0's (a request, minivisor's stop), and the
    /// request to answer once it ended.
    var pendingEnd: NestedEnd? = nil
    var pendingAnswer: Int? = nil
    /// Whether the processors running it were told it ended.
    var toldOfEnd = false
    /// Time skipped while all its processors waited for its timer: its time is L1's TSC plus this.
    var skipped: UInt64 = 0
    /// Where state and console lines are reported to L0.
    let integration: Integration
    /// Its network adapters (on minivisor's switches while it runs), and their shared interrupt line as last seen.
    var adapters: [NestedAdapter] = []
    var networkLine = false
    let networks: Networks

    /// Builds the VM: memory and EPT, the image loaded by the boot protocol with `commandLine` and `processorCount`
    /// mailboxes, and a VMCS per processor with `vpid`, each cleared again so that any of L1's processors can take
    /// it (`NestedProcessor.makeCurrent`). The processor that builds it has no current VMCS after.
    init(
        name: String, image: UnsafeRawBufferPointer, commandLine: [UInt8], memoryBytes: UInt64, processorCount: Int, vpid: Int,
        controls: Controls, integration: Integration, networks: Networks, adapters adapterRecords: [ChannelRecord],
        slices: inout SliceAllocator
    ) throws(NestedFailure) {
        self.name = name
        self.vpid = vpid
        self.integration = integration
        self.networks = networks
        self.memoryBytes = memoryBytes
        guard memoryBytes <= 1 << 30 else { throw .tooMuchMemory(memoryBytes) }
        guard commandLine.count <= BootImage.commandLineLimit else { throw .commandLineTooLong(commandLine.count) }
        let boot = try BootImage(image, memoryBytes: memoryBytes, processorCount: processorCount)
        // The slice: whole 2 MiB pages, 2 MiB aligned, for the EPT's large pages (zero: fresh or cleared); then
        // the EPT's three pages, and per processor its FXSAVE areas and VMCS region. Nothing is kept when it does
        // not all fit or a VMCS cannot be made.
        let pages = Int((memoryBytes + 0x1F_FFFF) >> 21) * 512
        guard let slice = slices.take(pages: pages + 511 + 3 + 2 * processorCount) else { throw .noMemory(needed: memoryBytes) }
        self.slice = slice
        let base = (UInt64(UInt(bitPattern: slice.start)) + 0x1F_FFFF) & ~0x1F_FFFF
        memory = UnsafeMutableRawPointer(bitPattern: UInt(base))!
        adapters = networks.makeAdapters(adapterRecords, memory: DeviceMemory(bytes: memory, size: memoryBytes))
        boot.load(into: memory, commandLine: commandLine, adapterCount: adapters.count)
        let tables = memory + pages * 4096
        // EPT: guest-physical 0 ..< memoryBytes onto the slice in 2 MiB write-back pages, read/write/execute
        // (SDM vol. 3, "EPT Translation Mechanism"); the rest of the guest-physical space is not present.
        let pml4 = UInt64(UInt(bitPattern: tables)), pdpt = pml4 + 0x1000, directory = pml4 + 0x2000
        Hypervisor.store(pdpt | 7, at: pml4)
        Hypervisor.store(directory | 7, at: pdpt)
        var address: UInt64 = 0
        while address < memoryBytes {
            Hypervisor.store((base + address) | 1 << 7 | 6 << 3 | 7, at: directory + (address >> 21) * 8)
            address += 1 << 21
        }
        do throws(NestedFailure) {
            for index in 0..<processorCount {
                let pair = tables + (3 + 2 * index) * 4096
                processors.append(
                    try NestedProcessor(
                        index: index, of: self, fxAreas: pair, vmcsRegion: pair + 4096, controls: controls, eptPointer: pml4 | 3 << 3 | 6,
                        entry: index == 0 ? boot.entry : 0))
            }
        } catch {
            for processor in processors { _ = nv_vmclear(processor.vmcs) }
            processors.removeAll()
            slices.give(slice)
            throw error
        }
    }

    /// Where processor `index`'s boot-information mailbox is in L1's memory.
    func mailbox(_ index: Int) -> UnsafeMutableRawPointer { memory + Int(BootImage.mailboxes) + index * Int(NV_BOOT_MAILBOX_BYTES) }

    /// Processors whose mailbox has an entry address (nestvm(7), "Secondary processors") are given it, their
    /// mailbox marked running; true when one was.
    func startParkedProcessors() -> Bool {
        var started = false
        for processor in processors where processor.state == .parked && processor.startAt == nil {
            let box = mailbox(processor.index)
            let entry = box.load(fromByteOffset: Int(NV_BOOT_MAILBOX_ENTRY), as: UInt64.self)
            guard entry != 0 else { continue }
            processor.startAt = (
                entry, box.load(fromByteOffset: Int(NV_BOOT_MAILBOX_STACK_TOP), as: UInt64.self),
                box.load(fromByteOffset: Int(NV_BOOT_MAILBOX_ARGUMENT), as: UInt64.self)
            )
            box.storeBytes(of: NV_BOOT_MAILBOX_STATE_RUNNING, toByteOffset: Int(NV_BOOT_MAILBOX_STATE), as: UInt32.self)
            started = true
        }
        return started
    }

    /// Whether every processor is done: stopped (HLT with interrupts disabled), parked, or, besides processor 0,
    /// halted (only processor 0 takes interrupts) — as L0 powers an L1 off.
    var isPoweredOff: Bool {
        processors.allSatisfy { $0.state != .running || ($0.index != 0 && $0.isHalted) } && processors[0].state == .stopped
    }

    /// The VM's time now (on any of L1's processors, whose TSCs agree).
    var now: UInt64 { nv_rdtsc() &+ skipped }

    /// Asks the guest to shut down as L0 asks an L1 (nestvm(7), "Stopping"): port 0xF5 reads 1, IRQ 9 is raised.
    func requestStop() {
        guard !isStopRequested else { return }
        isStopRequested = true
        pic.raise(PlatformIRQ.stop)
    }

    /// Ends the VM with `how`, its last partial console line written out first.
    func finish(_ how: NestedEnd) {
        guard end == nil else { return }
        if !line.isEmpty { line.append(0x0A); flushConsole() }
        end = how
        networks.detach(adapters)
        print("minivisor: \(name) ended: status \(how.status), \(how.reason); \(exits) exits handled")
        var byHost = false
        if case .turnedOff = how { byHost = true }
        integration.ended(name, status: how.status, reason: how.reason, exits: exits, instructions: instructionsRetired, byHost: byHost)
    }

    /// Writes each complete line COM1 transmitted to minivisor's console as `[NAME] line`.
    func flushConsole() {
        guard !uart.output.isEmpty || line.last == 0x0A else { return }
        line.append(contentsOf: uart.output)
        uart.output.removeAll()
        let prefix = Array("[\(name)] ".utf8)
        var start = 0
        for k in 0..<line.count where line[k] == 0x0A {
            let text = prefix + line[start...k]
            text.withUnsafeBufferPointer { nv_console_write($0.baseAddress!, $0.count) }
            integration.console(name, line[start...k])
            start = k + 1
        }
        line.removeFirst(start)
    }
}

/// One processor of a nested VM: its VMCS, registers, x87/SSE state and MSRs, and which of L1's processors runs
/// it. It handles its own exits (Exits.swift) against its VM's platform.
final class NestedProcessor {
    enum State {
        /// A secondary waiting in its mailbox for an entry address.
        case parked
        case running
        /// HLT with interrupts disabled: it never runs again.
        case stopped
    }
    let index: Int
    let vm: NestedVM
    /// The VMCS region's address.
    let vmcs: UInt64
    var registers = Hypervisor.Registers()
    /// Two FXSAVE areas, minivisor's and the processor's (nv_vmx_run switches them).
    let fxAreas: UnsafeMutableRawPointer
    var launched = false
    var state: State
    /// Halted (HLT with interrupts enabled) until an interrupt arrives.
    var isHalted = false
    /// The primary processor-based controls as last written (interrupt-window exiting comes and goes).
    var primary: UInt32
    /// An exception to inject at the next entry (VM-entry interruption-information format).
    var pendingEvent: UInt32 = 0
    var pendingErrorCode: UInt64 = 0
    /// The syscall MSRs, which the VMCS does not switch: STAR, LSTAR, CSTAR, FMASK, KERNEL_GS_BASE, TSC_AUX.
    static let switchedMSRs: [UInt32] = [0xC000_0081, 0xC000_0082, 0xC000_0083, 0xC000_0084, 0xC000_0102, 0xC000_0103]
    var msrValues: [UInt64] = [0, 0, 0, 0, 0, 0]
    /// The index of L1's processor that runs it; whether that processor took it yet (`makeCurrent`), and cleared
    /// it once the VM ended.
    var runner = 0
    var isAdopted = false
    var isReleased = false
    /// A parked processor's entry, stack top and argument from its mailbox, for its runner to start it with.
    var startAt: (rip: UInt64, rsp: UInt64, rdi: UInt64)? = nil

    /// Makes processor `index` of `vm` with a VMCS in `vmcsRegion` for the boot state at `entry` (a secondary's
    /// comes from its mailbox), cleared again.
    init(
        index: Int, of vm: NestedVM, fxAreas: UnsafeMutableRawPointer, vmcsRegion region: UnsafeMutableRawPointer, controls: Controls,
        eptPointer: UInt64, entry: UInt64
    ) throws(NestedFailure) {
        self.index = index
        self.vm = vm
        self.fxAreas = fxAreas
        state = index == 0 ? .running : .parked
        fxAreas.storeBytes(of: UInt16(0x037F), toByteOffset: 512, as: UInt16.self)  // FCW as after FNINIT
        fxAreas.storeBytes(of: UInt32(0x1F80), toByteOffset: 512 + 24, as: UInt32.self)  // MXCSR at reset
        vmcs = UInt64(UInt(bitPattern: region))
        primary = controls.primary
        region.storeBytes(of: UInt32(truncatingIfNeeded: nv_rdmsr(Hypervisor.basicMSR)) & 0x7FFF_FFFF, as: UInt32.self)
        do throws(NestedFailure) {
            var flags = nv_vmclear(vmcs)
            if flags & 0x41 != 0 { throw .instruction("VMCLEAR", flags) }
            flags = nv_vmptrld(vmcs)
            if flags & 0x41 != 0 { throw .instruction("VMPTRLD", flags) }
            try writeControls(controls, eptPointer: eptPointer, vpid: vm.vpid)
            try writeBootState(entry: entry)
            flags = nv_vmclear(vmcs)
            if flags & 0x41 != 0 { throw .instruction("VMCLEAR", flags) }
        } catch {
            _ = nv_vmclear(vmcs)  // not current, so nothing cached is written back over memory given back
            throw error
        }
    }

    // The VM's platform and bookkeeping, which every processor's exits reach.
    var uart: UART16550 { vm.uart }
    var pic: PIC8259 { vm.pic }
    var pit: PIT8254 { vm.pit }
    var isStopRequested: Bool { vm.isStopRequested }
    var memoryBytes: UInt64 { vm.memoryBytes }
    func finish(_ how: NestedEnd) { vm.finish(how) }

    /// VMWRITE, which must succeed.
    func write(_ field: UInt32, _ value: UInt64) throws(NestedFailure) {
        let flags = nv_vmwrite(UInt64(field), value)
        if flags & 0x41 != 0 { throw .instruction("VMWRITE of field \(Console.hex(UInt64(field)))", flags) }
    }

    func writeControls(_ controls: Controls, eptPointer: UInt64, vpid: Int) throws(NestedFailure) {
        for (field, value) in [
            (NV_VMCS_PIN_BASED_VM_EXEC_CONTROL, UInt64(controls.pin)), (NV_VMCS_CPU_BASED_VM_EXEC_CONTROL, UInt64(controls.primary)),
            (NV_VMCS_SECONDARY_VM_EXEC_CONTROL, UInt64(controls.secondary)), (NV_VMCS_VM_EXIT_CONTROLS, UInt64(controls.exit)),
            (NV_VMCS_VM_ENTRY_CONTROLS, UInt64(controls.entry)), (NV_VMCS_EXCEPTION_BITMAP, 0),
            (NV_VMCS_VIRTUAL_PROCESSOR_ID, UInt64(vpid)), (NV_VMCS_EPT_POINTER, eptPointer), (NV_VMCS_VMCS_LINK_POINTER, ~0),
            // CR4.VMXE is minivisor's: the VM sees it clear, and setting it exits (VMX is not offered to L2).
            (NV_VMCS_CR4_GUEST_HOST_MASK, VMXSupport.cr4VMXE), (NV_VMCS_CR4_READ_SHADOW, 0),
            (NV_VMCS_CR0_GUEST_HOST_MASK, 0), (NV_VMCS_CR0_READ_SHADOW, 0),
            // The instruction counter's global enable: on while the VM runs, off in minivisor.
            (NV_VMCS_GUEST_IA32_PERF_GLOBAL_CTRL, controls.countsInstructions ? 1 << 32 : 0), (NV_VMCS_HOST_IA32_PERF_GLOBAL_CTRL, 0),
        ] {
            try write(field, value)
        }
    }

    /// The host state: minivisor on the processor running this now (SDM vol. 3, "Host-State Area"): its own
    /// GDT and TSS.
    static func writeHostState() throws(NestedFailure) {
        var gdtLimit: UInt16 = 0, idtLimit: UInt16 = 0
        let gdt = nv_sgdt(&gdtLimit), idt = nv_sidt(&idtLimit)
        let tr = Hypervisor.Segment(nv_read_tr(), gdt: gdt)
        for (field, value) in [
            (NV_VMCS_HOST_CR0, nv_read_cr0()), (NV_VMCS_HOST_CR3, nv_read_cr3()), (NV_VMCS_HOST_CR4, nv_read_cr4()),
            (NV_VMCS_HOST_IA32_EFER, nv_rdmsr(0xC000_0080)), (NV_VMCS_HOST_IA32_PAT, nv_rdmsr(0x277)),
            (NV_VMCS_HOST_GDTR_BASE, gdt), (NV_VMCS_HOST_IDTR_BASE, idt), (NV_VMCS_HOST_TR_BASE, tr.base),
            (NV_VMCS_HOST_FS_BASE, nv_rdmsr(0xC000_0100)), (NV_VMCS_HOST_GS_BASE, nv_rdmsr(0xC000_0101)),
            (NV_VMCS_HOST_CS_SELECTOR, UInt64(nv_read_cs() & ~7)), (NV_VMCS_HOST_SS_SELECTOR, UInt64(nv_read_ss() & ~7)),
            (NV_VMCS_HOST_DS_SELECTOR, UInt64(nv_read_ds() & ~7)), (NV_VMCS_HOST_ES_SELECTOR, UInt64(nv_read_es() & ~7)),
            (NV_VMCS_HOST_FS_SELECTOR, UInt64(nv_read_fs() & ~7)), (NV_VMCS_HOST_GS_SELECTOR, UInt64(nv_read_gs() & ~7)),
            (NV_VMCS_HOST_TR_SELECTOR, UInt64(nv_read_tr() & ~7)),
        ] {
            let flags = nv_vmwrite(UInt64(field), value)
            if flags & 0x41 != 0 { throw .instruction("VMWRITE of field \(Console.hex(UInt64(field)))", flags) }
        }
    }

    /// The state nestvm's boot protocol starts a processor in (L0's Machine.setBootState): 64-bit mode on the boot
    /// page tables, flat segments from the boot GDT, RDI the boot information, RSP below a zero return address.
    func writeBootState(entry: UInt64) throws(NestedFailure) {
        for (selector, base, limit, rights) in [
            (NV_VMCS_GUEST_ES_SELECTOR, NV_VMCS_GUEST_ES_BASE, NV_VMCS_GUEST_ES_LIMIT, NV_VMCS_GUEST_ES_AR_BYTES),
            (NV_VMCS_GUEST_SS_SELECTOR, NV_VMCS_GUEST_SS_BASE, NV_VMCS_GUEST_SS_LIMIT, NV_VMCS_GUEST_SS_AR_BYTES),
            (NV_VMCS_GUEST_DS_SELECTOR, NV_VMCS_GUEST_DS_BASE, NV_VMCS_GUEST_DS_LIMIT, NV_VMCS_GUEST_DS_AR_BYTES),
            (NV_VMCS_GUEST_FS_SELECTOR, NV_VMCS_GUEST_FS_BASE, NV_VMCS_GUEST_FS_LIMIT, NV_VMCS_GUEST_FS_AR_BYTES),
            (NV_VMCS_GUEST_GS_SELECTOR, NV_VMCS_GUEST_GS_BASE, NV_VMCS_GUEST_GS_LIMIT, NV_VMCS_GUEST_GS_AR_BYTES),
        ] {
            try write(selector, 0x10); try write(base, 0); try write(limit, 0xFFFF_FFFF); try write(rights, 0xC093)
        }
        for (field, value) in [
            (NV_VMCS_GUEST_CS_SELECTOR, 0x08), (NV_VMCS_GUEST_CS_BASE, 0), (NV_VMCS_GUEST_CS_LIMIT, 0xFFFF_FFFF),
            (NV_VMCS_GUEST_CS_AR_BYTES, 0xA09B), (NV_VMCS_GUEST_TR_SELECTOR, 0x18), (NV_VMCS_GUEST_TR_BASE, BootImage.tss),
            (NV_VMCS_GUEST_TR_LIMIT, 0x67), (NV_VMCS_GUEST_TR_AR_BYTES, 0x8B), (NV_VMCS_GUEST_LDTR_SELECTOR, 0),
            (NV_VMCS_GUEST_LDTR_BASE, 0), (NV_VMCS_GUEST_LDTR_LIMIT, 0), (NV_VMCS_GUEST_LDTR_AR_BYTES, 1 << 16),
            (NV_VMCS_GUEST_GDTR_BASE, BootImage.gdt), (NV_VMCS_GUEST_GDTR_LIMIT, 0x27),
            (NV_VMCS_GUEST_IDTR_BASE, BootImage.idt), (NV_VMCS_GUEST_IDTR_LIMIT, 0xFFF),
            (NV_VMCS_GUEST_CR0, 0x8001_0033), (NV_VMCS_GUEST_CR3, BootImage.pageTables),
            // PAE, PGE, OSFXSR, OSXMMEXCPT, and VMXE (which VMX operation requires, hidden by the shadow).
            (NV_VMCS_GUEST_CR4, 0x20 | 0x80 | 0x200 | 0x400 | VMXSupport.cr4VMXE),
            (NV_VMCS_GUEST_IA32_EFER, 0xD01), (NV_VMCS_GUEST_IA32_PAT, 0x0007_0406_0007_0406), (NV_VMCS_GUEST_DR7, 0x400),
            (NV_VMCS_GUEST_RFLAGS, 2), (NV_VMCS_GUEST_RIP, entry), (NV_VMCS_GUEST_RSP, BootImage.stackTop - 8),
            (NV_VMCS_GUEST_INTERRUPTIBILITY_INFO, 0), (NV_VMCS_GUEST_ACTIVITY_STATE, 0),
            (NV_VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0), (NV_VMCS_GUEST_SYSENTER_CS, 0), (NV_VMCS_GUEST_SYSENTER_ESP, 0),
            (NV_VMCS_GUEST_SYSENTER_EIP, 0),
        ] {
            try write(field, value)
        }
        registers[Hypervisor.Registers.rdi] = BootImage.bootInfo
    }

    /// Makes this processor's VMCS current on the L1 processor running this and loads the MSRs the VMCS does not
    /// switch. The first time, that processor takes it: the host state becomes its own, and translations it may
    /// have cached under the VM's VPID or EPT (an ended VM's, whose slice or VPID this one reuses) are dropped
    /// (INVEPT and INVVPID, all-context: SDM vol. 3, "Invalidating Cached Translation Information"). false when
    /// the VM ended because the VMCS would not take the host state.
    func makeCurrent() -> Bool {
        _ = nv_vmptrld(vmcs)
        if !isAdopted {
            isAdopted = true
            do throws(NestedFailure) {
                try Self.writeHostState()
            } catch {
                finish(.unsupported(error.description))
                return false
            }
            _ = nv_invept(2, 0)
            _ = nv_invvpid(2, 0)
        }
        for (msr, value) in zip(Self.switchedMSRs, msrValues) { _ = nv_try_wrmsr(msr, value) }
        return true
    }

    /// Starts a parked processor at its mailbox's entry, with its stack top and argument (`startAt`), on the L1
    /// processor that runs it, its VMCS current.
    func start() {
        guard let (rip, rsp, rdi) = startAt else { return }
        startAt = nil
        set(NV_VMCS_GUEST_RIP, rip)
        set(NV_VMCS_GUEST_RSP, rsp)
        registers[Hypervisor.Registers.rdi] = rdi
        state = .running
    }
}

/// The controls every nested VM runs with, adjusted once to the capability MSRs.
struct Controls {
    var pin: UInt32, primary: UInt32, secondary: UInt32, exit: UInt32, entry: UInt32
    /// The preemption timer's rate: it counts down once every 2^rate TSC ticks (IA32_VMX_MISC bits 4:0).
    var timerRate: UInt64
    /// Whether nested VMs' instructions are counted: IA32_FIXED_CTR0 runs only while a nested VM does, VM entry
    /// and exit switching IA32_PERF_GLOBAL_CTRL (SDM vol. 3, "Architectural Performance Monitoring").
    var countsInstructions: Bool

    /// Instructions retired in nested VMs so far on this processor (IA32_FIXED_CTR0, 48 bits).
    static func instructionCounter() -> UInt64 { nv_rdmsr(0x309) }

    /// Sets up the counter on a processor other than the one `make` ran on (each has its own).
    func prepareProcessor() {
        if countsInstructions { _ = nv_try_wrmsr(0x38F, 0) < 0 && nv_try_wrmsr(0x38D, 3) < 0 }
    }

    /// The controls, or what the processor lacks.
    static func make() -> Result<Controls, Hypervisor.Failure> {
        // Pin: the VMX-preemption timer (round-robin), and minivisor's own interrupts exit (they are not the nested
        // VM's to take; the exit acknowledges them). Primary: HLT and every I/O instruction exit, every MSR
        // access exits (no MSR bitmap), MONITOR and MWAIT exit (not offered to nested VMs), TSC offsetting; secondary:
        // EPT, VPID, RDTSCP.
        let pin = NV_PIN_ACTIVATE_PREEMPTION_TIMER | NV_PIN_EXTERNAL_INTERRUPT_EXITING
        let primary =
            NV_PRIMARY_HLT_EXITING | NV_PRIMARY_UNCONDITIONAL_IO_EXITING | NV_PRIMARY_USE_TSC_OFFSETTING
            | NV_PRIMARY_MWAIT_EXITING | NV_PRIMARY_MONITOR_EXITING | NV_PRIMARY_ACTIVATE_SECONDARY
        let secondary = NV_SECONDARY_ENABLE_EPT | NV_SECONDARY_ENABLE_VPID | NV_SECONDARY_ENABLE_RDTSCP
        let exit =
            NV_EXIT_CONTROL_HOST_ADDRESS_SPACE_SIZE | NV_EXIT_CONTROL_SAVE_EFER | NV_EXIT_CONTROL_LOAD_EFER
            | NV_EXIT_CONTROL_SAVE_PAT | NV_EXIT_CONTROL_LOAD_PAT | NV_EXIT_CONTROL_ACKNOWLEDGE_INTERRUPT_ON_EXIT
        let entry = NV_ENTRY_CONTROL_IA32E_MODE_GUEST | NV_ENTRY_CONTROL_LOAD_EFER | NV_ENTRY_CONTROL_LOAD_PAT
        guard Hypervisor.allows(pin, msr: Hypervisor.capabilityMSR(0)) else {
            return .failure(.missing("the VMX-preemption timer and external-interrupt exiting"))
        }
        guard Hypervisor.allows(primary, msr: Hypervisor.capabilityMSR(1)) else {
            return .failure(.missing("HLT, I/O, MONITOR and MWAIT exiting"))
        }
        guard Hypervisor.allows(secondary, msr: 0x48B) else { return .failure(.missing("EPT, VPID and RDTSCP")) }
        guard Hypervisor.allows(exit, msr: Hypervisor.capabilityMSR(2)), Hypervisor.allows(entry, msr: Hypervisor.capabilityMSR(3)) else {
            return .failure(.missing("loading and saving EFER and PAT, and acknowledging interrupts on exit"))
        }
        // Counting nested VMs' instructions, where the processor has a fixed counter and the controls that
        // switch its global enable (CPUID leaf 0AH, EDX 4:0; IA32_FIXED_CTR_CTRL enabling it in every ring).
        let perf = NV_EXIT_CONTROL_LOAD_PERF_GLOBAL_CTRL, perfEntry = NV_ENTRY_CONTROL_LOAD_PERF_GLOBAL_CTRL
        let counts =
            Processor.cpuid(0).eax >= 0xA && Processor.cpuid(0xA).eax & 0xFF >= 2 && Processor.cpuid(0xA).edx & 0x1F >= 1
            && Hypervisor.allows(perf, msr: Hypervisor.capabilityMSR(2)) && Hypervisor.allows(perfEntry, msr: Hypervisor.capabilityMSR(3))
            && nv_try_wrmsr(0x38F, 0) < 0 && nv_try_wrmsr(0x38D, 3) < 0
        let ept = nv_rdmsr(Hypervisor.eptVPIDCapabilityMSR)
        guard ept & (1 << 6) != 0, ept & (1 << 14) != 0, ept & (1 << 16) != 0, ept & (1 << 20) != 0, ept & (1 << 26) != 0,
            ept & (1 << 32) != 0, ept & (1 << 42) != 0
        else {
            return .failure(.missing("4-level EPT with write-back 2-MiB pages, and all-context INVEPT and INVVPID"))
        }
        return .success(
            Controls(
                pin: Hypervisor.adjust(pin, msr: Hypervisor.capabilityMSR(0)),
                primary: Hypervisor.adjust(primary, msr: Hypervisor.capabilityMSR(1)),
                secondary: Hypervisor.adjust(secondary, msr: 0x48B),
                exit: Hypervisor.adjust(exit | (counts ? perf : 0), msr: Hypervisor.capabilityMSR(2)),
                entry: Hypervisor.adjust(entry | (counts ? perfEntry : 0), msr: Hypervisor.capabilityMSR(3)),
                timerRate: nv_rdmsr(0x485) & 0x1F, countsInstructions: counts))
    }
}

/// The L1 memory nested VMs live in. The runtime's page allocator never frees, so a slice whose VM ended goes to
/// the next VM it fits (the smallest such, zeroed again) before new pages are taken. Translations cached from
/// the old VM are dropped by the processor that takes the new one (`NestedVM.makeCurrent`).
struct SliceAllocator {
    struct Slice {
        let start: UnsafeMutableRawPointer
        let pages: Int
    }
    var free: [Slice] = []

    /// `pages` zeroed pages, or nil when this VM's memory has no room for them.
    mutating func take(pages: Int) -> Slice? {
        var best: Int? = nil
        for k in free.indices where free[k].pages >= pages && (best == nil || free[k].pages < free[best!].pages) { best = k }
        if let best {
            let slice = free.remove(at: best)
            _ = memset(slice.start, 0, slice.pages * 4096)
            return slice
        }
        guard let start = nv_alloc_pages(pages) else { return nil }
        return Slice(start: start, pages: pages)
    }

    mutating func give(_ slice: Slice) { free.append(slice) }
}
