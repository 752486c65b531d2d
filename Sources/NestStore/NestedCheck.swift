import NestErrors
import NestRecords
import GRDB

/// What stops a VM from hosting nested VMs, and what would fix it.
///
/// The checks follow Hyper-V's documented requirements ("Enable nested virtualization": the VM Off while the
/// flag changes, configuration version 8.0 or later, virtualization extensions exposed, no dynamic memory, MAC
/// address spoofing for nested guests' networking), plus nestvm's own: the VM's startup memory must hold its
/// nested VMs' startup memory and the hypervisor inside it, and it needs as many processors as its widest nested
/// VM (minivisor runs each nested processor on one of its own).
public enum NestedCheck {
    /// Memory the L1 hypervisor itself is counted to need on top of its nested VMs' startup memory.
    public static let hypervisorReserveBytes: Int64 = 512 << 20

    /// One step of a fix, in the order Hyper-V's Enable-NestedVm script applies them.
    enum Step: Int, Comparable {
        case removeSavedState, turnOff, updateVersion, exposeExtensions, disableDynamicMemory, macSpoofing, raiseMemory,
            raiseProcessors, runMinivisor
        static func < (a: Step, b: Step) -> Bool { a.rawValue < b.rawValue }
    }

    /// What a finding is about; the raw value is the record's `Check`.
    public enum Check: String, Sendable {
        case savedState = "SavedState"
        case notOff = "NotOff"
        case configurationVersion = "ConfigurationVersion"
        case exposeVirtualizationExtensions = "ExposeVirtualizationExtensions"
        case dynamicMemory = "DynamicMemory"
        case macAddressSpoofing = "MacAddressSpoofing"
        case memory = "Memory"
        case integrationService = "IntegrationService"
        case processors = "Processors"
    }

    /// Whether a finding stops nesting (an error) or only limits it (a warning); the raw value is the record's
    /// `Severity`.
    public enum Severity: String, Sendable {
        case error = "Error"
        case warning = "Warning"
    }

    /// A finding or planned change as the tools use it: its typed check and severity, the VM, and the record to
    /// print.
    public struct Result: Sendable {
        /// What the finding is about.
        public let check: Check
        /// Whether it stops nesting.
        public let severity: Severity
        /// The VM it is about.
        public let vmName: String
        /// The `NestedFinding` or `PlannedChange` record.
        public let record: Record
    }

    struct Finding {
        var check: Check
        var severity: Severity
        var message: String
        var step: Step
        var property: String
        var current: JSONValue
        var wanted: JSONValue
        var fix: SuggestedCommand
        var adapterId: String?
    }

    /// The findings for one VM.
    static func findings(for vm: VMRow, on host: Host, _ db: Database) throws -> [Finding] {
        var found: [Finding] = []
        let name = vm.name
        let needsProcessorChange =
            !vm.exposeVirtualizationExtensions || vm.configurationVersion < .minimumForNesting || vm.dynamicMemoryEnabled
        if needsProcessorChange, vm.state == .saved {
            found.append(
                Finding(
                    check: .savedState, severity: .error,
                    message: "This VM has been saved; its settings cannot change until the saved state is removed.",
                    step: .removeSavedState, property: "State", current: "Saved", wanted: "Off",
                    fix: .removeSavedState(vm: name)))
        } else if needsProcessorChange, vm.state != .off {
            found.append(
                Finding(
                    check: .notOff, severity: .error,
                    message: "This VM is \(vm.state.rawValue); virtualization extensions and memory change only while it is Off.",
                    step: .turnOff, property: "State", current: .string(vm.state.rawValue), wanted: "Off",
                    fix: .stop(vm: name)))
        }
        if vm.configurationVersion < .minimumForNesting {
            found.append(
                Finding(
                    check: .configurationVersion, severity: .error,
                    message:
                        "Configuration version \(vm.version) is too old; nested virtualization needs \(ConfigurationVersion.minimumForNesting) or later.",
                    step: .updateVersion, property: "Version", current: .string(vm.version),
                    wanted: .string(ConfigurationVersion.default.description), fix: .updateVersion(vm: name)))
        }
        if !vm.exposeVirtualizationExtensions {
            found.append(
                Finding(
                    check: .exposeVirtualizationExtensions, severity: .error,
                    message: "This VM is not configured to expose virtualization extensions.",
                    step: .exposeExtensions, property: "ExposeVirtualizationExtensions", current: false, wanted: true,
                    fix: .exposeVirtualizationExtensions(vm: name)))
        }
        if vm.dynamicMemoryEnabled {
            found.append(
                Finding(
                    check: .dynamicMemory, severity: .error,
                    message: "The VM has Dynamic Memory enabled; its memory cannot change while a hypervisor runs in it.",
                    step: .disableDynamicMemory, property: "DynamicMemoryEnabled", current: true, wanted: false,
                    fix: .disableDynamicMemory(vm: name)))
        }
        let adapters = try AdapterRow.filter(Column("vmId") == vm.id && Column("switchId") != nil && Column("macAddressSpoofing") == false)
            .order(Column("position")).fetchAll(db)
        for adapter in adapters {
            found.append(
                Finding(
                    check: .macAddressSpoofing, severity: .warning,
                    message: "Mac Address Spoofing isn't enabled on adapter '\(adapter.name)' (nested guests won't have network).",
                    step: .macSpoofing, property: "MacAddressSpoofing", current: "Off", wanted: "On",
                    fix: .enableMACAddressSpoofing(vm: name, adapter: adapter.name), adapterId: adapter.id))
        }
        let nestedStartup =
            try Int64.fetchOne(db, sql: "SELECT coalesce(sum(memoryStartup), 0) FROM vm WHERE host = ?", arguments: [vm.id]) ?? 0
        let isRunning = vm.state == .running || vm.state == .paused
        if nestedStartup > 0, isRunning, vm.integrationService == nil {
            found.append(
                Finding(
                    check: .integrationService, severity: .warning,
                    message:
                        "This VM has nested VMs but runs an image without the integration service (\(vm.image ?? "no image") has not announced it), so its nested VMs are neither started nor reported.",
                    step: .runMinivisor, property: "Image", current: vm.image.map(JSONValue.string) ?? .null, wanted: "minivisor",
                    fix: .runMinivisor(vm: name)))
        }
        if nestedStartup > 0 {
            let needed = nestedStartup + hypervisorReserveBytes
            if vm.memoryStartup < needed {
                found.append(
                    Finding(
                        check: .memory, severity: .error,
                        message:
                            "Startup memory \(ByteSize.format(vm.memoryStartup)) cannot hold its nested VMs' startup memory (\(ByteSize.format(nestedStartup))) and the hypervisor's own \(ByteSize.format(hypervisorReserveBytes)).",
                        step: .raiseMemory, property: "MemoryStartup", current: .int(vm.memoryStartup), wanted: .int(needed),
                        fix: .setMemoryStartup(vm: name, bytes: needed)))
            }
        }
        let widest = try Int.fetchOne(db, sql: "SELECT coalesce(max(processorCount), 0) FROM vm WHERE host = ?", arguments: [vm.id]) ?? 0
        if widest > vm.processorCount {
            found.append(
                Finding(
                    check: .processors, severity: .error,
                    message:
                        "A nested VM has \(widest) processors and this VM \(vm.processorCount); each nested processor runs on one of this VM's, so that nested VM cannot start.",
                    step: .raiseProcessors, property: "ProcessorCount", current: .int(Int64(vm.processorCount)),
                    wanted: .int(Int64(widest)),
                    fix: .setProcessorCount(vm: name, count: widest)))
        }
        return found
    }

    static func findingRecord(_ finding: Finding, vm: VMRow, on host: Host) -> Result {
        result(
            finding, vm: vm, .nestedFinding,
            [
                ("ComputerName", .string(host.computerName)), ("VMName", .string(vm.name)),
                ("VMId", .string(vm.id)), ("Check", .string(finding.check.rawValue)),
                ("Severity", .string(finding.severity.rawValue)),
                ("Message", .string(finding.message)), ("Property", .string(finding.property)),
                ("CurrentValue", finding.current), ("Fix", .string(finding.fix.text(on: host))),
            ])
    }

    static func plannedRecord(_ finding: Finding, vm: VMRow, on host: Host) -> Result {
        result(
            finding, vm: vm, .plannedChange,
            [
                ("ComputerName", .string(host.computerName)), ("VMName", .string(vm.name)),
                ("VMId", .string(vm.id)), ("Check", .string(finding.check.rawValue)), ("Property", .string(finding.property)),
                ("CurrentValue", finding.current), ("NewValue", finding.wanted), ("Command", .string(finding.fix.text(on: host))),
            ])
    }

    static func result(_ finding: Finding, vm: VMRow, _ kind: RecordKind, _ fields: [(String, JSONValue)]) -> Result {
        Result(check: finding.check, severity: finding.severity, vmName: vm.name, record: Record(kind: kind, fields))
    }

    /// Applies one finding's fix inside the caller's transaction.
    static func apply(_ finding: Finding, to vm: inout VMRow, _ db: Database) throws {
        switch finding.step {
        case .removeSavedState, .turnOff: vm.state = .off
        case .updateVersion: vm.version = ConfigurationVersion.default.description
        case .exposeExtensions: vm.exposeVirtualizationExtensions = true
        case .disableDynamicMemory: vm.dynamicMemoryEnabled = false
        case .raiseMemory:
            if case .int(let bytes) = finding.wanted {
                vm.memoryStartup = bytes
                vm.memoryMaximum = max(vm.memoryMaximum, bytes)
            }
        case .raiseProcessors:
            if case .int(let count) = finding.wanted { vm.processorCount = Int(count) }
        case .runMinivisor: break  // a running VM's image changes only once it is Off: the user's to do
        case .macSpoofing:
            try db.execute(sql: "UPDATE vmNetworkAdapter SET macAddressSpoofing = 1 WHERE id = ?", arguments: [finding.adapterId])
        }
    }
}

extension Inventory {
    /// `NestedFinding` records for each problem that stops the selected VMs (all by default) from hosting nested
    /// VMs. No records means every VM checked is ready.
    public func nestedFindings(host path: String?, selectors: [VMSelector]) throws(NestError) -> [NestedCheck.Result] {
        try store.read { db in
            let host = try Host.resolve(path, in: db).host
            let rows =
                selectors.isEmpty
                ? try VMRow.filter(Column("host") == host.key).order(Column("name")).fetchAll(db)
                : try selectors.map { try $0.fetch(on: host, db) }
            return try rows.flatMap { vm in
                try NestedCheck.findings(for: vm, on: host, db).map { NestedCheck.findingRecord($0, vm: vm, on: host) }
            }
        }
    }

    /// The `PlannedChange` records that would make the VM ready to host nested VMs, applied when `apply` is true
    /// (all in one transaction: the checks are made again against what is stored at that moment).
    public func enableNested(host path: String?, _ selector: VMSelector, apply: Bool) throws(NestError) -> [NestedCheck.Result] {
        let body = { (db: Database) throws -> [NestedCheck.Result] in
            let host = try apply ? Host.resolveForChange(path, in: db) : Host.resolve(path, in: db).host
            var vm = try selector.fetch(on: host, db)
            // A running image changes only once the VM is Off, which the plan does not do: that warning stays a finding.
            let plan = try NestedCheck.findings(for: vm, on: host, db).filter { $0.check != .integrationService }
                .sorted { $0.step < $1.step }
            if apply {
                for finding in plan { try NestedCheck.apply(finding, to: &vm, db) }
                try machineCheck?(vm)
                try vm.update(db)
            }
            return plan.map { NestedCheck.plannedRecord($0, vm: vm, on: host) }
        }
        return apply ? try store.write(body) : try store.read(body)
    }
}
