import Foundation
import Machine
import NestStore

/// How a VM's stored settings become a machine: memory from its startup memory, processors from its Count,
/// VMX from ExposeVirtualizationExtensions, and its image and command line.
public enum MachineSettings {
    /// The configuration for `row`, with `modules` added (image read now; errors say what to fix).
    public static func configuration(for row: VMRow, modules: [BootModule] = []) throws(NestError) -> MachineConfiguration {
        guard let image = row.image else {
            throw NestError(
                .noImage, "VM '\(row.name)' has no image to boot; give it one: vmrun set \(row.name) --image hello", target: row.name)
        }
        var bytes: [UInt8]
        do { bytes = try GuestImages.read(image) } catch var error { error.target = row.name; throw error }
        return MachineConfiguration(
            memoryBytes: UInt64(row.memoryStartup), processorCount: row.processorCount,
            exposeVirtualizationExtensions: row.exposeVirtualizationExtensions, image: bytes,
            commandLine: row.commandLine, modules: modules)
    }

    /// Builds the machine for `row`: every error a start can meet before the guest runs.
    public static func machine(for row: VMRow, modules: [BootModule] = []) throws(NestError) -> Machine {
        let configuration = try configuration(for: row, modules: modules)
        do {
            return try Machine(configuration)
        } catch {
            // The machine's messages name commands with NAME; this is the VM they are about.
            let message = error.description.replacingOccurrences(of: " NAME ", with: " \(row.name) ")
            switch error {
            case .badImage: throw NestError(.badImage, "image \(row.image ?? "") is \(message)", target: row.name)
            case .imageOutsideMemory(let address, _, _) where address < GuestLayout.imageBase:
                throw NestError(.badImage, "image \(row.image ?? "") cannot boot: \(message)", target: row.name)
            case .imageOutsideMemory, .doesNotFit: throw NestError(.memoryOutOfRange, message, target: row.name)
            case .unsupportedSettings: throw NestError(.invalidArgument, message, target: row.name)
            }
        }
    }

    /// Modules from `NAME=PATH` arguments (the name defaults to the file's name).
    public static func modules(_ specs: [String]) throws(NestError) -> [BootModule] {
        var modules: [BootModule] = []
        for spec in specs {
            let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
            let path = parts.count == 2 ? parts[1] : parts[0]
            let name = parts.count == 2 ? parts[0] : String(path.split(separator: "/").last ?? "")
            guard let data = FileManager.default.contents(atPath: path) else {
                throw NestError(.imageNotFound, "module file \(path) cannot be read; give --module NAME=PATH of an existing file")
            }
            modules.append(BootModule(name: name, bytes: [UInt8](data)))
        }
        return modules
    }
}
