import X86

/// Where nestvm keeps a VMCS in its region (nestvm(7), "NESTED VIRTUALIZATION"): the SDM fixes the first 8
/// bytes (revision identifier with the shadow-VMCS indicator in bit 31, then the VMX-abort indicator) and leaves
/// the rest to the implementation (SDM vol. 3, "Format of the VMCS Region").
public enum VMCS12Layout {
    /// Bits 30:0 the revision identifier, bit 31 the shadow-VMCS indicator.
    public static let revision: UInt64 = 0x000
    /// The VMX-abort indicator.
    public static let abortIndicator: UInt64 = 0x004
    /// The launch state: 0 clear, 1 launched.
    public static let launchState: UInt64 = 0x008
    /// The first field's 8 bytes; field `f` is at `fields + 8 * f.slot`.
    public static let fields: UInt64 = 0x010
    /// The bytes the layout uses.
    public static let bytes: UInt64 = fields + 8 * UInt64(VMCSField.slotCount)
}

/// A VMCS's field values — L1's VMCS (vmcs12) as L0 caches it while it is current — with the width rules of
/// VMREAD and VMWRITE (SDM vol. 3, "VMREAD—Read Field from Virtual-Machine Control Structure", "VMWRITE—Write
/// Field to Virtual-Machine Control Structure"). A pure value: nothing here knows the processor.
public struct VMCS12: Equatable, Sendable {
    /// Every field's value, by `VMCSField.slot`, cut to the field's width.
    var values: [UInt64]
    /// Whether VMLAUNCH has entered with this VMCS since its last VMCLEAR.
    public var isLaunched = false

    /// A VMCS with every field 0 (what VMCLEAR leaves in a fresh region).
    public init() { values = Array(repeating: 0, count: VMCSField.slotCount) }

    /// A field's value.
    public subscript(field: VMCSField) -> UInt64 {
        get { values[field.slot] }
        set { values[field.slot] = newValue & field.width.mask }
    }

    /// Runs `body` with direct access to every field, checking the storage is unshared once rather than on each
    /// store (VM exit saves some forty fields).
    public mutating func withFields<R>(_ body: (Fields) -> R) -> R {
        values.withUnsafeMutableBufferPointer { body(Fields(base: $0.baseAddress!)) }
    }

    /// The fields of a VMCS, as `withFields` lends them: stores are cut to the field's width, as through the
    /// subscript.
    public struct Fields {
        let base: UnsafeMutablePointer<UInt64>

        /// A field's value.
        public subscript(field: VMCSField) -> UInt64 {
            get { base[field.slot] }
            nonmutating set { base[field.slot] = newValue & field.width.mask }
        }

        /// A 32-bit field's value.
        public func u32(_ field: VMCSField) -> UInt32 { UInt32(truncatingIfNeeded: base[field.slot]) }
    }

    /// A 32-bit field's value.
    public func u32(_ field: VMCSField) -> UInt32 { UInt32(truncatingIfNeeded: values[field.slot]) }

    /// VMREAD of a component: the whole field, or bits 63:32 of a 64-bit field by its high-access encoding.
    public func read(_ component: (field: VMCSField, high: Bool)) -> UInt64 {
        let value = self[component.field]
        return component.high ? value >> 32 : value
    }

    /// VMWRITE of a component: the value cut to the field's width, or into bits 63:32 alone by the high-access
    /// encoding.
    public mutating func write(_ component: (field: VMCSField, high: Bool), _ value: UInt64) {
        if component.high {
            self[component.field] = self[component.field] & 0xFFFF_FFFF | value << 32
        } else {
            self[component.field] = value
        }
    }

    /// Reads the VMCS in the region at `address` (checked to lie in L1's RAM by the caller).
    public init(region address: UInt64, in memory: L1Memory) {
        self.init()
        for field in VMCSField.allCases {
            self[field] = memory.read(address + VMCS12Layout.fields + 8 * UInt64(field.slot), size: 8) ?? 0
        }
        isLaunched = memory.read(address + VMCS12Layout.launchState, size: 4) == 1
    }

    /// Writes the fields and launch state into the region at `address`; the revision identifier and the abort
    /// indicator stay as they are.
    public func store(region address: UInt64, in memory: L1Memory) {
        for field in VMCSField.allCases {
            memory.write(address + VMCS12Layout.fields + 8 * UInt64(field.slot), size: 8, values[field.slot])
        }
        memory.write(address + VMCS12Layout.launchState, size: 4, isLaunched ? 1 : 0)
    }
}

extension VMCSField.Width {
    /// The bits a field of this width holds.
    public var mask: UInt64 {
        switch self {
        case .bits16: 0xFFFF
        case .bits32: 0xFFFF_FFFF
        case .bits64, .natural: .max
        }
    }
}
