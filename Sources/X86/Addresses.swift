/// A guest-linear address: what instructions compute before paging.
public struct LinearAddress: Hashable, Sendable {
    /// The 64-bit address.
    public var value: UInt64
    /// An address.
    public init(_ value: UInt64) { self.value = value }
}

/// A guest-physical address: what the guest's own paging produces (before EPT, if any).
public struct GuestPhysicalAddress: Hashable, Sendable {
    /// The address.
    public var value: UInt64
    /// An address.
    public init(_ value: UInt64) { self.value = value }
}

/// A host-physical address: an offset into the memory the caller gave the processor, after EPT.
public struct HostPhysicalAddress: Hashable, Sendable {
    /// The offset.
    public var value: UInt64
    /// An address.
    public init(_ value: UInt64) { self.value = value }
}

// Literals name an address of the type the context asks for (`let root: GuestPhysicalAddress = 0x20_0000`);
// values of one kind never convert to another without `init(_:)`, which is what keeps them apart.
extension LinearAddress: ExpressibleByIntegerLiteral {
    /// The address `value`.
    public init(integerLiteral value: UInt64) { self.init(value) }
}

extension GuestPhysicalAddress: ExpressibleByIntegerLiteral {
    /// The address `value`.
    public init(integerLiteral value: UInt64) { self.init(value) }
}

extension HostPhysicalAddress: ExpressibleByIntegerLiteral {
    /// The address `value`.
    public init(integerLiteral value: UInt64) { self.init(value) }
}
