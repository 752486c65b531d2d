/// What a VMCS field's encoding says about it (SDM vol. 3, "Field Encoding in VMCS"): bit 0 the access type,
/// bits 9:1 the index, bits 11:10 the type and bits 14:13 the width. Bits 12 and 31:15 are reserved (0).
extension VMCSField {
    /// The width of a field (encoding bits 14:13).
    public enum Width: UInt32, Sendable {
        case bits16 = 0
        case bits64 = 1
        case bits32 = 2
        /// Natural width: 64 bits on a processor that supports Intel 64.
        case natural = 3

        /// The width in bytes on this 64-bit processor.
        public var bytes: Int {
            switch self {
            case .bits16: 2
            case .bits32: 4
            case .bits64, .natural: 8
            }
        }
    }

    /// The type of a field (encoding bits 11:10).
    public enum Kind: UInt32, Sendable {
        case control = 0
        /// VM-exit information: read-only unless IA32_VMX_MISC bit 29 allows VMWRITE to it.
        case exitInformation = 1
        case guestState = 2
        case hostState = 3
    }

    /// The field's width.
    public var width: Width { Width(rawValue: rawValue >> 13 & 3)! }
    /// The field's type.
    public var kind: Kind { Kind(rawValue: rawValue >> 10 & 3)! }
    /// The field's index within its width and type (encoding bits 9:1).
    public var index: UInt32 { rawValue >> 1 & 0x1FF }

    /// A VMREAD/VMWRITE operand resolved to a field: its full-access encoding, or the high-access encoding
    /// (full + 1) of a 64-bit field, which reads and writes bits 63:32 alone. Nil for an encoding that names no
    /// field (VM-instruction error 12, "VMREAD/VMWRITE from/to unsupported VMCS component").
    public static func component(encoding: UInt64) -> (field: VMCSField, high: Bool)? {
        guard encoding >> 32 == 0 else { return nil }
        let value = UInt32(encoding)
        if let field = VMCSField(rawValue: value) { return (field, false) }
        guard value & 1 == 1, let field = VMCSField(rawValue: value & ~1), field.width == .bits64 else { return nil }
        return (field, true)
    }
}
