import NestErrors
import NestRecords
import Foundation
import GRDB

/// The operations on hosts' inventories, each one transaction with Hyper-V's rules checked inside it.
///
/// Methods take the `--host` path as given (`nil` for L0) and return the records the tools print.
public struct Inventory: Sendable {
    /// The store behind the inventory.
    public let store: Store
    /// What a nestvm machine can run, beyond Hyper-V's rules (its memory and processor limits, a bootable image
    /// that fits, the boot information's room for the command line): checked inside the transaction whenever a
    /// VM is created or its memory, processors, image or command line change, so that a VM `run` would refuse
    /// is refused when it is set up instead. The runtime supplies it; the store alone keeps Hyper-V's rules.
    public var machineCheck: MachineCheck?

    /// A check of a VM's settings as they would be stored.
    public typealias MachineCheck = @Sendable (VMRow) throws(NestError) -> Void

    /// An inventory over `store`, with `machineCheck` (if any) applied to every VM created or reconfigured.
    public init(store: Store, machineCheck: MachineCheck? = nil) {
        self.store = store
        self.machineCheck = machineCheck
    }

    static func newId() -> String { UUID().uuidString.lowercased() }

    static func timestamp() -> String { Timestamp.now(milliseconds: false) }
}

/// The settings of a new VM (New-VM).
public struct NewVMSpec: Sendable {
    /// VMName.
    public var name: String
    /// Startup memory in bytes.
    public var memoryStartupBytes: Int64 = 512 << 20
    /// Virtual processors.
    public var processorCount: Int = 1
    /// Generation.
    public var generation: Int = 1
    /// Configuration version, or nil for the newest.
    public var version: String?
    /// The guest image, if any.
    public var image: String?
    /// The guest's command line.
    public var commandLine: String = ""
    /// The switch its first adapter connects to, if any.
    public var switchName: String?
    /// Notes.
    public var notes: String = ""

    /// A spec with Hyper-V's defaults (512 MiB, one processor, generation 1, the newest version).
    public init(name: String) { self.name = name }
}

/// Changes to a VM's memory (Set-VMMemory) and notes (Set-VM); `nil` leaves a setting alone.
public struct VMChanges: Sendable {
    /// Startup memory, or nil to leave it.
    public var memoryStartupBytes: Int64?
    /// Minimum memory, or nil to leave it.
    public var memoryMinimumBytes: Int64?
    /// Maximum memory, or nil to leave it.
    public var memoryMaximumBytes: Int64?
    /// Dynamic memory, or nil to leave it.
    public var dynamicMemoryEnabled: Bool?
    /// Notes, or nil to leave them.
    public var notes: String?
    /// The image to boot (a shipped guest's name or an absolute path) and its command line.
    public var image: String?
    /// The command line, or nil to leave it.
    public var commandLine: String?
    /// AutomaticStartAction, or nil to leave it.
    public var automaticStartAction: AutomaticStartAction?

    /// No changes.
    public init() {}

    var changesMemory: Bool {
        memoryStartupBytes != nil || memoryMinimumBytes != nil || memoryMaximumBytes != nil || dynamicMemoryEnabled != nil
    }
}

/// Memory limits (Hyper-V: at least 32 MB, a multiple of 2 MB, at most 12 TB on generation 2).
enum MemoryLimits {
    static let minimum: Int64 = 32 << 20
    static let granule: Int64 = 2 << 20
    static let maximum: Int64 = 12 << 40
    static let defaultMaximum: Int64 = 1 << 40

    static func check(_ bytes: Int64, _ what: String, vm: String) throws {
        guard bytes >= minimum, bytes <= maximum else {
            throw NestError(
                .memoryOutOfRange, "\(what) memory \(ByteSize.format(bytes)) is out of range; it must be 32M to 12T", target: vm)
        }
        guard bytes % granule == 0 else {
            throw NestError(
                .memoryOutOfRange,
                "\(what) memory \(ByteSize.format(bytes)) is not a multiple of 2M; try \(ByteSize.format((bytes / granule + 1) * granule))",
                target: vm
            )
        }
    }
}

extension Inventory {
    /// Creates a VM (New-VM), with a network adapter connected to `switchName` when one is named.
    public func newVM(host path: String?, _ spec: NewVMSpec) throws(NestError) -> Record {
        try ObjectName.validate(spec.name, kind: "VM")
        return try store.write { db in
            let host = try Host.resolveForChange(path, in: db)
            if let existing = try VMRow.filter(Column("host") == host.key && Column("name") == spec.name).fetchOne(db) {
                throw NestError(
                    .nameInUse, "a VM named '\(existing.name)' already exists on \(host.computerName); choose another name",
                    target: spec.name)
            }
            guard [1, 2].contains(spec.generation) else {
                throw NestError(.invalidArgument, "generation \(spec.generation) does not exist; use 1 or 2", target: spec.name)
            }
            var version = ConfigurationVersion.default
            if let text = spec.version {
                guard let parsed = ConfigurationVersion(text) else {
                    let list = ConfigurationVersion.supported.map(\.description).joined(separator: ", ")
                    throw NestError(
                        .unsupportedConfigurationVersion, "configuration version '\(text)' is not supported; use one of \(list)",
                        target: spec.name)
                }
                version = parsed
            }
            try MemoryLimits.check(spec.memoryStartupBytes, "startup", vm: spec.name)
            try ProcessorLimits.checkCount(spec.processorCount, generation: spec.generation, vm: spec.name)
            var row = VMRow(
                id: Self.newId(), host: host.key, name: spec.name, state: .off, generation: spec.generation,
                version: version.description, notes: spec.notes, image: spec.image, creationTime: Self.timestamp(),
                memoryStartup: spec.memoryStartupBytes, memoryMinimum: min(spec.memoryStartupBytes, 512 << 20),
                memoryMaximum: max(spec.memoryStartupBytes, MemoryLimits.defaultMaximum), dynamicMemoryEnabled: false,
                processorCount: spec.processorCount, exposeVirtualizationExtensions: false, processorMaximum: 100,
                processorReserve: 0, relativeWeight: 100, compatibilityForMigrationEnabled: false, hwThreadCountPerCore: 0,
                commandLine: spec.commandLine)
            try machineCheck?(row)
            try row.insert(db)
            if let switchName = spec.switchName {
                let vmSwitch = try SwitchRow.fetch(named: switchName, on: host, db)
                _ = try AdapterRow.add(to: &row, name: "Network Adapter", switchId: vmSwitch.id, staticMac: nil, on: host, db)
            }
            return row.record(on: host)
        }
    }

    /// VMs on a host (Get-VM): all of them by name, or those selected; `states` filters by run state.
    public func vms(host path: String?, selectors: [VMSelector] = [], states: [VMState] = []) throws(NestError) -> (
        host: Host, rows: [VMRow]
    ) {
        try store.read { db in
            let host = try Host.resolve(path, in: db).host
            var rows: [VMRow]
            if selectors.isEmpty {
                rows = try VMRow.filter(Column("host") == host.key).order(Column("name")).fetchAll(db)
            } else {
                rows = try selectors.map { try $0.fetch(on: host, db) }
            }
            if !states.isEmpty { rows = rows.filter { states.contains($0.state) } }
            return (host, rows)
        }
    }

    /// Changes a VM's memory settings and notes (Set-VM, Set-VMMemory). Memory changes need the VM Off.
    public func setVM(host path: String?, _ selector: VMSelector, _ changes: VMChanges) throws(NestError) -> HostedVM {
        try store.write { db in
            let host = try Host.resolveForChange(path, in: db)
            var row = try selector.fetch(on: host, db)
            if changes.changesMemory {
                try row.requireOff(toChange: "Memory", host: host)
                if let bytes = changes.memoryStartupBytes {
                    try MemoryLimits.check(bytes, "startup", vm: row.name); row.memoryStartup = bytes
                }
                if let bytes = changes.memoryMinimumBytes {
                    try MemoryLimits.check(bytes, "minimum", vm: row.name); row.memoryMinimum = bytes
                }
                if let bytes = changes.memoryMaximumBytes {
                    try MemoryLimits.check(bytes, "maximum", vm: row.name); row.memoryMaximum = bytes
                }
                if let enabled = changes.dynamicMemoryEnabled { row.dynamicMemoryEnabled = enabled }
                if row.dynamicMemoryEnabled {
                    guard row.memoryMinimum <= row.memoryStartup, row.memoryStartup <= row.memoryMaximum else {
                        throw NestError(
                            .memoryOutOfRange,
                            "with dynamic memory, minimum (\(ByteSize.format(row.memoryMinimum))) ≤ startup (\(ByteSize.format(row.memoryStartup))) ≤ maximum (\(ByteSize.format(row.memoryMaximum))) must hold; adjust --memory-minimum-bytes or --memory-maximum-bytes",
                            target: row.name)
                    }
                }
            }
            if changes.image != nil || changes.commandLine != nil {
                try row.requireOff(toChange: "Image", host: host)
                if let image = changes.image { row.image = image }
                if let commandLine = changes.commandLine { row.commandLine = commandLine }
            }
            if let notes = changes.notes { row.notes = notes }
            if let action = changes.automaticStartAction { row.automaticStartAction = action }
            if changes.changesMemory || changes.image != nil || changes.commandLine != nil { try machineCheck?(row) }
            try row.update(db)
            return HostedVM(host: host, row: row)
        }
    }

    /// Sets a VM's run state. The machine layer calls this as VMs start and stop; tests use it to put VMs in
    /// the states the rules are about.
    public func setState(host path: String?, _ selector: VMSelector, to state: VMState) throws(NestError) {
        try store.write { db in
            let host = try Host.resolve(path, in: db).host
            var row = try selector.fetch(on: host, db)
            row.state = state
            try row.update(db)
        }
    }

    /// Discards a Saved VM's saved state, leaving it Off (Remove-VMSavedState).
    public func removeSavedState(host path: String?, _ selector: VMSelector) throws(NestError) -> HostedVM {
        try store.write { db in
            let host = try Host.resolveForChange(path, in: db)
            var row = try selector.fetch(on: host, db)
            guard row.state == .saved else {
                throw NestError(.invalidArgument, "VM '\(row.name)' has no saved state (state: \(row.state.rawValue))", target: row.name)
            }
            row.state = .off
            try row.update(db)
            return HostedVM(host: host, row: row)
        }
    }

    /// Removes a VM (Remove-VM): only when Off, or Saved with `force` (discarding the saved state). A VM whose
    /// own inventory holds objects is removed with them only with `force`.
    public func removeVM(host path: String?, _ selector: VMSelector, force: Bool) throws(NestError) -> HostedVM {
        let removed = try store.write { db in
            let host = try Host.resolveForChange(path, in: db)
            let row = try selector.fetch(on: host, db)
            switch row.state {
            case .off: break
            case .saved where force: break
            case .saved:
                throw NestError(
                    .vmHasSavedState, "VM '\(row.name)' has a saved state; pass --force to discard it and remove the VM", target: row.name)
            case .running, .paused:
                throw NestError(
                    .vmNotOff,
                    "VM '\(row.name)' is \(row.state.rawValue); stop it first: \(SuggestedCommand.stop(vm: row.name).text(on: host))",
                    target: row.name)
            }
            let nested =
                try Int.fetchOne(
                    db,
                    sql:
                        "SELECT (SELECT count(*) FROM vm WHERE host = ?) + (SELECT count(*) FROM vmSwitch WHERE host = ?) + (SELECT count(*) FROM netNat WHERE host = ?)",
                    arguments: [row.id, row.id, row.id]) ?? 0
            if nested > 0, !force {
                throw NestError(
                    .hostHasNestedObjects,
                    "VM '\(row.name)' hosts \(nested) nested object\(nested == 1 ? "" : "s") (VMs, switches, NATs); remove them first or pass --force to remove them with it",
                    target: row.name)
            }
            try Self.deleteInventory(of: row.id, db)
            try row.delete(db)
            return HostedVM(host: host, row: row)
        }
        // Its console log and lock go with it (a VM that never ran has none).
        try? FileManager.default.removeItem(atPath: WorkerFiles(directory: store.directory, vmId: removed.row.id).directory)
        return removed
    }

    /// Deletes everything inside the host keyed `key`, deeper levels first.
    static func deleteInventory(of key: String, _ db: Database) throws {
        for child in try String.fetchAll(db, sql: "SELECT id FROM vm WHERE host = ?", arguments: [key]) {
            try deleteInventory(of: child, db)
        }
        for table in ["netNatStaticMapping", "netNat", "netIPAddress", "netAdapter", "vmNetworkAdapter", "vm", "vmSwitch"] {
            try db.execute(sql: "DELETE FROM \(table) WHERE host = ?", arguments: [key])
        }
    }
}
