/// minivisor: the L1 hypervisor nestvm ships. It runs nestvm guest images as nested VMs (L2), each under EPT in
/// its own slice of this VM's memory, with its own VMCS, VPID and platform (COM1, the PIC pair, the PIT, the exit
/// and power ports), round-robin on the boot processor with the VMX-preemption timer. Needs a processor with
/// ExposeVirtualizationExtensions (`vmproc set NAME --expose-virtualization-extensions true`).
///
/// The nested VMs are those L0 sends over the integration channel (its inventory's VMs to start at boot, then
/// `vmrun start --host` requests), and the boot modules, each named for its VM (`vmrun run lab1 --module nested1=hello.elf`). Each
/// line a nested VM writes to its COM1 appears on minivisor's console as `[NAME] line`; when a VM ends, a line
/// says how, with the exit status and reason L0 would give. Command-line words:
/// - `memory=MiB`: each nested VM's memory (16 by default, 2 to 1024).
/// - `exit-when-idle`: end once no nested VM runs; otherwise minivisor waits for L0's requests (`vmrun start --host`)
///   and its own stop request (`vmrun stop`).
/// - `--`: the words after it are every nested VM's command line (`exit-when-idle -- rounds=200`).
@_cdecl("guest_main")
public func guestMain(_ bootInfoPointer: UnsafeRawPointer) -> UInt32 {
    guard let boot = BootInfo(bootInfoPointer) else {
        print("minivisor: no boot information")
        return 2
    }
    let modules = boot.modules
    let integration = Integration(boot)
    print("minivisor: \(modules.count) nested VM\(modules.count == 1 ? "" : "s") given")
    integration.announce(nestedCount: modules.count)
    guard Processor.hasVMX else {
        print(
            "minivisor: this processor does not offer VMX, so no nested VM can start: turn this VM off and set its processor's"
                + " ExposeVirtualizationExtensions (vmproc set NAME --expose-virtualization-extensions true)")
        integration.refuse(
            category: "HostLacksVirtualizationExtensions", "the processor does not offer VMX, so no nested VM can start")
        return 2
    }
    if let failure = VMXSupport.enter() {
        print("minivisor: cannot enter VMX operation: " + failure)
        return 2
    }
    let controls: Controls
    switch Controls.make() {
    case .success(let made): controls = made
    case .failure(let missing):
        print("minivisor: " + missing.description)
        return 2
    }
    let mebibytes = boot.integerOption("memory") ?? 16
    guard mebibytes >= 2 && mebibytes <= 1024 else {
        print("minivisor: memory=\(mebibytes): a nested VM's memory is 2 to 1024 MiB")
        return 2
    }
    let nestedLine = boot.passedOnCommandLine
    let minivisor = Minivisor(controls: controls, integration: integration)
    for entry in integration.receiveInventory() {
        guard let image = entry.image, let name = entry.record.text("VMName"),
            !modules.contains(where: { Array($0.name.utf8) == Array(name.utf8) })  // bytes: String == would pull in Unicode tables
        else { continue }
        if let refusal = minivisor.start(name, settings: entry.record, image: image, why: " (its AutomaticStartAction)") {
            integration.cannotStart(name, refusal.message)
        }
    }
    for module in modules {
        let settings = Minivisor.Settings(commandLine: nestedLine, memoryBytes: UInt64(mebibytes) << 20)
        if let refusal = minivisor.start(module.name, image: module.bytes, settings, why: "") {
            integration.cannotStart(module.name, refusal.message)
        }
    }
    // L0's requests and stop request wake minivisor when it waits (without a channel, only the stop request).
    if let channel = integration.channel { channel.enableInterrupts() } else { Console.enableInput() }
    minivisor.run(exitWhenIdle: boot.hasWord("exit-when-idle"))
    _ = VMXSupport.vmxoff()
    return 0
}

/// The nested VMs and their processor: started from the inventory, the boot modules and L0's requests, run
/// round-robin a time slice each. It keeps their clocks: a nested VM's time (its TSC and its PIT) is this
/// processor's TSC plus the time skipped while every nested VM was halted waiting for a timer, so waiting costs
/// nothing and runs stay deterministic.
final class Minivisor {
    let controls: Controls
    let integration: Integration
    var vms: [NestedVM] = []
    var slices = SliceAllocator()
    var skipped: UInt64 = 0
    /// The VM whose VMCS is current.
    var current: NestedVM? = nil
    /// The lowest VPID no nested VM has used yet.
    var freshVPID = 1
    /// A time slice in TSC ticks (nanoseconds of machine time).
    static let slice: UInt64 = 2_000_000

    init(controls: Controls, integration: Integration) {
        self.controls = controls
        self.integration = integration
    }

    var now: UInt64 { nv_rdtsc() &+ skipped }

    /// A refusal: nestvm's error category and what to tell the user.
    typealias Refusal = (category: String, message: String)

    /// What a nested VM is started with.
    struct Settings {
        var commandLine: [UInt8]
        var memoryBytes: UInt64
    }

    /// Starts nested VM `name` with the settings of its inventory record (or request), or says why not.
    func start(_ name: String, settings record: ChannelRecord, image: [UInt8], why: String) -> Refusal? {
        if let count = record.integer("ProcessorCount"), count != 1 {
            return (
                "ProcessorOutOfRange",
                "its ProcessorCount is \(count), and minivisor runs each nested VM on one processor"
            )
        }
        guard record.boolean("ExposeVirtualizationExtensions") != true else {
            return (
                "NestedLevelNotOffered",
                "its processor exposes virtualization extensions, and a hypervisor inside a nested VM (L3) is not offered"
            )
        }
        let settings = Settings(
            commandLine: record.string("CommandLine") ?? [], memoryBytes: UInt64(max(record.integer("MemoryStartup") ?? 0, 0)))
        return image.withUnsafeBytes { start(name, image: $0, settings, why: why) }
    }

    /// Builds nested VM `name` from `image` and reports its start, or says why it cannot start.
    func start(_ name: String, image: UnsafeRawBufferPointer, _ settings: Settings, why: String) -> Refusal? {
        if vm(named: name) != nil { return ("VMAlreadyRunning", "it is already running") }
        do {
            let vm = try NestedVM(
                name: name, image: image, commandLine: settings.commandLine, memoryBytes: settings.memoryBytes, vpid: takeVPID(),
                controls: controls, integration: integration, slices: &slices)
            current = vm  // its VMCS was made current
            vms.append(vm)
            print("minivisor: \(name): \(settings.memoryBytes >> 20) MiB, starting" + why)
            integration.started(name, memoryBytes: settings.memoryBytes)
            return nil
        } catch {
            current = nil
            return (error.category, error.description)
        }
    }

    /// The lowest VPID no running nested VM has. One an ended VM had may still tag translations cached for it: they
    /// are dropped first (INVVPID, all-context; SDM vol. 3, "Virtual-Processor Identifiers (VPIDs)").
    func takeVPID() -> Int {
        var vpid = 1
        while vms.contains(where: { $0.end == nil && $0.vpid == vpid }) { vpid += 1 }
        if vpid < freshVPID { _ = nv_invvpid(2, 0) } else { freshVPID = vpid + 1 }
        return vpid
    }

    /// The running (or paused) nested VM named `name`.
    func vm(named name: String) -> NestedVM? {
        let bytes = Array(name.utf8)
        return vms.first { $0.end == nil && Array($0.name.utf8) == bytes }
    }

    /// Acts on the requests L0 sent (nestvm(7), "INTEGRATION CHANNEL"), each answered with a `RequestResult`
    /// after the state records it caused, and takes the nested inventory's changes, saying what they changed.
    func serveRequests() {
        integration.pump()
        for message in integration.takeMessages() {
            let request = message.record
            if integration.inventory.apply(request) { continue }
            if request.isKind("InventoryEnd") {
                if let changes = integration.inventory.takeChanges() { print("minivisor: inventory changed: " + changes) }
                continue
            }
            guard request.isKind("Request"), let name = request.text("VMName") else {
                integration.ignoredLines += 1
                continue
            }
            let id = request.integer("RequestId")
            let refusal = act(on: request, name: name, image: message.image)
            if let id { integration.answer(id, name, refused: refusal) }
        }
    }

    /// Does what `request` asks of nested VM `name`.
    func act(on request: ChannelRecord, name: String, image: [UInt8]?) -> Refusal? {
        if request.has("Action", "Start") {
            // Refused without touching the running VM's record.
            if vm(named: name) != nil { return ("VMAlreadyRunning", "it is already running") }
            guard let image else { return ("BadImage", "no image came with the start request") }
            let refusal = start(name, settings: request, image: image, why: " (vmrun start)")
            if let refusal { integration.cannotStart(name, refusal.message) }
            return refusal
        }
        guard let vm = vm(named: name) else { return ("VMNotRunning", "it is not running") }
        if request.has("Action", "Stop") {
            vm.isPaused = false
            vm.requestStop()
        } else if request.has("Action", "TurnOff") {
            let reason = request.text("Reason").flatMap { $0.utf8.count <= 256 ? $0 : nil } ?? "turned off (vmrun stop --turn-off)"
            vm.finish(.turnedOffByRequest(reason))
        } else if request.has("Action", "Pause") || request.has("Action", "Resume") {
            let pause = request.has("Action", "Pause")
            if vm.isPaused != pause {
                if controls.countsInstructions { integration.progress(name, instructions: vm.instructionsRetired) }
                vm.isPaused = pause
                integration.paused(name, pause)
            }
        } else if request.has("Action", "Input") {
            vm.uart.receive(request.string("Data") ?? [])
        } else {
            return ("InvalidArgument", "minivisor does not know that request")
        }
        return nil
    }

    func run(exitWhenIdle: Bool) {
        var next = 0
        var saidIdle = false
        while true {
            if Machine.isStopRequested {
                for vm in vms where vm.end == nil { vm.finish(.turnedOff) }
                return
            }
            serveRequests()
            reportProgress()
            releaseEnded()
            if vms.isEmpty && exitWhenIdle {
                print("minivisor: no nested VM runs; ending (exit-when-idle)")
                return
            }
            let t = now
            for vm in vms { vm.raiseDeviceInterrupts(now: t) }
            guard let chosen = (0..<vms.count).map({ (next + $0) % vms.count }).first(where: { vms[$0].isRunnable }) else {
                // Every VM is halted or paused: skip to the first timer interrupt that wakes one, or wait for L0.
                let timers = vms.filter { !$0.isPaused && $0.pic.isUnmasked(PlatformIRQ.timer) }.compactMap { $0.pit.nextInterrupt }
                if let wake = timers.min() {
                    if wake > t { skipped &+= wake - t }
                } else {
                    if !saidIdle {
                        print(
                            vms.isEmpty
                                ? "minivisor: no nested VM runs; waiting for L0's requests or a stop request"
                                : "minivisor: every nested VM waits for input; waiting for L0's requests or a stop request")
                        saidIdle = true
                    }
                    waitForL0()
                }
                continue
            }
            next = chosen + 1
            saidIdle = false
            runSlice(vms[chosen])
        }
    }

    /// Machine time of the last progress report, and the time between two (10 ms of machine time: L0 records
    /// them about once a second of its own time).
    var reportedAt: UInt64 = 0
    static let progressInterval: UInt64 = 10_000_000

    /// Each running VM's instructions so far, reported every `progressInterval`.
    func reportProgress() {
        guard controls.countsInstructions, now &- reportedAt >= Self.progressInterval else { return }
        reportedAt = now
        for vm in vms where vm.end == nil { integration.progress(vm.name, instructions: vm.instructionsRetired) }
    }

    /// Forgets the VMs that ended, their memory kept for the next.
    func releaseEnded() {
        for vm in vms where vm.end != nil {
            if current === vm { current = nil }
            vm.release(to: &slices)
        }
        vms.removeAll { $0.end != nil }
    }

    /// Waits, halted, until L0 sends something or asks this VM to stop (IRQ 10 or IRQ 9 wakes it).
    func waitForL0() {
        nv_disable_interrupts()
        if !(integration.channel?.hasReceived ?? false) && !Machine.isStopRequested { nv_halt_until_interrupt() }
    }

    /// Runs `vm` until its slice ends, it halts, it ends, or minivisor's own interrupt arrives; what it retired
    /// meanwhile is counted to it.
    func runSlice(_ vm: NestedVM) {
        if current !== vm {
            vm.makeCurrent()
            current = vm
        }
        if controls.countsInstructions {
            let before = Controls.instructionCounter()
            defer { vm.instructionsRetired &+= (Controls.instructionCounter() &- before) & (1 << 48 - 1) }
            runEntries(vm)
        } else {
            runEntries(vm)
        }
    }

    func runEntries(_ vm: NestedVM) {
        let sliceEnd = now &+ Self.slice
        while vm.end == nil {
            let t = now
            vm.raiseDeviceInterrupts(now: t)
            if vm.isHalted && !vm.pic.hasInterrupt { return }
            vm.prepareEntry()
            var deadline = sliceEnd
            if let timer = vm.pit.nextInterrupt, timer < deadline { deadline = timer }
            let ticks = deadline > t ? (deadline - t) >> controls.timerRate : 0
            vm.set(NV_VMCS_VMX_PREEMPTION_TIMER_VALUE, max(ticks, 1))
            vm.set(NV_VMCS_TSC_OFFSET, skipped)
            let flags = nv_vmx_run(&vm.registers.raw, vm.launched ? 0 : 1, vm.fxAreas)
            if flags != 0 {
                vm.finish(.unsupported(NestedFailure.instruction(vm.launched ? "VMRESUME" : "VMLAUNCH", flags).description))
                return
            }
            vm.launched = true
            let step = vm.handleExit(now: now)
            vm.flushConsole()
            if step == .ended || step == .interrupted || (step == .timerExpired && now >= sliceEnd) { return }
        }
    }
}

extension NestedVM {
    /// Whether the VM can run now: not paused, and not halted or halted with an interrupt to deliver.
    var isRunnable: Bool { end == nil && !isPaused && (!isHalted || pic.hasInterrupt) }
}
