import DeviceModels
import Foundation
import NestStore

/// A running VM's adapter joined to its switch's process (`SwitchProcess`): frames the guest sends go to the
/// switch, frames from the switch to the guest. The link connects to the switch the store names, starting its
/// process when none runs, and follows the adapter to another switch or none.
final class SwitchLink {
    let device: VirtioNet
    let stateDirectory: String
    /// The adapter as last read from the store.
    var adapter: MachineAdapter
    /// The connection, and the switch it is to.
    var fd: Int32 = -1
    var connectedSwitch: String?
    /// When a connection last failed (tried again a second later), and when the switch's process was last started.
    var failedAt = Date.distantPast
    var spawnedAt = Date.distantPast
    /// Switch processes this link started that have not ended: reaped as they end (a switch ending before the
    /// VM would otherwise stay a zombie for the VM's life).
    var started: [pid_t] = []
    /// A frame the switch had no room for yet (the device keeps the rest: back-pressure).
    var unsent: [[UInt8]] = []

    init(device: VirtioNet, adapter: MachineAdapter, stateDirectory: String) {
        self.device = device
        self.adapter = adapter
        self.stateDirectory = stateDirectory
    }

    deinit { disconnect() }

    /// Follows `adapter` as the store now has it: the link is up while a switch connects it, and joined to that
    /// switch's process.
    func follow(_ adapter: MachineAdapter) {
        self.adapter = adapter
        device.setLink(up: adapter.isConnected)
        if connectedSwitch != adapter.switchId { disconnect() }
    }

    /// Joins the switch when not joined, starting its process when none answers. With `waiting` (a VM's start) it
    /// waits up to 2 s for the process to listen; otherwise it tries again at a later pump, never holding up the
    /// VM (a switch that cannot start costs one attempt a second).
    func connectIfNeeded(waiting: Bool = false) {
        guard fd < 0, let switchId = adapter.switchId, Date().timeIntervalSince(failedAt) >= 1 else { return }
        let path = WorkerFiles(stateDirectory: stateDirectory, switchId: switchId).switchSocket
        var socket = SwitchSocket.connect(path)
        if socket == nil && Date().timeIntervalSince(spawnedAt) >= 3 {
            if let pid = SwitchProcess.spawn(stateDirectory: stateDirectory, switchId: switchId) { started.append(pid) }
            spawnedAt = Date()
        }
        for _ in 0..<(waiting ? 200 : 0) where socket == nil {
            usleep(10_000)
            socket = SwitchSocket.connect(path)
        }
        guard let socket else {
            if !waiting && Date().timeIntervalSince(spawnedAt) >= 2 { failedAt = Date() }
            return
        }
        var fds = [pollfd(fd: socket, events: Int16(POLLIN), revents: 0)]
        guard SwitchSocket.send(socket, Array("port \(adapter.id)".utf8)), poll(&fds, 1, 2000) > 0,
            SwitchSocket.receive(socket) == .message(Array("ok".utf8))
        else {
            close(socket)
            failedAt = Date()
            return
        }
        _ = fcntl(socket, F_SETFL, fcntl(socket, F_GETFL) | O_NONBLOCK)
        fd = socket
        connectedSwitch = switchId
    }

    func disconnect() {
        if fd >= 0 { close(fd) }
        fd = -1
        connectedSwitch = nil
        unsent.removeAll()
    }

    /// Moves frames both ways until neither side has more; whether any moved.
    @discardableResult
    func pump() -> Bool {
        started.removeAll { waitpid($0, nil, WNOHANG) != 0 }
        connectIfNeeded()
        guard fd >= 0 else {
            _ = device.takeTransmitted()  // no switch to carry them: they are lost, as on an unplugged cable
            return false
        }
        var moved = false
        for _ in 0..<8 {
            var progress = false
            if unsent.isEmpty { unsent = device.takeTransmitted() }
            while let frame = unsent.first, SwitchSocket.send(fd, frame) {
                unsent.removeFirst()
                progress = true
            }
            // Frames are taken only while the guest has room for them: beyond that they wait in the socket, and
            // then in the switch's queue for this port, where the ones beyond its limit are counted.
            reading: for _ in 0..<SwitchProcess.framesPerTurn where device.pendingFrames.count < VirtioNet.queueLimit {
                switch SwitchSocket.receive(fd) {
                case .message(let frame):
                    device.receive(frame)
                    progress = true
                case .none: break reading
                case .closed:
                    disconnect()
                    return moved
                }
            }
            moved = moved || progress
            if !progress { break }
        }
        return moved
    }
}
