import NestErrors
import NestRecords
import GRDB

/// The run states a VM can be in (Hyper-V's `VMState` values that matter here).
public enum VMState: String, Sendable, CaseIterable, Codable {
    case off = "Off"
    case running = "Running"
    case saved = "Saved"
    case paused = "Paused"
}

/// What a hypervisor does with a VM when it starts (Hyper-V's AutomaticStartAction).
public enum AutomaticStartAction: String, Sendable, CaseIterable, Codable {
    /// Nothing: the VM stays Off.
    case nothing = "Nothing"
    /// Start it if it was running when the hypervisor last stopped (Hyper-V's default).
    case startIfRunning = "StartIfRunning"
    /// Always start it.
    case start = "Start"
}

/// One VM as stored: its settings, its processor and its memory.
public struct VMRow: Codable, FetchableRecord, PersistableRecord, Sendable {
    /// The table's name in the store.
    public static let databaseTableName = "vm"

    /// VMId.
    public var id: String
    /// The id of the VM whose inventory holds this one, or "" for the host's own.
    public var host: String
    /// VMName.
    public var name: String
    /// State.
    public var state: VMState
    /// Generation (1 or 2).
    public var generation: Int
    /// Configuration version.
    public var version: String
    /// Notes.
    public var notes: String
    /// The guest image (a shipped name or a path), if any.
    public var image: String?
    /// When the VM was created (ISO 8601).
    public var creationTime: String
    /// Startup memory in bytes.
    public var memoryStartup: Int64
    /// Minimum memory with dynamic memory.
    public var memoryMinimum: Int64
    /// Maximum memory with dynamic memory.
    public var memoryMaximum: Int64
    /// Whether dynamic memory is on.
    public var dynamicMemoryEnabled: Bool
    /// Virtual processors.
    public var processorCount: Int
    /// Whether the processors expose VMX.
    public var exposeVirtualizationExtensions: Bool
    /// Processor maximum (percent).
    public var processorMaximum: Int
    /// Processor reserve (percent).
    public var processorReserve: Int
    /// Processor relative weight.
    public var relativeWeight: Int
    /// Whether processor compatibility for migration is on.
    public var compatibilityForMigrationEnabled: Bool
    /// SMT threads per core (0: follow the host).
    public var hwThreadCountPerCore: Int
    /// The command line the image boots with.
    public var commandLine: String = ""
    /// The process running the VM (a worker, or `vmrun run`), while it runs.
    public var workerPID: Int32?
    /// When the current run started (ISO 8601), while it runs.
    public var startedAt: String?
    /// Instructions the guest has retired in the current or last run (updated about once a second).
    public var instructionsRetired: Int64 = 0
    /// The exit status and the reason of the last run.
    public var exitStatus: Int32?
    /// Why the last run ended.
    public var exitReason: String?
    /// What the VM's hypervisor does with it when it starts.
    public var automaticStartAction: AutomaticStartAction = .startIfRunning
    /// The VM was running when the hypervisor that ran it stopped (what StartIfRunning asks about).
    public var wasRunningAtHostStop = false
    /// The integration service the hypervisor inside the VM announced in its current run (`minivisor`), if any.
    public var integrationService: String?
    /// The memory the hypervisor that runs this nested VM gave it in its current run, when it said; otherwise a
    /// running VM has its MemoryStartup.
    public var memoryAssigned: Int64?

    /// Whether the hypervisor starts the VM when it starts (AutomaticStartAction).
    public var startsWithHost: Bool {
        automaticStartAction == .start || automaticStartAction == .startIfRunning && wasRunningAtHostStop
    }

    /// The configuration version as a value (stored versions are always valid).
    var configurationVersion: ConfigurationVersion {
        ConfigurationVersion(version) ?? .default
    }

    /// The `VirtualMachine` record (Get-VM).
    public func record(on host: Host) -> Record {
        Record(
            kind: .virtualMachine,
            [
                ("ComputerName", .string(host.computerName)),
                ("VMName", .string(name)), ("VMId", .string(id)), ("State", .string(state.rawValue)),
                ("Status", "Operating normally"), ("Generation", .int(Int64(generation))), ("Version", .string(version)),
                ("ProcessorCount", .int(Int64(processorCount))), ("MemoryStartup", .int(memoryStartup)),
                ("MemoryAssigned", .int(state == .off || state == .saved ? 0 : memoryAssigned ?? memoryStartup)),
                ("DynamicMemoryEnabled", .bool(dynamicMemoryEnabled)), ("Uptime", .string(uptime())),
                ("InstructionsRetired", .int(instructionsRetired)),
                ("Image", image.map(JSONValue.string) ?? .null), ("CommandLine", .string(commandLine)),
                ("WorkerPID", workerPID.map { .int(Int64($0)) } ?? .null),
                ("ExitStatus", exitStatus.map { .int(Int64($0)) } ?? .null), ("ExitReason", exitReason.map(JSONValue.string) ?? .null),
                ("AutomaticStartAction", .string(automaticStartAction.rawValue)),
                ("IntegrationService", integrationService.map(JSONValue.string) ?? .null), ("Notes", .string(notes)),
                ("CreationTime", .string(creationTime)),
            ])
    }

    /// The `VMProcessor` record (Get-VMProcessor).
    public func processorRecord(on host: Host) -> Record {
        Record(
            kind: .vmProcessor,
            [
                ("ComputerName", .string(host.computerName)),
                ("VMName", .string(name)), ("VMId", .string(id)), ("Count", .int(Int64(processorCount))),
                ("ExposeVirtualizationExtensions", .bool(exposeVirtualizationExtensions)),
                ("Maximum", .int(Int64(processorMaximum))), ("Reserve", .int(Int64(processorReserve))),
                ("RelativeWeight", .int(Int64(relativeWeight))),
                ("CompatibilityForMigrationEnabled", .bool(compatibilityForMigrationEnabled)),
                ("HwThreadCountPerCore", .int(Int64(hwThreadCountPerCore))),
            ])
    }

    /// The `VMMemory` record (Get-VMMemory).
    public func memoryRecord(on host: Host) -> Record {
        Record(
            kind: .vmMemory,
            [
                ("ComputerName", .string(host.computerName)),
                ("VMName", .string(name)), ("VMId", .string(id)),
                ("DynamicMemoryEnabled", .bool(dynamicMemoryEnabled)), ("Startup", .int(memoryStartup)),
                ("Minimum", .int(memoryMinimum)), ("Maximum", .int(memoryMaximum)),
            ])
    }

    /// Fails unless the VM is Off: the message names the operation, the state and the fix.
    func requireOff(toChange what: String, host: Host) throws {
        guard state != .off else { return }
        let fix =
            state == .saved
            ? "remove its saved state first: \(SuggestedCommand.removeSavedState(vm: name).text(on: host))"
            : "stop the VM first: \(SuggestedCommand.stop(vm: name).text(on: host))"
        throw NestError(
            state == .saved ? .vmHasSavedState : .vmNotOff,
            "Failed to modify device '\(what)': the virtual machine must be Off (state: \(state.rawValue)); \(fix)",
            target: name)
    }
}

extension Host {
    /// ` --host NAME` for commands suggested in messages, empty on L0.
    var hostFlag: String { level == 0 ? "" : " --host \(computerName)" }
}

/// A VM with the host it lives on, as the changing operations return it.
public struct HostedVM: Sendable {
    /// The host.
    public var host: Host
    /// The VM as stored after the change.
    public var row: VMRow

    /// The VM `row` on `host`.
    public init(host: Host, row: VMRow) {
        self.host = host
        self.row = row
    }

    /// The `VirtualMachine` record.
    public var record: Record { row.record(on: host) }
    /// The `VMProcessor` record.
    public var processorRecord: Record { row.processorRecord(on: host) }
}

/// How a command names a VM: by name or by id (a record's `VMId`).
public enum VMSelector: Sendable, Equatable {
    case name(String)
    case id(String)
}

extension VMSelector {
    func fetch(on host: Host, _ db: Database) throws -> VMRow {
        let found: VMRow?
        switch self {
        case .name(let name): found = try VMRow.filter(Column("host") == host.key && Column("name") == name).fetchOne(db)
        case .id(let id): found = try VMRow.filter(Column("host") == host.key && Column("id") == id.lowercased()).fetchOne(db)
        }
        guard let found else {
            switch self {
            case .name(let name):
                throw NestError(
                    .objectNotFound, "no VM '\(name)' on \(host.computerName); `vmrun get\(host.hostFlag)` lists the VMs there",
                    target: name)
            case .id(let id):
                // An id comes from a record: the VM it names was removed since (a VM made again under the same
                // name is another VM, and is not touched), or the record is from another state directory.
                throw NestError(
                    .objectNotFound,
                    "no VM with id \(id) on \(host.computerName) any more: it was removed after the record was made, or the record comes from another state directory",
                    target: id)
            }
        }
        return found
    }
}
