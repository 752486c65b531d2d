import NestErrors
/// Why a machine stopped running guest code for good.
public enum MachineStop: Equatable, Sendable {
    /// The guest wrote `value` to the exit port 0xF4 (QEMU's isa-debug-exit).
    case guestExit(UInt64)
    /// Every processor halted with interrupts disabled: nothing can ever run again.
    case poweredOff
    /// A processor hit a triple fault (its index); real hardware would reset.
    case tripleFault(processor: Int)
    /// A processor hit a VMX abort (SDM vol. 3, "VMX Aborts"): a VM exit could not load the guest hypervisor's
    /// host state or process its MSR lists, and the processor shut down, as a triple fault does.
    case vmxAbort(processor: Int, String)
    /// The guest did something this machine does not emulate (what, and where).
    case unsupported(String)
    /// Turned off from outside (`vmrun stop --turn-off`, or the end of a stop request's grace period).
    case turnedOff

    /// The exit status `vmrun run` reports (nestvm(7), "Exit statuses of a guest").
    public var exitStatus: Int32 {
        switch self {
        case .guestExit(let value): return Int32(truncatingIfNeeded: (value << 1 | 1) & 0xFF)
        case .poweredOff: return 0
        case .tripleFault, .vmxAbort: return ExitStatus.tripleFault.rawValue
        case .unsupported: return ExitStatus.unsupported.rawValue
        case .turnedOff: return ExitStatus.turnedOff.rawValue
        }
    }

    /// A sentence saying why, for records and diagnostics.
    public var reason: String {
        switch self {
        case .guestExit(let value): return "the guest wrote \(value) to the exit port"
        case .poweredOff: return "the guest halted with interrupts disabled"
        case .tripleFault(let processor): return "triple fault on processor \(processor)"
        case .vmxAbort(let processor, let what): return "\(what) on processor \(processor)"
        case .unsupported(let what): return what
        case .turnedOff: return "turned off"
        }
    }
}
