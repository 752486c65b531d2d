/// Entering and leaving VMX operation (SDM vol. 3, "Enabling and Entering VMX Operation"): what a guest
/// hypervisor does first, with each step's outcome kept so a guest can report exactly what it saw.
public enum VMXSupport {
    /// IA32_FEATURE_CONTROL, IA32_VMX_BASIC and CR4.VMXE's bit.
    public static let featureControlMSR: UInt32 = 0x3A
    public static let basicMSR: UInt32 = 0x480
    public static let cr4VMXE: UInt64 = 1 << 13

    /// The outcome of a VMX instruction: VMsucceed, VMfailInvalid (CF), VMfailValid (ZF), or an exception.
    public enum Outcome: Equatable {
        case succeeded, failedInvalid, failedValid
        case exception(UInt8)

        init(code: Int32, rflags: UInt64) {
            if code >= 0 { self = .exception(UInt8(truncatingIfNeeded: code)) }
            else if rflags & 1 != 0 { self = .failedInvalid }
            else if rflags & 0x40 != 0 { self = .failedValid }
            else { self = .succeeded }
        }

        /// How the SDM names it.
        public var description: String {
            switch self {
            case .succeeded: return "VMsucceed"
            case .failedInvalid: return "VMfailInvalid"
            case .failedValid: return "VMfailValid"
            case .exception(let v): return Processor.Probe.exception(v).mnemonic
            }
        }
    }

    /// VMXON with a freshly allocated region stamped with `revision`.
    public static func vmxon(revision: UInt32) -> Outcome {
        guard let page = nv_alloc_pages(1) else { return .failedInvalid }
        page.storeBytes(of: revision, as: UInt32.self)
        var pointer = UInt64(UInt(bitPattern: page))
        var flags: UInt64 = 0
        let code = nv_try_vmxon(&pointer, &flags)
        return Outcome(code: code, rflags: flags)
    }

    /// The whole sequence: IA32_FEATURE_CONTROL locked with VMX outside SMX allowed (if the firmware left it
    /// unlocked), CR4.VMXE set, VMXON with IA32_VMX_BASIC's revision. nil on success, else what failed.
    public static func enter() -> String? {
        let control = Processor.readMSR(featureControlMSR)
        guard control.probe == .completed else { return "IA32_FEATURE_CONTROL: \(control.probe.mnemonic)" }
        if control.value & 1 == 0, case let probe = Processor.writeMSR(featureControlMSR, 0b101), probe != .completed {
            return "locking IA32_FEATURE_CONTROL: \(probe.mnemonic)"
        }
        if control.value & 1 != 0, control.value & 0b100 == 0 { return "IA32_FEATURE_CONTROL is locked with VMX off" }
        let probe = Processor.writeCR4(Processor.cr4 | cr4VMXE)
        guard probe == .completed else { return "setting CR4.VMXE: \(probe.mnemonic)" }
        let outcome = vmxon(revision: UInt32(truncatingIfNeeded: Processor.readMSR(basicMSR).value) & 0x7FFF_FFFF)
        return outcome == .succeeded ? nil : "VMXON: \(outcome.description)"
    }

    /// VMXOFF.
    public static func vmxoff() -> Outcome {
        var flags: UInt64 = 0
        let code = nv_try_vmxoff(&flags)
        return Outcome(code: code, rflags: flags)
    }
}
