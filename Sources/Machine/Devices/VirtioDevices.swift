import DeviceModels
import X86

/// A virtio-mmio device as the boot information's device table lists it.
struct DeviceTableEntry {
    /// The virtio device type.
    let type: UInt32
    /// Its line on the 8259A pair.
    let irq: Int
    /// Its register block.
    let base: UInt64
    /// Bytes of it.
    let size: UInt64
}

// The shared virtio-mmio transport on L0's MMIO bus: registers are 32-bit, the configuration space takes
// narrower accesses, so the bus hands over up to 4 bytes at a time.
extension VirtioMMIO: BusDevice {
    /// 32-bit registers.
    public var accessWidth: Int { 4 }

    /// Reads `size` bytes at `offset` in the register block.
    public func read(base: UInt64, offset: UInt64, size: Int, now: UInt64) -> UInt64 { UInt64(read(offset, size: size)) }

    /// Writes `size` bytes at `offset` in the register block.
    public func write(base: UInt64, offset: UInt64, size: Int, value: UInt64, now: UInt64) {
        write(offset, size: size, value: UInt32(truncatingIfNeeded: value))
    }
}

/// The machine as the device memory its processors' emulated instructions reach (`CPU.emulateInstruction`).
extension Machine: MMIOWindow {
    /// Whether a device on the MMIO bus answers at `address`.
    public func claims(_ address: GuestPhysicalAddress) -> Bool { mmio.device(at: address) != nil }

    /// Reads through the MMIO bus.
    public func read(_ address: GuestPhysicalAddress, size: Int) -> UInt64 { mmio.read(address, size: size, now: now) ?? ~0 }

    /// Writes through the MMIO bus.
    public func write(_ address: GuestPhysicalAddress, size: Int, value: UInt64) {
        mmio.write(address, size: size, value: value, now: now)
    }
}

extension Machine {
    /// The virtio devices of a machine, as the device table lists them: the console, then a virtio-net device
    /// per network adapter.
    static func virtioDevices(_ configuration: MachineConfiguration) -> [DeviceTableEntry] {
        [DeviceTableEntry(type: 3, irq: PlatformIRQ.virtioConsole, base: PlatformVirtio.console, size: VirtioMMIO.windowSize)]
            + configuration.networkAdapters.indices.map {
                DeviceTableEntry(type: 1, irq: PlatformIRQ.virtioNet, base: PlatformVirtio.networkAdapter($0), size: VirtioMMIO.windowSize)
            }
    }

    /// An EPT violation on device memory: the instruction is emulated with the MMIO bus in reach (as KVM's
    /// emulator serves an MMIO exit). An access the emulation cannot serve (code fetched from a device, an access
    /// crossing into one from RAM) exits at the same address again and stops the machine, saying so.
    /// False when no device is at the address.
    func handleDeviceAccess(_ exit: VMExit, on vcpu: VCPU) -> Bool {
        guard let address = exit.guestPhysicalAddress, claims(address) else { return false }
        let fetch = exit.qualification & CPU.EPTQualification.fetch != 0
        guard !fetch, case .exit(let again) = vcpu.cpu.emulateInstruction(through: self) else {
            if fetch {
                stop = .unsupported(
                    "processor \(vcpu.index) fetched code from \(mmio.device(at: address) ?? "a device") at guest-physical 0x\(hex(address.value)); devices hold no code"
                )
            }
            return true
        }
        if again.reason == ExitReason.eptViolation && again.guestPhysicalAddress == address {
            stop = .unsupported(
                "processor \(vcpu.index) made an access to \(mmio.device(at: address) ?? "a device") at guest-physical 0x\(hex(address.value)) (RIP 0x\(hex(vcpu.cpu.rip))) that device memory does not take; use aligned MOVs of 1, 2 or 4 bytes"
            )
            return true
        }
        handle(again, on: vcpu)
        return true
    }
}
