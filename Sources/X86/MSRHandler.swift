/// What RDMSR/WRMSR of MSRs the processor does not implement itself see. The machine layer installs one that
/// follows the VM's settings (the VMX capability MSRs, for example).
public struct MSRHandler: Sendable {
    /// Returns the value, or `nil` for #GP.
    public var read: @Sendable (UInt32) -> UInt64? = { _ in nil }
    /// Returns false for #GP.
    public var write: @Sendable (UInt32, UInt64) -> Bool = { _, _ in false }
    /// A handler with no MSRs of its own.
    public init() {}
}
