import NestErrors
import NestRecords
import GRDB

/// Changes to a VM's processor (Set-VMProcessor); `nil` leaves a setting alone.
public struct ProcessorChanges: Sendable {
    /// Count, or nil to leave it.
    public var count: Int?
    /// ExposeVirtualizationExtensions, or nil to leave it.
    public var exposeVirtualizationExtensions: Bool?
    /// Maximum, or nil to leave it.
    public var maximum: Int?
    /// Reserve, or nil to leave it.
    public var reserve: Int?
    /// RelativeWeight, or nil to leave it.
    public var relativeWeight: Int?
    /// CompatibilityForMigrationEnabled, or nil to leave it.
    public var compatibilityForMigrationEnabled: Bool?
    /// HwThreadCountPerCore, or nil to leave it.
    public var hwThreadCountPerCore: Int?

    /// No changes.
    public init() {}

    /// Whether any setting is to change.
    public var isEmpty: Bool {
        count == nil && exposeVirtualizationExtensions == nil && maximum == nil && reserve == nil
            && relativeWeight == nil && compatibilityForMigrationEnabled == nil && hwThreadCountPerCore == nil
    }
}

/// Ranges Set-VMProcessor documents.
enum ProcessorLimits {
    /// Virtual processors per VM: 64 on generation 1, 240 on generation 2.
    static func maximumCount(generation: Int) -> Int { generation == 1 ? 64 : 240 }

    static func checkCount(_ count: Int, generation: Int, vm: String) throws {
        let limit = maximumCount(generation: generation)
        guard (1...limit).contains(count) else {
            throw NestError(
                .processorOutOfRange, "processor count \(count) is out of range; a generation \(generation) VM has 1 to \(limit)",
                target: vm)
        }
    }

    static func check(_ value: Int, in range: ClosedRange<Int>, _ what: String, vm: String) throws {
        guard range.contains(value) else {
            throw NestError(
                .processorOutOfRange, "\(what) \(value) is out of range; it must be \(range.lowerBound) to \(range.upperBound)", target: vm)
        }
    }
}

extension Inventory {
    /// Changes a VM's processor settings (Set-VMProcessor).
    ///
    /// Hyper-V's rules: `ExposeVirtualizationExtensions` changes only while the VM is Off and needs
    /// configuration version 8.0 or later ("Enable nested virtualization"); `Count`, `HwThreadCountPerCore` and
    /// `CompatibilityForMigrationEnabled` change only while it is Off; the others change at any time.
    public func setProcessor(host path: String?, _ selector: VMSelector, _ changes: ProcessorChanges) throws(NestError) -> HostedVM {
        try store.write { db in
            let host = try Host.resolveForChange(path, in: db)
            var row = try selector.fetch(on: host, db)
            let needsOff =
                changes.count != nil || changes.exposeVirtualizationExtensions != nil
                || changes.hwThreadCountPerCore != nil || changes.compatibilityForMigrationEnabled != nil
            if needsOff { try row.requireOff(toChange: "Processor", host: host) }
            if let expose = changes.exposeVirtualizationExtensions {
                if expose, row.configurationVersion < .minimumForNesting {
                    throw NestError(
                        .configurationVersionTooOld,
                        "Failed to modify device 'Processor': exposing virtualization extensions needs configuration version \(ConfigurationVersion.minimumForNesting) or later (VM '\(row.name)' is \(row.version)); upgrade it: \(SuggestedCommand.updateVersion(vm: row.name).text(on: host))",
                        target: row.name)
                }
                row.exposeVirtualizationExtensions = expose
            }
            if let count = changes.count {
                try ProcessorLimits.checkCount(count, generation: row.generation, vm: row.name)
                row.processorCount = count
            }
            if let value = changes.maximum {
                try ProcessorLimits.check(value, in: 0...100, "maximum (percent)", vm: row.name); row.processorMaximum = value
            }
            if let value = changes.reserve {
                try ProcessorLimits.check(value, in: 0...100, "reserve (percent)", vm: row.name); row.processorReserve = value
            }
            if let value = changes.relativeWeight {
                try ProcessorLimits.check(value, in: 1...10000, "relative weight", vm: row.name); row.relativeWeight = value
            }
            if let value = changes.hwThreadCountPerCore {
                try ProcessorLimits.check(value, in: 0...2, "hardware threads per core", vm: row.name); row.hwThreadCountPerCore = value
            }
            if let value = changes.compatibilityForMigrationEnabled { row.compatibilityForMigrationEnabled = value }
            if changes.count != nil { try machineCheck?(row) }
            try row.update(db)
            return HostedVM(host: host, row: row)
        }
    }

    /// Upgrades a VM's configuration version to the newest this host supports (Update-VMVersion): the VM must be
    /// Off with no saved state.
    public func updateVersion(host path: String?, _ selector: VMSelector) throws(NestError) -> HostedVM {
        try store.write { db in
            let host = try Host.resolveForChange(path, in: db)
            var row = try selector.fetch(on: host, db)
            try row.requireOff(toChange: "Configuration", host: host)
            row.version = ConfigurationVersion.default.description
            try row.update(db)
            return HostedVM(host: host, row: row)
        }
    }
}
