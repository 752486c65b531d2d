import NestErrors
import Foundation
import Machine
import NestStore

/// How a VM's stored settings become a machine: memory from its startup memory, processors from its Count,
/// VMX from ExposeVirtualizationExtensions, and its image and command line.
public enum MachineSettings {
    /// The configuration for `row`, with `modules` and its network adapters added (image read now; errors say
    /// what to fix).
    public static func configuration(
        for row: VMRow, modules: [BootModule] = [], adapters: [NetworkAdapterConfiguration] = []
    ) throws(NestError) -> MachineConfiguration {
        guard let image = row.image else {
            throw NestError(
                .noImage, "VM '\(row.name)' has no image to boot; give it one: vmrun set \(row.name) --image hello", target: row.name)
        }
        var bytes: [UInt8]
        do { bytes = try GuestImages.read(image) } catch var error { error.target = row.name; throw error }
        var configuration = MachineConfiguration(
            memoryBytes: UInt64(row.memoryStartup), processorCount: row.processorCount,
            exposeVirtualizationExtensions: row.exposeVirtualizationExtensions, image: bytes,
            commandLine: row.commandLine, modules: modules)
        configuration.networkAdapters = adapters
        return configuration
    }

    /// Whether a machine can be built for `row` as it would be stored (`Inventory.machineCheck`): its memory and
    /// processors within a machine's limits and, when it has an image, the image bootable and fitting with its
    /// command line. Nothing is allocated.
    @Sendable
    public static func check(_ row: VMRow) throws(NestError) {
        let limits = MachineConfiguration(
            memoryBytes: UInt64(max(0, row.memoryStartup)), processorCount: row.processorCount, image: [], commandLine: row.commandLine)
        do { try limits.checkLimits() } catch { throw nestError(error, row: row) }
        guard row.image != nil else { return }
        let configuration = try configuration(for: row)
        do { try configuration.validate() } catch { throw nestError(error, row: row) }
    }

    /// Builds the machine for `row` with its network adapters as `inventory` has them: every error a start can
    /// meet before the guest runs.
    public static func machine(for row: VMRow, modules: [BootModule] = [], inventory: Inventory? = nil) throws(NestError) -> Machine {
        let adapters = try inventory?.machineAdapters(vmId: row.id).map {
            NetworkAdapterConfiguration(mac: $0.mac, isConnected: $0.isConnected)
        }
        let configuration = try configuration(for: row, modules: modules, adapters: adapters ?? [])
        do {
            return try Machine(configuration)
        } catch {
            throw nestError(error, row: row)
        }
    }

    /// The machine's error as the tools report it: its category, and the command that changes the setting.
    static func nestError(_ error: MachineError, row: VMRow) -> NestError {
        let name = row.name
        let (category, message): (ErrorCategory, String)
        switch error {
        case .badImage: (category, message) = (.badImage, "image \(row.image ?? "") is \(error)")
        case .imageOutsideMemory where error.isImageBelowBootData:
            (category, message) = (.badImage, "image \(row.image ?? "") cannot boot: \(error)")
        case .imageOutsideMemory:
            (category, message) = (
                .memoryOutOfRange, "\(error); give the VM more memory (vmrun set \(name) --memory SIZE) or use a smaller image"
            )
        case .doesNotFit: (category, message) = (.memoryOutOfRange, "\(error); give the VM more memory (vmrun set \(name) --memory SIZE)")
        case .memorySize: (category, message) = (.invalidArgument, "\(error); change it with vmrun set \(name) --memory SIZE")
        case .processorCount: (category, message) = (.invalidArgument, "\(error); change it with vmproc set \(name) --count N")
        case .addressSpace, .bootStrings, .moduleCount, .moduleName: (category, message) = (.invalidArgument, "\(error)")
        case .networkAdapters:
            (category, message) = (.invalidArgument, "\(error); remove one: vmnet remove \(name) --adapter-name NAME")
        }
        return NestError(category, message, target: name)
    }

    /// Modules from `NAME=PATH` arguments: PATH a file, or a shipped guest's name when no such file exists (the name
    /// defaults to the file's name).
    public static func modules(_ specs: [String]) throws(NestError) -> [BootModule] {
        var modules: [BootModule] = []
        for spec in specs {
            let parts = spec.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let path = parts.count == 2 ? parts[1] : parts[0]
            let name = parts.count == 2 ? parts[0] : String(path.split(separator: "/").last ?? "")
            guard !path.isEmpty else {
                throw NestError(.invalidArgument, "--module \(spec) has an empty path after '='; give --module NAME=PATH")
            }
            // A shipped guest's name (`nested1=hello`) when no file of that name is there.
            var file = path
            if !GuestImages.isPath(path) && !FileManager.default.fileExists(atPath: path), let shipped = try? GuestImages.locate(path) {
                file = shipped
            }
            try GuestImages.checkFile(file, what: "module file")
            guard let data = FileManager.default.contents(atPath: file) else {
                throw NestError(.imageNotFound, "module file \(file) cannot be read: \(String(cString: strerror(errno)))")
            }
            modules.append(BootModule(name: name, bytes: [UInt8](data)))
        }
        return modules
    }
}
