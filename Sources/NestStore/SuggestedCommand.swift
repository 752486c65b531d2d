/// A command of the nestvm tools that the store's errors and findings suggest as the fix, spelled in one place
/// (the `Fix` of a NestedFinding record and the `Command` of a PlannedChange are these texts).
public enum SuggestedCommand: Equatable, Sendable {
    /// `vmrun stop VM`.
    case stop(vm: String)
    /// `vmrun remove-saved-state VM`.
    case removeSavedState(vm: String)
    /// `vmrun update-version VM`.
    case updateVersion(vm: String)
    /// `vmproc set VM --expose-virtualization-extensions true`.
    case exposeVirtualizationExtensions(vm: String)
    /// `vmrun set VM --dynamic-memory-enabled false`.
    case disableDynamicMemory(vm: String)
    /// `vmnet set VM --adapter-name NAME --mac-address-spoofing on`.
    case enableMACAddressSpoofing(vm: String, adapter: String)
    /// `vmrun set VM --memory-startup-bytes SIZE`.
    case setMemoryStartup(vm: String, bytes: Int64)
    /// `vmproc set VM --count N`.
    case setProcessorCount(vm: String, count: Int)
    /// `vmrun set VM --image hello`.
    case setImage(vm: String)
    /// Boot the hypervisor nestvm ships, which speaks the integration channel.
    case runMinivisor(vm: String)

    /// The command line for a VM on `host` (with its `--host` option when the host is nested).
    public func text(on host: Host) -> String { text(hostFlag: host.hostFlag) }

    /// The command line, `hostFlag` after the VM's name.
    func text(hostFlag: String = "") -> String {
        switch self {
        case .stop(let vm): "vmrun stop \(vm)\(hostFlag)"
        case .removeSavedState(let vm): "vmrun remove-saved-state \(vm)\(hostFlag)"
        case .updateVersion(let vm): "vmrun update-version \(vm)\(hostFlag)"
        case .exposeVirtualizationExtensions(let vm): "vmproc set \(vm)\(hostFlag) --expose-virtualization-extensions true"
        case .disableDynamicMemory(let vm): "vmrun set \(vm)\(hostFlag) --dynamic-memory-enabled false"
        case .enableMACAddressSpoofing(let vm, let adapter):
            "vmnet set \(vm)\(hostFlag) --adapter-name '\(adapter)' --mac-address-spoofing on"
        case .setMemoryStartup(let vm, let bytes): "vmrun set \(vm)\(hostFlag) --memory-startup-bytes \(ByteSize.format(bytes))"
        case .setProcessorCount(let vm, let count): "vmproc set \(vm)\(hostFlag) --count \(count)"
        case .setImage(let vm): "vmrun set \(vm)\(hostFlag) --image hello"
        case .runMinivisor(let vm): "vmrun stop \(vm)\(hostFlag) && vmrun set \(vm)\(hostFlag) --image minivisor"
        }
    }
}
