import DeviceModels
import VMX
import X86

/// One VM as a running machine: guest RAM behind L0's EPT, the platform devices, the boot loader's work, and
/// one or more processors. The machine is the L0 hypervisor for its guest: guest code runs on `X86` in VMX
/// non-root operation and every VM exit comes back here (`Machine+Exits.swift`).
///
/// Time is the boot processor's retired instructions plus the time it spent halted (during which the clock follows
/// the other processors, or skips ahead when all are halted), one nanosecond per instruction; several processors
/// are interleaved on one thread in fixed slices, so a run is reproducible.
public final class Machine {
    /// What the machine was built from.
    public let configuration: MachineConfiguration
    /// Host memory: guest RAM at host-physical = guest-physical, then L0's EPT tables.
    public let memory: PhysicalMemory
    /// The processors; index 0 boots.
    public let processors: [VCPU]
    /// COM1.
    public let uart = UART16550()
    /// The interrupt controllers.
    public let pic = PIC8259()
    /// The timer.
    public let pit = PIT8254()
    /// The exit port.
    let debugExit = DebugExit()
    /// The power port.
    let powerPort = PowerPort()
    /// The virtio console that carries the integration channel (nestvm(7), "Integration channel").
    public let console: VirtioConsole
    /// The network adapters' virtio-net devices, in the configuration's order.
    public let networkAdapters: [VirtioNet]
    /// The I/O ports, with every platform device registered (`wireDevices`).
    public let ports = PortBus()
    /// Guest-physical ranges outside RAM that devices answer.
    public let mmio = MMIOBus()
    /// A stop was requested: the guest reads bit 0 of port 0xF5 as 1, and IRQ 9 (where ACPI puts its power
    /// button event) is raised, so a guest waiting halted with that line unmasked wakes to see it.
    public var isStopRequested: Bool {
        get { powerPort.isStopRequested }
        set {
            if newValue && !powerPort.isStopRequested { pic.raise(PlatformIRQ.stop) }
            powerPort.isStopRequested = newValue
        }
    }
    /// Why the machine stopped, once it has.
    public internal(set) var stop: MachineStop?

    let cpuid: CPUIDView
    /// Machine time that passed while the boot processor was halted.
    var idleTime: UInt64 = 0
    /// COM1's interrupt line at the last look (IRQs are edge-triggered).
    var uartLine = false
    /// The virtio console's interrupt line at the last look, and the network adapters' shared one.
    var consoleLine = false
    var networkLine = false
    /// Processor mailboxes in the boot information.
    let mailboxes: UInt64
    /// Round-robin position among several processors, the processor whose slice it is, and what is left of it.
    var nextProcessor = 0
    lazy var sliceOwner: VCPU = processors[0]
    var sliceLeft: UInt64 = 0
    /// Lines about nested entries not yet taken (`takeDiagnostics`).
    var diagnostics: [String] = []
    /// Each processor's MSR access for VM entry's and exit's MSR lists (`msrAccess`), made with the machine.
    var msrAccesses: [MSRAccess] = []
    /// What to trace.
    public var tracing = NestedTracing.off
    /// Where each traced event goes, as it happens.
    public var traceSink: ((NestedTraceEvent) -> Void)?

    /// Instructions one processor runs before the next takes over, when several run.
    public static let slice: UInt64 = 10_000

    /// Builds the machine and loads the image; the boot processor is ready at the image's entry point.
    public init(_ configuration: MachineConfiguration) throws(MachineError) {
        let ram = configuration.memoryBytes
        try configuration.checkLimits()
        self.configuration = configuration
        guard let memory = PhysicalMemory(size: Int(ram + EPT01.tableBytes(memoryBytes: ram))) else {
            throw .addressSpace(ram)
        }
        self.memory = memory
        let loaded = try BootLoader(configuration: configuration, memory: memory, devices: Self.virtioDevices(configuration)).load()
        let dma = DeviceMemory(bytes: memory.bytes, size: ram) { [unowned memory] in memory.noteWrite($0, size: $1) }
        console = VirtioConsole(memory: dma)
        networkAdapters = configuration.networkAdapters.map { VirtioNet(memory: dma, mac: $0.mac, linkUp: $0.isConnected) }
        let eptPointer = EPT01.build(at: ram, memoryBytes: ram) { memory.write($0, size: 8, $1) }
        cpuid = CPUIDView(processorCount: configuration.processorCount, exposesVMX: configuration.exposeVirtualizationExtensions)
        mailboxes = BootLoader.mailbox(0, modules: configuration.modules.count, mapEntries: loaded.memoryMap.count)
        // Hyper-V without nested virtualization: IA32_FEATURE_CONTROL reads locked with VMX off. With it, the
        // guest's firmware role is to lock it with VMX on, so it starts unlocked.
        let featureControl: UInt64 = configuration.exposeVirtualizationExtensions ? 0 : 1
        processors = (0..<configuration.processorCount).map { index in
            let cpu = CPU(memory: memory)
            Self.setBootState(cpu, entry: loaded.entry, eptPointer: eptPointer)
            // With several processors PAUSE exits, ending the processor's slice: a spin-wait gives the processor
            // it waits for its turn at once.
            if configuration.processorCount > 1 { cpu.controls.primary |= ExecutionControls.Primary.pauseExiting }
            return VCPU(index: index, cpu: cpu, featureControl: featureControl)
        }
        // The machine owns its processors and each processor its handler, which only runs inside the machine's
        // own `run`: neither reference can outlive what it names, so the handler holds them unretained.
        let machine = Unmanaged.passUnretained(self)
        for vcpu in processors {
            let processor = Unmanaged.passUnretained(vcpu)
            vcpu.cpu.inlineExitHandler = { exit in
                machine._withUnsafeGuaranteedRef { m in processor._withUnsafeGuaranteedRef { m.handleInline(exit, on: $0) } }
            }
        }
        msrAccesses = processors.map { vcpu in
            MSRAccess(
                read: { [unowned self, unowned vcpu] msr in readMSR(msr, vcpu: vcpu) ?? vcpu.cpu.readMSR(msr) },
                write: { [unowned self, unowned vcpu] msr, value in writeMSR(msr, value, vcpu: vcpu) ?? vcpu.cpu.writeMSR(msr, value) })
        }
        wireDevices()
    }

    /// Every platform device on its ports, in one place (nestvm(7), "Devices").
    func wireDevices() {
        let wiring: [(any BusDevice, String, ClosedRange<UInt16>)] = [
            (pic, "8259A master", PlatformPorts.masterPIC), (pit, "8254 timer", PlatformPorts.pit),
            (pic, "8259A slave", PlatformPorts.slavePIC), (debugExit, "exit port", PlatformPorts.exit...PlatformPorts.exit),
            (powerPort, "power port", PlatformPorts.power...PlatformPorts.power), (uart, "COM1", PlatformPorts.com1),
        ]
        for (device, name, range) in wiring {
            do { try ports.register(device, name: name, ports: range) } catch { preconditionFailure("platform wiring: \(error)") }
        }
        do {
            try mmio.register(
                console, name: "virtio console", base: GuestPhysicalAddress(PlatformVirtio.console), size: VirtioMMIO.windowSize)
            for (k, adapter) in networkAdapters.enumerated() {
                try mmio.register(
                    adapter, name: "virtio-net \(k)", base: GuestPhysicalAddress(PlatformVirtio.networkAdapter(k)),
                    size: VirtioMMIO.windowSize)
            }
        } catch { preconditionFailure("platform wiring: \(error)") }
    }

    /// The state every processor starts in (nestvm(7), "Boot protocol"): 64-bit mode, paging on with the
    /// identity tables, the boot GDT, TSS and IDT, RFLAGS.IF = 0, RDI = the boot information, and L0's controls.
    static func setBootState(_ cpu: CPU, entry: UInt64, eptPointer: UInt64) {
        var state = cpu.state
        state.cr0 = CR0.pe | CR0.mp | CR0.et | CR0.ne | CR0.wp | CR0.pg
        state.cr3 = GuestLayout.pageTables
        state.cr4 = CR4.pae | CR4.pge | CR4.osfxsr | CR4.osxmmexcpt
        state.msrs.efer = EFER.sce | EFER.lme | EFER.lma | EFER.nxe
        state.gdtr = .init(base: GuestLayout.gdt, limit: 0x27)
        state.idtr = .init(base: GuestLayout.idt, limit: 0xFFF)
        for segment in SegmentRegister.allCases {
            let code = segment == .cs
            state[segment] = Segment(
                selector: code ? GuestLayout.codeSelector : GuestLayout.dataSelector, base: 0, limit: 0xFFFF_FFFF,
                attributes: code ? 0xA09B : 0xC093)
        }
        state.tr = Segment(selector: GuestLayout.tssSelector, base: GuestLayout.tss, limit: 0x67, attributes: 0x8B)
        state.rflags = Flag.reserved1
        state.rip = entry
        state.gpr[Reg.rsp] = GuestLayout.stackTop - 8
        state.gpr[Reg.rdi] = GuestLayout.bootInfo
        cpu.state = state
        var controls = ExecutionControls()
        // HLT and MWAIT exit: the processor waits here, costing nothing (`MonitoredLine`).
        controls.primary =
            ExecutionControls.Primary.hltExiting | ExecutionControls.Primary.mwaitExiting
            | ExecutionControls.Primary.unconditionalIOExiting | ExecutionControls.Primary.activateSecondary
        controls.secondary = ExecutionControls.Secondary.enableEPT | ExecutionControls.Secondary.enableRDTSCP
        controls.eptPointer = eptPointer
        // CR4.VMXE is L0's: setting it exits, so it can be refused when VMX is not exposed and kept set in VMX
        // operation.
        controls.cr4GuestHostMask = CR4.vmxe
        controls.cr4ReadShadow = 0
        cpu.controls = controls
    }

    /// Machine time in nanoseconds (instructions).
    public var now: UInt64 { processors[0].cpu.instructionsRetired &+ idleTime }

    /// Instructions retired by all processors.
    public var instructionsRetired: UInt64 { processors.reduce(0) { $0 &+ $1.cpu.instructionsRetired } }

    /// Bytes COM1 transmitted since the last call.
    public func takeOutput() -> [UInt8] {
        defer { uart.output.removeAll(keepingCapacity: true) }
        return uart.output
    }

    /// What `run` left the machine doing.
    public enum Status: Equatable, Sendable {
        /// The budget ran out; call `run` again.
        case running
        /// Every processor is halted waiting for an interrupt that only input can bring (COM1).
        case waitingForInput
        /// With `idlesInRealTime`: every processor is halted until the timer's next interrupt, this many
        /// nanoseconds of machine time away, or input; `passIdleTime` lets time pass.
        case waitingForTimer(UInt64)
        /// The machine stopped for good.
        case stopped(MachineStop)
    }

    /// Runs guest code until about `budget` instructions have retired, the machine waits for input, or it stops;
    /// or, early, once the guest has sent the first bytes over the integration channel since the host last took
    /// them: the host's relay may owe an answer (the inventory, a request's), and the guest may be polling for it.
    public func run(budget: UInt64) -> Status {
        if let stop { return .stopped(stop) }
        let target = instructionsRetired &+ budget
        let hadChannelOutput = !console.transmitted.isEmpty
        while instructionsRetired < target {
            raiseDeviceInterrupts()
            startParkedProcessors()
            wakeMonitorWaiters()
            // An interrupt wakes a halted boot processor even while others keep running.
            if processors[0].isHalted && pic.hasInterrupt { offerInterrupt(to: processors[0]) }
            if processors.allSatisfy({ $0.isParked || $0.isHalted }) {
                if let status = idle() { return status }
                continue
            }
            // A processor keeps its slice across the exits the machine handles for it, so one that exits often
            // gets its share beside one that does not; PAUSE, HLT and MWAIT give the rest of it up.
            if sliceLeft == 0 || sliceOwner.isParked || sliceOwner.isHalted {
                sliceOwner = pickProcessor()
                sliceLeft = Self.slice
            }
            let vcpu = sliceOwner
            var limit = min(target - instructionsRetired, processors.count > 1 ? sliceLeft : .max)
            if vcpu.index == 0 { offerInterrupt(to: vcpu) }
            // The clock follows the boot processor, or whichever runs while it is halted.
            let keepsTime = vcpu.index == 0 || processors[0].isHalted
            if keepsTime, let deadline = pit.nextInterrupt { limit = min(limit, deadline > now ? deadline - now : 1) }
            let before = vcpu.cpu.instructionsRetired
            vcpu.catchUpTimeStampCounter(now: now)
            let outcome = vcpu.cpu.run(maxInstructions: limit)
            let ran = vcpu.cpu.instructionsRetired &- before
            sliceLeft = sliceLeft > ran ? sliceLeft - max(ran, 1) : 0
            if case .exit(let exit) = outcome {
                if exit.reason == ExitReason.pause { sliceLeft = 0 }
                handle(exit, on: vcpu)
            }
            if vcpu.index != 0 && processors[0].isHalted { idleTime &+= ran }
            vcpu.noteTime(now: now)
            if let stop { return .stopped(stop) }
            if !hadChannelOutput && !console.transmitted.isEmpty { break }
        }
        raiseDeviceInterrupts()
        return .running
    }

    /// Whether halted time passes as the host's clock does rather than skipping to the timer's next interrupt:
    /// set for a VM whose frames come from other machines, where a time-out must mean what it says. `run` then
    /// returns `waitingForTimer`, and the caller waits (for input, or the time) and calls `passIdleTime`.
    public var idlesInRealTime = false

    /// Lets `nanoseconds` of halted time pass (no further than the timer's next interrupt).
    public func passIdleTime(_ nanoseconds: UInt64) {
        guard let deadline = pit.nextInterrupt, deadline > now else { return }
        idleTime &+= min(nanoseconds, deadline - now)
    }

    /// Turns the machine off at once.
    public func turnOff() {
        if stop == nil { stop = .turnedOff }
    }

    /// The next processor that can run, round robin.
    func pickProcessor() -> VCPU {
        while true {
            let vcpu = processors[nextProcessor]
            nextProcessor = (nextProcessor + 1) % processors.count
            if !vcpu.isParked && !vcpu.isHalted { return vcpu }
        }
    }

    /// Every processor is halted or parked: wake the boot processor for a pending interrupt, let time pass to
    /// the next timer interrupt, wait for input, or power off when nothing can ever wake anything.
    func idle() -> Status? {
        let boot = processors[0]
        let wakeable = boot.isHalted && (boot.cpu.rflags & Flag.if != 0 || boot.vmx.interceptsExternalInterrupts.exits && boot.vmx.isInL2)
        guard wakeable else {
            stop = .poweredOff
            return .stopped(.poweredOff)
        }
        if pic.hasInterrupt {
            offerInterrupt(to: boot)
            // Injected: the processor runs again. (Never otherwise for a halted processor with IF set, but a wait
            // is the safe answer rather than a spin.)
            return boot.isHalted ? .waitingForInput : nil
        }
        if let deadline = pit.nextInterrupt {
            if idlesInRealTime && deadline > now { return .waitingForTimer(deadline - now) }
            if deadline > now { idleTime &+= deadline - now }
            raiseDeviceInterrupts()
            return nil
        }
        return .waitingForInput
    }

    /// Edge-triggered IRQs from the devices: IRQ 0 when the timer's time came, IRQ 4 on a rising COM1 line,
    /// IRQ 10 on a rising virtio-console line, IRQ 11 when any network adapter's line rises.
    func raiseDeviceInterrupts() {
        while let deadline = pit.nextInterrupt, deadline <= now {
            pit.fired()
            pic.raise(PlatformIRQ.timer)
        }
        let line = uart.interruptLine
        if line && !uartLine { pic.raise(PlatformIRQ.com1) }
        uartLine = line
        let consoleLine = console.interruptLine
        if consoleLine && !self.consoleLine { pic.raise(PlatformIRQ.virtioConsole) }
        self.consoleLine = consoleLine
        let networkLine = networkAdapters.contains { $0.interruptLine }
        if networkLine && !self.networkLine { pic.raise(PlatformIRQ.virtioNet) }
        self.networkLine = networkLine
    }

    /// Injects the PIC's interrupt into the boot processor when it can take one (the interrupt-acknowledge
    /// cycle happens at that moment), else asks for an interrupt-window exit (SDM vol. 3, "Interrupt-Window
    /// Exiting and Virtual-Interrupt Delivery").
    func offerInterrupt(to vcpu: VCPU) {
        let windowExiting = ExecutionControls.Primary.interruptWindowExiting
        var wantsWindow = false
        if pic.hasInterrupt && interruptExitsToL1(vcpu) { return offerInterrupt(to: vcpu) }
        if pic.hasInterrupt {
            if vcpu.acceptsInterrupt {
                vcpu.cpu.pendingInjection = InjectedEvent(vector: pic.acknowledge(), kind: .externalInterrupt)
                vcpu.wake()
            } else {
                wantsWindow = true
            }
        }
        // While L2 runs, the window L1 asked for in vmcs12 stays open beside L0's own.
        vcpu.vmx.l0WantsInterruptWindow = wantsWindow
        let window = wantsWindow || vcpu.vmx.isInL2 && vcpu.vmx.vmcs.u32(.cpuBasedVMExecControl) & windowExiting != 0
        if (vcpu.cpu.controls.primary & windowExiting != 0) != window {
            vcpu.cpu.controls.primary ^= windowExiting
        }
    }

    /// Wakes the processors waiting in MWAIT whose monitored line changed (a store by another processor, or a
    /// device's).
    func wakeMonitorWaiters() {
        for vcpu in processors where vcpu.isHalted {
            if let line = vcpu.monitorWait, line.hasChanged(in: memory) { vcpu.wake() }
        }
    }

    /// Starts secondary processors whose mailbox has an entry address (nestvm(7), "Secondary processors").
    func startParkedProcessors() {
        for vcpu in processors where vcpu.isParked {
            typealias Mailbox = BootInfoLayout.Mailbox
            let box = mailboxes + UInt64(vcpu.index * Mailbox.byteCount)
            let entry = memory.read(Mailbox.entry, of: box)
            guard entry != 0 else { continue }
            vcpu.cpu.rip = entry
            vcpu.cpu.gpr[Reg.rsp] = memory.read(Mailbox.stackTop, of: box)
            vcpu.cpu.gpr[Reg.rdi] = memory.read(Mailbox.argument, of: box)
            memory.write(Mailbox.state, of: box, UInt64(BootInfoLayout.MailboxState.running.rawValue))
            vcpu.isParked = false
        }
    }
}
