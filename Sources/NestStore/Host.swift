import NestErrors
import NestRecords
import GRDB

/// The host whose inventory a command acts on: L0 (`localhost`) or the inside of a VM that runs a hypervisor.
public struct Host: Sendable, Equatable {
    /// The key rows carry: `localhost`, or the id of the VM whose inventory it is.
    public var key: String
    /// The name records carry as `ComputerName`: `localhost`, `lab1`, or `lab1/nested1` for a deeper level.
    public var computerName: String
    /// The level: 0 for the machine itself, 1 inside an L1 VM, and so on.
    public var level: Int

    /// L0, this machine.
    public static let localhost = Host(key: "localhost", computerName: "localhost", level: 0)

    /// Resolves a `--host` argument: `nil`, empty or `localhost` is L0; `lab1` is the VM lab1 on L0;
    /// `lab1/nested1` is the VM nested1 inside lab1. Names are compared without regard to case.
    static func resolve(_ path: String?, in db: Database) throws -> (host: Host, vm: VMRow?) {
        guard let path, !path.isEmpty, path.lowercased() != "localhost" else { return (.localhost, nil) }
        var host = Host.localhost
        var vm: VMRow?
        var names: [String] = []
        for component in path.split(separator: "/", omittingEmptySubsequences: false).map(String.init) {
            guard let found = try VMRow.filter(Column("host") == host.key && Column("name") == component).fetchOne(db)
            else {
                let on = host.computerName
                throw NestError(
                    .hostNotFound,
                    "no VM named '\(component)' on \(on) to act inside; `vmrun get\(host.level == 0 ? "" : " --host \(on)")` lists the VMs there",
                    target: path)
            }
            names.append(found.name)
            host = Host(key: found.id, computerName: names.joined(separator: "/"), level: host.level + 1)
            vm = found
        }
        return (host, vm)
    }

    /// Resolves `--host` for a change: inside a VM, that VM must expose virtualization extensions, since a
    /// hypervisor cannot run in it otherwise (Hyper-V refuses to install in such a guest).
    static func resolveForChange(_ path: String?, in db: Database) throws -> Host {
        let (host, vm) = try resolve(path, in: db)
        if let vm, !vm.exposeVirtualizationExtensions {
            throw NestError(
                .hostLacksVirtualizationExtensions,
                "the processor of VM '\(vm.name)' does not expose virtualization extensions, so no hypervisor can run inside it; turn them on first: \(SuggestedCommand.exposeVirtualizationExtensions(vm: vm.name).text(hostFlag: host.level > 1 ? " --host \(parentPath(host.computerName))" : ""))",
                target: host.computerName)
        }
        return host
    }

    static func parentPath(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "localhost" }
        return String(path[..<slash])
    }
}
