/// hello: what a guest sees of the processor it was given. Prints the CPU, the boot information, and each step
/// a hypervisor takes to enter VMX operation, then exits with 0 when VMX operation worked and 1 when it did not
/// (statuses 1 and 3 for `vmrun run`). With `echo` on its command line it then answers lines typed on its
/// console (interrupt-driven COM1 input) until `exit`.
@_cdecl("guest_main")
public func guestMain(_ bootInfoPointer: UnsafeRawPointer) -> UInt32 {
    print("hello from a nestvm guest")
    print("cpu: \(Processor.vendor), \(Processor.brand)")
    guard let info = BootInfo(bootInfoPointer) else {
        print("boot information: missing")
        return 2
    }
    print("memory: \(info.memoryBytes >> 20) MiB")
    print("command line: \"\(info.commandLine)\"")
    let running = nv_start_secondaries(bootInfoPointer.assumingMemoryBound(to: UInt8.self), nil, nil)
    print("processors running: \(running) of \(info.processorCount)")
    for region in info.memoryMap {
        print("  region \(Console.hex(region.base, digits: 8)) +\(Console.hex(region.length, digits: 8)) \(region.typeName)")
    }
    for module in info.modules {
        print("  module \(module.name): \(module.size) bytes, fnv1a \(Console.hex(UInt64(fnv1a(module.bytes)), digits: 8))")
    }

    let vmx = Processor.hasVMX
    print("CPUID.1:ECX.VMX = \(vmx ? 1 : 0)")
    let featureControl = Processor.readMSR(VMXSupport.featureControlMSR)
    if featureControl.probe == .completed {
        print("IA32_FEATURE_CONTROL = \(Console.hex(featureControl.value))")
        if featureControl.value & 1 == 0 {
            print("lock IA32_FEATURE_CONTROL with VMX enabled: \(Processor.writeMSR(VMXSupport.featureControlMSR, 0b101).mnemonic)")
        }
    } else {
        print("IA32_FEATURE_CONTROL: \(featureControl.probe.mnemonic)")
    }
    let basic = Processor.readMSR(VMXSupport.basicMSR)
    let revision = UInt32(truncatingIfNeeded: basic.value) & 0x7FFF_FFFF
    if basic.probe == .completed {
        print("IA32_VMX_BASIC = \(Console.hex(basic.value)) (revision \(Console.hex(UInt64(revision))))")
    } else {
        print("IA32_VMX_BASIC: \(basic.probe.mnemonic)")
    }
    print("set CR4.VMXE: \(Processor.writeCR4(Processor.cr4 | VMXSupport.cr4VMXE).mnemonic)")
    let vmxon = VMXSupport.vmxon(revision: revision)
    print("VMXON: \(vmxon.description)")
    if vmxon == .succeeded {
        print("VMXOFF: \(VMXSupport.vmxoff().description)")
    }
    let works = vmx && vmxon == .succeeded
    print(works ? "nested virtualization: available" : "nested virtualization: not available")
    if info.hasWord("echo") { echo() }
    return works ? 0 : 1
}

/// With `echo` on the command line: answers each line typed on the console until `exit` (or a stop request).
func echo() {
    Console.enableInput()
    print("echo: type a line ('exit' ends)")
    while let line = Console.readLine() {
        if Array(line.utf8) == Array("exit".utf8) { break }  // bytes: String == would pull in Unicode tables
        print("echo: \(line) (\(line.utf8.count) bytes)")
    }
    print("echo: done")
}

/// FNV-1a over a module's bytes, so a transcript shows its contents arrived intact.
func fnv1a(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    var hash: UInt32 = 0x811C_9DC5
    for b in bytes { hash = (hash ^ UInt32(b)) &* 0x0100_0193 }
    return hash
}
