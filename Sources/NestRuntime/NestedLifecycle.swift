import NestErrors
import Foundation
import NestStore

/// Starting, stopping and pausing nested VMs (`vmrun start --host lab1 nested1`): the request goes to the worker of
/// the L0 VM they live in, which sends it down the integration channel to the hypervisor inside (minivisor), and
/// answers once the hypervisor has (nestvm(7), "INTEGRATION CHANNEL"). The hypervisor's reports keep the nested
/// VM's state in the store, so the command reads the outcome from there as for an L0 VM.
extension VMLifecycle {
    /// A nested VM one level down, and the L0 VM whose hypervisor runs it.
    public struct NestedTarget {
        /// The nested VM.
        public var row: VMRow
        /// The L0 VM it lives in.
        public var hostRow: VMRow

        var name: String { row.name }
        var hostName: String { hostRow.name }
    }

    /// The nested VM `selector` names in `host`'s inventory, or nil when `host` is L0. VMs deeper down are refused:
    /// a hypervisor inside a nested VM (L3) is not offered.
    public func nestedTarget(_ selector: VMSelector, host: String?) throws(NestError) -> NestedTarget? {
        let (found, rows) = try inventory.vms(host: host, selectors: [selector])
        guard found.level > 0 else { return nil }
        let row = rows[0]
        guard found.level == 1 else {
            throw NestError(
                .nestedLevelNotOffered,
                "VM '\(row.name)' lives inside \(found.computerName), and a hypervisor inside a nested VM (L3) is not offered: nestvm runs VMs two levels deep",
                target: row.name)
        }
        let hostRow = try inventory.vms(host: nil, selectors: [.id(found.key)]).rows[0]
        return NestedTarget(row: row, hostRow: hostRow)
    }

    /// The nested VM as the store has it now.
    func refreshed(_ target: NestedTarget) throws(NestError) -> HostedVM {
        let (found, rows) = try inventory.vms(host: target.hostName, selectors: [.id(target.row.id)])
        return HostedVM(host: found, row: rows[0])
    }

    /// Sends `nested ACTION ID [ARGUMENT]` to the worker of the target's host VM and waits for its answer.
    func sendNested(_ action: String, _ target: NestedTarget, argument: String = "") throws(NestError) {
        let host = target.hostRow
        guard host.state == .running || host.state == .paused else {
            throw NestError(
                .vmNotRunning,
                "VM '\(host.name)' is \(host.state.rawValue), and '\(target.name)' runs under its hypervisor: start it first: vmrun start \(host.name)",
                target: target.name)
        }
        let socket = WorkerFiles(directory: directory, vmId: host.id).controlSocket
        let request = "nested \(action) \(target.row.id)" + (argument.isEmpty ? "" : " " + argument)
        do { _ = try ControlChannel.send(request, to: socket, vm: host.name, timeout: IntegrationRelay.answerPatience + 5) } catch {
            throw NestError(error.category, error.message, target: target.name)  // the command's object is the nested VM
        }
    }

    /// Starts a nested VM under the hypervisor of the VM it lives in.
    func startNested(_ target: NestedTarget, modules: [String], trace: TraceOptions) throws(NestError) -> HostedVM {
        let (row, host) = (target.row, target.hostRow)
        guard modules.isEmpty, trace.mode == .off else {
            throw NestError(
                .invalidArgument,
                "--module and --trace are for VMs on this machine; '\(row.name)' boots its image with its command line under \(host.name)'s hypervisor (vmrun set --host \(host.name) \(row.name) --command-line …)",
                target: row.name)
        }
        if row.state == .running || row.state == .paused {
            throw NestError(
                .vmAlreadyRunning,
                "VM '\(row.name)' inside '\(host.name)' is already running; stop it first: vmrun stop --host \(host.name) \(row.name)",
                target: row.name)
        }
        guard host.exposeVirtualizationExtensions else {
            throw NestError(
                .hostLacksVirtualizationExtensions,
                "VM '\(host.name)' does not expose virtualization extensions to its guest, so no hypervisor in it can start '\(row.name)': turn '\(host.name)' off and expose them: \(SuggestedCommand.exposeVirtualizationExtensions(vm: host.name).text(on: .localhost))",
                target: row.name)
        }
        guard !row.exposeVirtualizationExtensions else {
            throw NestError(
                .nestedLevelNotOffered,
                "VM '\(row.name)' exposes virtualization extensions itself, and a hypervisor inside a nested VM (L3) is not offered: vmproc set --host \(host.name) \(row.name) --expose-virtualization-extensions false",
                target: row.name)
        }
        guard row.image != nil else {
            throw NestError(
                .noImage, "VM '\(row.name)' has no image to boot: vmrun set --host \(host.name) \(row.name) --image hello", target: row.name
            )
        }
        try sendNested("start", target)
        return try refreshed(target)
    }

    /// Stops a nested VM as an L0 VM is stopped: the guest is asked to shut down and turned off when it has not
    /// ended after `grace` seconds, or at once with `turnOff`. A nested VM that is already Off is left alone.
    func stopNested(_ given: NestedTarget, grace: Double, turnOff: Bool) throws(NestError) -> HostedVM {
        // A host VM whose worker was lost has ended its nested VMs too: the store says so once recovered.
        try inventory.recoverLostWorkers()
        let target = try nestedTarget(.id(given.row.id), host: given.hostName) ?? given
        guard target.row.state == .running || target.row.state == .paused else { return try refreshed(target) }
        func isOff() throws(NestError) -> Bool {
            let state = try refreshed(target).row.state
            return state != .running && state != .paused
        }
        /// A request the hypervisor refuses because the VM ended meanwhile has done what was asked.
        func send(_ action: String, argument: String = "") throws(NestError) {
            do { try sendNested(action, target, argument: argument) } catch {
                guard error.category == .vmNotRunning, try isOff() else { throw error }
            }
        }
        if turnOff {
            try send("turn-off")
        } else {
            try send("stop")
            let deadline = Date().addingTimeInterval(grace)
            while try !isOff() && Date() < deadline { usleep(20_000) }
            if try !isOff() {
                try send("turn-off", argument: "turned off: the guest did not shut down within \(grace) s of the stop request")
            }
        }
        // The hypervisor answers a turn-off after reporting the VM Off; a report lost on the way shows here.
        let deadline = Date().addingTimeInterval(5)
        while try !isOff() && Date() < deadline { usleep(20_000) }
        guard try isOff() else {
            throw NestError(
                .vmNotOff, "VM '\(target.name)' inside '\(target.hostName)' is still running: its hypervisor did not report it Off",
                target: target.name)
        }
        return try refreshed(target)
    }

    /// Pauses or resumes a nested VM.
    func setNestedPaused(_ target: NestedTarget, _ paused: Bool) throws(NestError) -> HostedVM {
        guard target.row.state == .running || target.row.state == .paused else {
            throw NestError(
                .vmNotRunning,
                "VM '\(target.name)' inside '\(target.hostName)' is \(target.row.state.rawValue); start it first: vmrun start --host \(target.hostName) \(target.name)",
                target: target.name)
        }
        try sendNested(paused ? "pause" : "resume", target)
        return try refreshed(target)
    }
}
