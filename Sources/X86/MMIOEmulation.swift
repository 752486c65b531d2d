/// Device memory a hypervisor emulates: guest-physical ranges its EPT leaves unmapped, so every access exits
/// with an EPT violation, as virtio-mmio registers do under KVM or Hyper-V.
public protocol MMIOWindow: AnyObject {
    /// Whether a device answers at `address`.
    func claims(_ address: GuestPhysicalAddress) -> Bool
    /// Reads `size` bytes (1, 2, 4 or 8) at `address`, which a device claims.
    func read(_ address: GuestPhysicalAddress, size: Int) -> UInt64
    /// Writes the low `size` bytes of `value` at `address`, which a device claims.
    func write(_ address: GuestPhysicalAddress, size: Int, value: UInt64)
}

/// Emulating the instruction that caused an EPT violation on device memory, as a hypervisor's instruction
/// emulator does (KVM's x86 emulator with its MMIO read and write callbacks): the processor runs that one
/// instruction again with `window` in reach, and a data access the violation would stop goes to the window
/// instead. Code is never fetched from the window, and an access that crosses a page boundary into it is not
/// emulated: both exit again, and the hypervisor decides.
extension CPU {
    /// Runs one instruction with `window` reachable for its data accesses; what it returns is what `run`
    /// returns for that instruction.
    public func emulateInstruction(through window: any MMIOWindow) -> RunOutcome {
        mmioWindow = window
        defer { mmioWindow = nil }
        return run(maxInstructions: 1)
    }

    /// The device address behind `error` when it is an EPT violation of a translated data access that the
    /// emulated instruction's window claims.
    func mmioAddress(_ error: Event) -> GuestPhysicalAddress? {
        guard let window = mmioWindow, case .exit(let exit) = error, exit.reason == ExitReason.eptViolation,
            exit.qualification & (EPTQualification.translatedAccess | EPTQualification.fetch) == EPTQualification.translatedAccess,
            let address = exit.guestPhysicalAddress, window.claims(address)
        else { return nil }
        return address
    }

    /// A read the window answers, else the error again.
    func mmioRead(_ error: Event, _ size: Int) throws(Event) -> UInt64 {
        guard let address = mmioAddress(error), let window = mmioWindow else { throw error }
        return window.read(address, size: size)
    }

    /// A write the window takes, else the error again.
    func mmioWrite(_ error: Event, _ size: Int, _ value: UInt64) throws(Event) {
        guard let address = mmioAddress(error), let window = mmioWindow else { throw error }
        window.write(address, size: size, value: value)
    }
}
