/// minivisor: the L1 hypervisor nestvm ships. It runs nestvm guest images as nested VMs (L2), each under EPT in
/// its own slice of this VM's memory, with a VMCS per processor, its own VPID and platform (COM1, the PIC pair, the
/// PIT, the exit and power ports), its processors spread over this VM's and round-robin on each with the
/// VMX-preemption timer. Needs a processor with
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
    let minivisor = Minivisor(controls: controls, integration: integration, networks: Networks(boot))
    minivisor.lock()
    minivisor.startProcessors(count: boot.processorCount, bootInfo: bootInfoPointer)
    let entries = integration.receiveInventory()
    minivisor.networks.configure(integration.inventory)
    for entry in entries {
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
    _ = VMXSupport.vmxoff()  // this processor's; the machine ends with the others as they are
    return 0
}

/// The nested VMs and this VM's processors: started from the inventory, the boot modules and L0's requests, each
/// nested VM's processors run by as many of this VM's, round-robin a time slice each among the nested processors
/// one of them runs. Processor 0 serves L0 (the channel's requests and inventory, the stop request); each
/// processor handles its own nested processors' exits. One lock covers all of minivisor's state: a processor holds
/// it except while a nested processor of its runs and while it waits.
///
/// A nested VM's time (its TSC and its PIT) is this VM's TSC plus the time skipped while all its processors waited
/// for its timer and nothing else could run there, so waiting costs nothing and runs stay deterministic.
final class Minivisor {
    let controls: Controls
    let integration: Integration
    let networks: Networks
    var vms: [NestedVM] = []
    var slices = SliceAllocator()
    /// The processors, processor 0 first.
    var processors: [Runner]
    /// A time slice in TSC ticks (nanoseconds of machine time).
    static let slice: UInt64 = 2_000_000
    let lockWord = UnsafeMutablePointer<UInt32>.allocate(capacity: 1)

    init(controls: Controls, integration: Integration, networks: Networks) {
        self.controls = controls
        self.integration = integration
        self.networks = networks
        processors = [Runner(index: 0, state: .ready)]
        lockWord.initialize(to: 0)
    }

    func lock() { nv_spin_lock(lockWord) }
    func unlock() { nv_spin_unlock(lockWord) }

    /// Starts this VM's other processors (`count` in all) in VMX operation, each running nested VMs once ready, and
    /// waits until each is ready or failed. Called with the lock held, before any nested VM starts.
    func startProcessors(count: Int, bootInfo: UnsafeRawPointer) {
        guard count > 1 else { return }
        guard Processor.cpuid(1).ecx & 1 << 3 != 0 else {
            print("minivisor: the processor has no MONITOR and MWAIT to wait with, so nested VMs run on processor 0 alone")
            return
        }
        for index in 1..<count { processors.append(Runner(index: index, state: .starting)) }
        let entry: @convention(c) (UInt32, UnsafeMutableRawPointer?) -> Void = { index, context in
            Unmanaged<Minivisor>.fromOpaque(context!).takeUnretainedValue().runSecondary(Int(index))
        }
        unlock()
        _ = nv_start_secondaries(
            bootInfo.assumingMemoryBound(to: UInt8.self), entry, Unmanaged.passUnretained(self).toOpaque())
        var spins = 0
        lock()
        while processors.contains(where: { $0.state == .starting }) && spins < 1_000_000 {
            unlock()
            nv_pause()
            spins += 1
            lock()
        }
        let ready = processors.filter { $0.state == .ready }.count
        print("minivisor: nested VMs run on \(ready) of \(count) processors")
    }

    /// A secondary processor's life: into VMX operation, then running the VMs given to it.
    func runSecondary(_ index: Int) {
        lock()
        let runner = processors[index]
        if let failure = VMXSupport.enter() {
            print("minivisor: processor \(index) cannot enter VMX operation (\(failure)), so it runs no nested VM")
            runner.state = .failed
            unlock()
            return
        }
        controls.prepareProcessor()
        runner.state = .ready
        run(on: runner)
    }

    /// A refusal: nestvm's error category and what to tell the user.
    typealias Refusal = (category: String, message: String)

    /// What a nested VM is started with.
    struct Settings {
        var commandLine: [UInt8]
        var memoryBytes: UInt64
        var processorCount = 1
    }

    /// Starts nested VM `name` with the settings of its inventory record (or request), or says why not.
    func start(_ name: String, settings record: ChannelRecord, image: [UInt8], why: String) -> Refusal? {
        let count = record.integer("ProcessorCount") ?? 1
        let ready = processors.filter { $0.state == .ready }.count
        guard count >= 1 && count <= ready else {
            return (
                "ProcessorOutOfRange",
                "its ProcessorCount is \(count), and each of its processors needs one of this VM's, of which \(ready) \(ready == 1 ? "runs" : "run") nested VMs"
            )
        }
        guard record.boolean("ExposeVirtualizationExtensions") != true else {
            return (
                "NestedLevelNotOffered",
                "its processor exposes virtualization extensions, and a hypervisor inside a nested VM (L3) is not offered"
            )
        }
        let settings = Settings(
            commandLine: record.string("CommandLine") ?? [], memoryBytes: UInt64(max(record.integer("MemoryStartup") ?? 0, 0)),
            processorCount: count)
        return image.withUnsafeBytes { start(name, image: $0, settings, why: why) }
    }

    /// Builds nested VM `name` from `image` on processor 0, gives each of its processors to another ready processor,
    /// those running the fewest nested processors first (the lowest-numbered of equals), and reports its start; or
    /// says why it cannot start.
    func start(_ name: String, image: UnsafeRawBufferPointer, _ settings: Settings, why: String) -> Refusal? {
        if vm(named: name) != nil { return ("VMAlreadyRunning", "it is already running") }
        processors[0].current = nil  // building the VM's VMCSs leaves none current
        let bytes = Array(name.utf8)
        let adapterRecords =
            integration.inventory.entries.first { $0.name == bytes }?.adapters.map { ChannelRecord(fields: $0.fields) } ?? []
        do {
            let vm = try NestedVM(
                name: name, image: image, commandLine: settings.commandLine, memoryBytes: settings.memoryBytes,
                processorCount: settings.processorCount, vpid: takeVPID(), controls: controls, integration: integration, networks: networks,
                adapters: adapterRecords, slices: &slices)
            networks.attach(vm.adapters, records: adapterRecords, inventory: integration.inventory)
            var ready = processors.filter { $0.state == .ready }
            var on: [Int] = []
            for processor in vm.processors {
                let k = ready.indices.min { load(of: ready[$0]) < load(of: ready[$1]) }!
                processor.runner = ready[k].index
                on.append(ready[k].index)
                ready.remove(at: k)
            }
            vms.append(vm)
            let placed =
                processors.count == 1
                ? "" : on.count == 1 ? " on processor \(on[0])" : " on processors " + on.map { "\($0)" }.joined(separator: ", ")
            print("minivisor: \(name): \(settings.memoryBytes >> 20) MiB, starting" + placed + why)
            integration.started(name, memoryBytes: settings.memoryBytes)
            processors[vm.processors[0].runner].wake()
            return nil
        } catch {
            return (error.category, error.description)
        }
    }

    /// The nested processors processor `runner` runs.
    func load(of runner: Runner) -> Int { vms.reduce(0) { $0 + $1.processors.filter { $0.runner == runner.index }.count } }

    /// The lowest VPID no running nested VM has (the processor that takes a VM's processor drops what it cached for
    /// an ended VM's: `NestedProcessor.makeCurrent`).
    func takeVPID() -> Int {
        var vpid = 1
        while vms.contains(where: { $0.end == nil && $0.vpid == vpid }) { vpid += 1 }
        return vpid
    }

    /// The running (or paused) nested VM named `name`.
    func vm(named name: String) -> NestedVM? {
        let bytes = Array(name.utf8)
        return vms.first { $0.end == nil && $0.pendingEnd == nil && Array($0.name.utf8) == bytes }
    }

    /// Acts on the requests L0 sent (nestvm(7), "INTEGRATION CHANNEL"), each answered with a `RequestResult`
    /// after the state records it caused, and takes the nested inventory's changes, saying what they changed.
    func serveRequests() {
        integration.pump()
        for message in integration.takeMessages() {
            let request = message.record
            if integration.inventory.apply(request) { continue }
            if request.isKind("InventoryEnd") {
                let inventory = integration.inventory
                networks.update(inventory.entries.flatMap { $0.adapters.map { ChannelRecord(fields: $0.fields) } })
                networks.configure(inventory)
                if let changes = integration.inventory.takeChanges() { print("minivisor: inventory changed: " + changes) }
                continue
            }
            guard request.isKind("Request"), let name = request.text("VMName") else {
                integration.ignoredLines += 1
                continue
            }
            let id = request.integer("RequestId")
            switch act(on: request, name: name, image: message.image, id: id) {
            case .now(let refusal): if let id { integration.answer(id, name, refused: refusal) }
            case .onceEnded: break
            }
        }
    }

    /// When a request is answered: now (done, or refused), or by the VM's processor once the VM ended.
    enum Answer {
        case now(Refusal?)
        case onceEnded
    }

    /// Does what `request` (`id`) asks of nested VM `name`; the VM's processor is woken to see it.
    func act(on request: ChannelRecord, name: String, image: [UInt8]?, id: Int?) -> Answer {
        if request.has("Action", "Start") {
            // Refused without touching the running VM's record.
            if vm(named: name) != nil { return .now(("VMAlreadyRunning", "it is already running")) }
            guard let image else { return .now(("BadImage", "no image came with the start request")) }
            let refusal = start(name, settings: request, image: image, why: " (vmrun start)")
            if let refusal { integration.cannotStart(name, refusal.message) }
            return .now(refusal)
        }
        guard let vm = vm(named: name) else { return .now(("VMNotRunning", "it is not running")) }
        defer { processors[vm.processors[0].runner].wake() }
        if request.has("Action", "Stop") {
            vm.isPaused = false
            vm.requestStop()
        } else if request.has("Action", "TurnOff") {
            let reason = request.text("Reason").flatMap { $0.utf8.count <= 256 ? $0 : nil } ?? "turned off (vmrun stop --turn-off)"
            vm.pendingEnd = .turnedOffByRequest(reason)
            vm.pendingAnswer = id
            return .onceEnded
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
            return .now(("InvalidArgument", "minivisor does not know that request"))
        }
        return .now(nil)
    }

    /// Processor 0's work: L0's requests and stop request, and its own VMs, until minivisor ends. Called with
    /// the lock held.
    func run(exitWhenIdle: Bool) {
        let boot = processors[0]
        while true {
            if Machine.isStopRequested {
                turnOffAll()
                return
            }
            serveRequests()
            pumpNetworks()
            settle(boot)
            if vms.isEmpty && exitWhenIdle {
                print("minivisor: no nested VM runs; ending (exit-when-idle)")
                return
            }
            if !step(boot) { waitForL0() }
        }
    }

    /// Moves frames between this VM's adapters, its switches and the nested VMs' adapters; a nested VM given
    /// frames has its processor 0 woken, and so has one whose timer is due (networked VMs wait in real time,
    /// and only processor 0 takes L1's own timer).
    func pumpNetworks() {
        for vm in vms where !vm.adapters.isEmpty && vm.processors[0].runner != 0 {
            if let due = vm.pit.nextInterrupt, due <= vm.now { processors[vm.processors[0].runner].wake() }
        }
        guard networks.pump() else { return }
        for vm in vms where vm.adapters.contains(where: { $0.delivered }) {
            for adapter in vm.adapters { adapter.delivered = false }
            processors[vm.processors[0].runner].wake()
        }
    }

    /// Runs processor `runner`'s VMs, for ever; with the lock held.
    func run(on runner: Runner) {
        while true {
            settle(runner)
            if !step(runner) { runner.wait(seen: runner.wakeCount, unlocking: self) }
        }
    }

    /// A slice of processor `runner`'s next runnable nested processor, or a skip to the first timer that wakes one.
    /// false when none can run before something else happens (input, a request, another processor).
    func step(_ runner: Runner) -> Bool {
        let mine = vms.flatMap { $0.processors }.filter { $0.runner == runner.index && $0.vm.end == nil && !$0.isReleased }
        for processor in mine where processor.index == 0 { processor.vm.raiseDeviceInterrupts(now: processor.vm.now) }
        let count = mine.count
        guard let chosen = (0..<count).map({ mine[(runner.next + $0) % count] }).first(where: { $0.isRunnable }) else {
            // Nothing here can run: the VM whose processors all wait for its timer, due first in L1's time,
            // skips to it; else this processor waits.
            // A VM with network adapters waits in real time, as L0's networked VMs do: its peers' answers take
            // real time (L1's own timer, or a frame, wakes this processor).
            let waiting = mine.filter {
                $0.index == 0 && $0.vm.waitsForTimer && $0.vm.adapters.isEmpty && !$0.vm.processors.contains { $0.isRunnable }
            }
            guard let vm = waiting.map({ $0.vm }).min(by: { $0.pit.nextInterrupt! &- $0.skipped < $1.pit.nextInterrupt! &- $1.skipped })
            else {
                sayIdle(runner)
                return false
            }
            let t = vm.now, wake = vm.pit.nextInterrupt!
            if wake > t { vm.skipped &+= wake - t }
            return true
        }
        runner.next = (mine.firstIndex { $0 === chosen } ?? 0) + 1
        runner.saidIdle = false
        runSlice(chosen, on: runner)
        return true
    }

    /// Says once, on processor 0, that nothing runs until L0 sends something.
    func sayIdle(_ runner: Runner) {
        let live = vms.filter { $0.end == nil }
        let busy = live.contains { $0.waitsForTimer || $0.processors.contains { $0.isRunnable } }
        guard runner.index == 0, !runner.saidIdle, !busy else { return }
        print(
            live.isEmpty
                ? "minivisor: no nested VM runs; waiting for L0's requests or a stop request"
                : "minivisor: every nested VM waits for input; waiting for L0's requests or a stop request")
        runner.saidIdle = true
    }

    /// Processor `runner`'s part of the VMs: those whose processor 0 it runs end as asked (a request answered once
    /// they did), report progress every `progressInterval` and start processors their mailboxes name; the
    /// processors of ended VMs are cleared, and a VM all of whose processors are is forgotten, its memory kept for
    /// the next (processor 0 is told, as it may be waiting for every VM to end).
    func settle(_ runner: Runner) {
        let report = controls.countsInstructions && nv_rdtsc() &- runner.reportedAt >= Self.progressInterval
        if report { runner.reportedAt = nv_rdtsc() }
        for vm in vms where vm.processors[0].runner == runner.index {
            if let end = vm.pendingEnd {
                vm.pendingEnd = nil
                vm.finish(end)
                if let id = vm.pendingAnswer { integration.answer(id, vm.name) }
                vm.pendingAnswer = nil
            }
            if vm.end == nil && report { integration.progress(vm.name, instructions: vm.instructionsRetired) }
            if vm.end == nil && vm.processors.count > 1 && vm.startParkedProcessors() {
                for processor in vm.processors where processor.startAt != nil { processors[processor.runner].wake() }
            }
        }
        var released = false
        for vm in vms where vm.end != nil {
            if !vm.toldOfEnd {
                vm.toldOfEnd = true
                for processor in vm.processors where processor.runner != runner.index { processors[processor.runner].wake() }
            }
            for processor in vm.processors where processor.runner == runner.index && !processor.isReleased {
                if runner.current === processor { runner.current = nil }
                _ = nv_vmclear(processor.vmcs)
                processor.isReleased = true
            }
            if vm.processors.allSatisfy({ $0.isReleased }) {
                slices.give(vm.slice)
                released = true
            }
        }
        guard released else { return }
        vms.removeAll { $0.end != nil && $0.processors.allSatisfy { $0.isReleased } }
        if runner.index != 0 { processors[0].wake() }
    }

    /// Machine time between two progress reports (10 ms: L0 records them about once a second of its own time).
    static let progressInterval: UInt64 = 10_000_000

    /// minivisor stops: every VM is turned off by the processor running its processor 0, and processor 0 waits until
    /// all have ended.
    func turnOffAll() {
        for vm in vms where vm.end == nil && vm.pendingEnd == nil {
            vm.pendingEnd = .turnedOff
            processors[vm.processors[0].runner].wake()
        }
        settle(processors[0])
        while !vms.isEmpty {
            processors[0].wait(seen: processors[0].wakeCount, unlocking: self)
            settle(processors[0])
        }
    }

    /// Waits until L0 sends something or asks this VM to stop (IRQ 10 or IRQ 9 wakes it), or another processor
    /// wakes processor 0.
    func waitForL0() {
        let boot = processors[0]
        nv_disable_interrupts()
        guard !(integration.channel?.hasReceived ?? false) && !networks.hasReceived && !Machine.isStopRequested else { return }
        if processors.count > 1 {
            boot.wait(seen: boot.wakeCount, unlocking: self, interruptible: true)
        } else {
            unlock()
            nv_halt_until_interrupt()
            lock()
        }
    }

    /// Runs nested `processor` on `runner` until its slice ends, it halts, its VM ends, or minivisor's own
    /// interrupt arrives; what it retired meanwhile is counted to its VM.
    func runSlice(_ processor: NestedProcessor, on runner: Runner) {
        if runner.current !== processor {
            runner.current = nil
            guard processor.makeCurrent() else { return }
            runner.current = processor
        }
        processor.start()
        if controls.countsInstructions {
            let before = Controls.instructionCounter()
            defer { processor.vm.instructionsRetired &+= (Controls.instructionCounter() &- before) & (1 << 48 - 1) }
            runEntries(processor, on: runner)
        } else {
            runEntries(processor, on: runner)
        }
    }

    func runEntries(_ processor: NestedProcessor, on runner: Runner) {
        let vm = processor.vm
        let sliceEnd = vm.now &+ Self.slice
        while vm.end == nil && vm.pendingEnd == nil && processor.isRunnable {
            let t = vm.now
            if processor.index == 0 { vm.raiseDeviceInterrupts(now: t) }
            processor.prepareEntry()
            var deadline = sliceEnd
            if let timer = vm.pit.nextInterrupt, timer < deadline { deadline = timer }
            let ticks = deadline > t ? (deadline - t) >> controls.timerRate : 0
            processor.set(NV_VMCS_VMX_PREEMPTION_TIMER_VALUE, max(ticks, 1))
            processor.set(NV_VMCS_TSC_OFFSET, vm.skipped)
            unlock()
            let flags = nv_vmx_run(&processor.registers.raw, processor.launched ? 0 : 1, processor.fxAreas)
            lock()
            if flags != 0 {
                vm.finish(.unsupported(NestedFailure.instruction(processor.launched ? "VMRESUME" : "VMLAUNCH", flags).description))
                return
            }
            processor.launched = true
            let step = processor.handleExit(now: vm.now)
            vm.flushConsole()
            if !vm.adapters.isEmpty { pumpNetworks() }
            if processor.index != 0 {
                // The platform's interrupts are processor 0's: it is woken where it waits for one.
                vm.raiseDeviceInterrupts(now: vm.now)
                if vm.processors[0].isRunnable && vm.processors[0].runner != runner.index { processors[vm.processors[0].runner].wake() }
            }
            if step == .ended || step == .interrupted || (step == .timerExpired && vm.now >= sliceEnd) { return }
        }
    }
}

/// One of this VM's processors as minivisor runs nested processors on it: its current VMCS, its place in the
/// round-robin, and the word it waits on (MONITOR/MWAIT) for another processor to write.
final class Runner {
    enum State { case starting, ready, failed }
    let index: Int
    var state: State
    /// The nested processor whose VMCS is current on this processor.
    var current: NestedProcessor? = nil
    var next = 0
    var reportedAt: UInt64 = 0
    var saidIdle = false
    /// A 64-byte line of its own: a count that others raise to wake the processor.
    let line: UnsafeMutablePointer<UInt64>

    init(index: Int, state: State) {
        self.index = index
        self.state = state
        line = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64).bindMemory(to: UInt64.self, capacity: 8)
        line.initialize(repeating: 0, count: 8)
    }

    var wakeCount: UInt64 { line.pointee }

    /// Wakes the processor if it waits (or makes its next wait return at once).
    func wake() { line.pointee &+= 1 }

    /// Waits, the lock released, until the wake count is no longer `seen` (or, `interruptible`, an interrupt).
    func wait(seen: UInt64, unlocking minivisor: Minivisor, interruptible: Bool = false) {
        minivisor.unlock()
        nv_monitor_wait(line, seen, interruptible ? 1 : 0)
        minivisor.lock()
    }
}

extension NestedProcessor {
    /// Whether the processor can run now: its VM not paused, and it not parked, stopped, or halted without an
    /// interrupt to take (only processor 0 takes them); a parked one its mailbox started can.
    var isRunnable: Bool {
        guard vm.end == nil && vm.pendingEnd == nil && !vm.isPaused && !isReleased else { return false }
        if startAt != nil { return true }
        return state == .running && (!isHalted || index == 0 && vm.pic.hasInterrupt)
    }
}

extension NestedVM {
    /// Whether a timer interrupt is to wake its processor 0.
    var waitsForTimer: Bool { end == nil && !isPaused && pic.isUnmasked(PlatformIRQ.timer) && pit.nextInterrupt != nil }
}
