/// minivisor: the L1 hypervisor nestvm ships. It runs nestvm guest images as nested VMs (L2), each under EPT in
/// its own slice of this VM's memory, with its own VMCS, VPID and platform (COM1, the PIC pair, the PIT, the exit
/// and power ports), round-robin on the boot processor with the VMX-preemption timer. Needs a processor with
/// ExposeVirtualizationExtensions (`vmproc set NAME --expose-virtualization-extensions true`).
///
/// The nested VMs are the boot modules, each named for its VM (`vmrun run lab1 --module nested1=hello.elf`). Each
/// line a nested VM writes to its COM1 appears on minivisor's console as `[NAME] line`; when a VM ends, a line
/// says how, with the exit status and reason L0 would give. Command-line words:
/// - `memory=MiB`: each nested VM's memory (16 by default, 2 to 1024).
/// - `exit-when-idle`: end once no nested VM runs; otherwise minivisor waits for a stop request (`vmrun stop`).
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
    var vms: [NestedVM] = []
    /// Builds nested VM `name` and reports its start, or reports why it cannot start.
    func start(_ name: String, image: UnsafeRawBufferPointer, commandLine: [UInt8], memoryBytes: UInt64, why: String) {
        do {
            vms.append(
                try NestedVM(
                    name: name, image: image, commandLine: commandLine, memoryBytes: memoryBytes, vpid: vms.count + 1,
                    controls: controls, integration: integration))
            print("minivisor: \(name): \(memoryBytes >> 20) MiB, starting" + why)
            integration.started(name, memoryBytes: memoryBytes)
        } catch {
            integration.cannotStart(name, error.description)
        }
    }
    for entry in integration.receiveInventory() {
        guard let image = entry.image, let name = entry.record.text("VMName"),
            !modules.contains(where: { Array($0.name.utf8) == Array(name.utf8) })  // bytes: String == would pull in Unicode tables
        else { continue }
        guard entry.record.boolean("ExposeVirtualizationExtensions") != true else {
            integration.cannotStart(
                name, "its processor exposes virtualization extensions, and a hypervisor inside a nested VM (L3) is not offered")
            continue
        }
        let memoryBytes = UInt64(max(entry.record.integer("MemoryStartup") ?? 0, 0))
        image.withUnsafeBytes {
            start(
                name, image: $0, commandLine: entry.record.string("CommandLine") ?? [], memoryBytes: memoryBytes,
                why: " (its AutomaticStartAction)")
        }
    }
    for module in modules {
        start(module.name, image: module.bytes, commandLine: nestedLine, memoryBytes: UInt64(mebibytes) << 20, why: "")
    }
    var scheduler = Scheduler(vms: vms, controls: controls)
    scheduler.run(exitWhenIdle: boot.hasWord("exit-when-idle"))
    _ = VMXSupport.vmxoff()
    return 0
}

/// Runs the nested VMs round-robin, a time slice each, and keeps their clocks: a nested VM's time (its TSC and
/// its PIT) is this processor's TSC plus the time skipped while every nested VM was halted waiting for a timer,
/// so waiting costs nothing and runs stay deterministic.
struct Scheduler {
    var vms: [NestedVM]
    let controls: Controls
    var skipped: UInt64 = 0
    /// The VM whose VMCS is current.
    var current: NestedVM? = nil
    /// A time slice in TSC ticks (nanoseconds of machine time).
    static let slice: UInt64 = 2_000_000

    var now: UInt64 { nv_rdtsc() &+ skipped }

    mutating func run(exitWhenIdle: Bool) {
        var next = 0
        while true {
            if Machine.isStopRequested {
                for vm in vms where vm.end == nil { vm.finish(.turnedOff) }
                return
            }
            let live = vms.filter { $0.end == nil }
            if live.isEmpty {
                if exitWhenIdle {
                    print("minivisor: no nested VM runs; ending (exit-when-idle)")
                    return
                }
                print("minivisor: no nested VM runs; waiting for a stop request")
                return waitForStop()
            }
            let t = now
            for vm in live { vm.raiseDeviceInterrupts(now: t) }
            guard let chosen = (0..<vms.count).map({ (next + $0) % vms.count }).first(where: { vms[$0].isRunnable }) else {
                // Every VM is halted: skip to the first timer interrupt that wakes one, or wait for a stop.
                guard let wake = live.filter({ $0.pic.isUnmasked(PlatformIRQ.timer) }).compactMap({ $0.pit.nextInterrupt }).min() else {
                    print("minivisor: every nested VM is halted waiting for input; waiting for a stop request")
                    waitForStop()
                    for vm in live { vm.finish(.turnedOff) }
                    return
                }
                if wake > t { skipped &+= wake - t }
                continue
            }
            next = chosen + 1
            runSlice(vms[chosen])
        }
    }

    /// Runs `vm` until its slice ends, it halts, or it ends.
    mutating func runSlice(_ vm: NestedVM) {
        if current !== vm {
            vm.makeCurrent()
            current = vm
        }
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
            if step == .ended || (step == .timerExpired && now >= sliceEnd) { return }
        }
    }

    /// Waits, halted, until `vmrun stop` asks this VM to stop (IRQ 9 wakes it).
    func waitForStop() {
        Console.enableInput()
        while Console.readLine() != nil {}
    }
}

extension NestedVM {
    /// Whether the VM can run now: not halted, or halted with an interrupt to deliver.
    var isRunnable: Bool { end == nil && (!isHalted || pic.hasInterrupt) }
}
