import DeviceModels
import NestErrors
import Foundation
import NestStore
import Packets

/// L0's virtual switch: a process of its own per switch, started by the first running VM connected to it and
/// ending shortly after the last leaves. Its ports are the workers of those VMs, one Unix `SOCK_SEQPACKET`
/// connection per adapter (a message is a frame) at `switches/SWITCHID/switch.sock` (mode 0600). The frames
/// go through a `LearningSwitch` with each adapter's settings, which the process reads from the store every
/// 0.5 s (so `vmnet set` applies while VMs run); a port whose adapter is no longer connected to this switch is
/// closed.
///
/// The protocol: a worker's first message is `port ADAPTERID`, answered `ok` (or `error …`); every message
/// after it, both ways, is one Ethernet frame. A connection whose first message is `counters` is answered one
/// message, a line per port (`ADAPTERID` and the eight counters of `PortCounters`, in its order), and closed.
public final class SwitchProcess {
    /// Frames waiting for one port before further ones for it are dropped (`DroppedByQueueLimit`), and frames
    /// taken from one port per turn, so a flooding VM leaves the others served.
    static let queueLimit = 256, framesPerTurn = 64
    /// Seconds the switch waits after the last port left (a VM restarting keeps its switch), and for a first port.
    static let lingerSeconds = 2.0, firstPortSeconds = 10.0

    struct Port {
        let fd: Int32
        let adapterId: String
        var outgoing: [[UInt8]] = []
    }

    let inventory: Inventory
    let switchId: String
    let files: WorkerFiles
    var listener: Int32 = -1
    var ports: [Int: Port] = [:]
    var core = LearningSwitch()
    var nextPort = 1
    /// An internal switch's host adapter (user-mode through libslirp, or a TAP interface), at port `hostPort`.
    var host: HostAdapter?
    static let hostPort = 0
    /// What the host adapter was last made (or tried) for.
    var hostMadeFor: HostKey?

    /// The switch `switchId` of `inventory`'s state directory.
    public init(inventory: Inventory, switchId: String) {
        self.inventory = inventory
        self.switchId = switchId
        files = WorkerFiles(stateDirectory: inventory.store.directory, switchId: switchId)
    }

    /// Runs the switch until its ports are gone; returns at once when another process runs it.
    public func run() throws(NestError) {
        guard let lock = try files.acquireLock() else { return }
        defer { close(lock) }
        listener = try Self.listen(files.switchSocket)
        defer {
            close(listener)
            unlink(files.switchSocket)
        }
        var lastPortSeen = Date()
        var lingering = Self.firstPortSeconds
        var policiesReadAt = Date.distantPast
        Signals.install()
        while Signals.received == nil {
            let now = Date()
            if now.timeIntervalSince(policiesReadAt) >= 0.5 {
                policiesReadAt = now
                readPolicies()
            }
            if !ports.isEmpty {
                lastPortSeen = now
                lingering = Self.lingerSeconds
            } else if now.timeIntervalSince(lastPortSeen) >= lingering {
                return
            }
            serve(timeout: 0.25)
        }
    }

    /// One round: waits up to `timeout` seconds for a connection, a frame, room to send or the host adapter's
    /// sockets, then handles them.
    func serve(timeout: Double) {
        let numbers = ports.keys.sorted()
        var fds = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
        for n in numbers {
            let port = ports[n]!
            fds.append(pollfd(fd: port.fd, events: Int16(POLLIN) | (port.outgoing.isEmpty ? 0 : Int16(POLLOUT)), revents: 0))
        }
        let wait = host?.fillPoll(&fds, timeout: Int32(timeout * 1000)) ?? Int32(timeout * 1000)
        let ready = poll(&fds, nfds_t(fds.count), wait)
        host?.handlePoll(fds, failed: ready < 0)
        for line in host?.diagnostics ?? [] { FileHandle.standardError.write(Data("vmrun switch: \(line)\n".utf8)) }
        host?.diagnostics.removeAll()
        guard ready > 0 else { return flushAll() }
        if fds[0].revents & Int16(POLLIN) != 0 { accept() }
        for (k, n) in numbers.enumerated() {
            let events = fds[k + 1].revents
            if events & Int16(POLLIN) != 0 {
                receive(from: n)
            } else if events & Int16(POLLHUP | POLLERR) != 0 {
                drop(n)
            }
        }
        flushAll()
    }

    func flushAll() { for n in ports.keys { flush(n) } }

    /// Forwards `frame` from port `n` (a worker's, or the host adapter's) to the ports it goes to.
    func forward(_ frame: EthernetFrame, from n: Int) {
        for target in core.forward(frame, from: n) {
            if target == Self.hostPort {
                host?.input(frame)
            } else if ports[target]!.outgoing.count >= Self.queueLimit {
                core.undeliver(frame, to: target)
            } else {
                ports[target]!.outgoing.append(frame.bytes)
            }
        }
    }

    /// Takes a connection: a port's hello, or a counters request.
    func accept() {
        while true {
            let fd = Glibc.accept(listener, nil, nil)
            guard fd >= 0 else { return }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0)]
            guard poll(&fds, 1, 1000) > 0, case .message(let hello) = SwitchSocket.receive(fd) else {
                close(fd)
                continue
            }
            let words = String(decoding: hello, as: UTF8.self).split(separator: " ").map(String.init)
            switch words.first {
            case "counters":
                _ = SwitchSocket.send(fd, Array(countersText().utf8))
                close(fd)
            case "port" where words.count == 2:
                let adapters = (try? inventory.machineAdapters(switchId: switchId)) ?? []
                guard let adapter = adapters.first(where: { $0.id == words[1] }) else {
                    _ = SwitchSocket.send(fd, Array("error adapter \(words[1]) is not connected to this switch".utf8))
                    close(fd)
                    continue
                }
                for (n, port) in ports where port.adapterId == adapter.id { drop(n) }  // a restarted worker's
                let n = nextPort
                nextPort += 1
                ports[n] = Port(fd: fd, adapterId: adapter.id)
                core.setPort(n, Self.policy(adapter))
                _ = SwitchSocket.send(fd, Array("ok".utf8))
            default:
                close(fd)
            }
        }
    }

    /// Reads a turn's frames from port `n` and forwards them.
    func receive(from n: Int) {
        for _ in 0..<Self.framesPerTurn {
            guard let port = ports[n] else { return }
            let result = SwitchSocket.receive(port.fd)
            switch result {
            case .closed: return drop(n)
            case .none: return
            case .message(let bytes):
                guard bytes.count >= VirtioNet.minimumFrame, bytes.count <= VirtioNet.maximumFrame,
                    let frame = EthernetFrame(bytes)
                else { continue }
                forward(frame, from: n)
            }
        }
    }

    /// Sends what waits for port `n` until its socket is full.
    func flush(_ n: Int) {
        guard var port = ports[n], !port.outgoing.isEmpty else { return }
        var sent = 0
        while sent < port.outgoing.count, SwitchSocket.send(port.fd, port.outgoing[sent]) { sent += 1 }
        port.outgoing.removeFirst(sent)
        ports[n] = port
    }

    func drop(_ n: Int) {
        guard let port = ports.removeValue(forKey: n) else { return }
        close(port.fd)
        core.removePort(n)
    }

    /// Each port's settings from the store; ports whose adapter left this switch are closed. An internal switch's
    /// host adapter follows its first address, the NetNats and their mappings.
    func readPolicies() {
        followHostAdapter()
        guard let adapters = try? inventory.machineAdapters(switchId: switchId) else { return }
        for (n, port) in ports {
            if let adapter = adapters.first(where: { $0.id == port.adapterId }) {
                core.setPort(n, Self.policy(adapter))
            } else {
                drop(n)
            }
        }
    }

    func followHostAdapter() {
        guard let settings = try? inventory.hostAdapterSettings(switchId: switchId), settings.bridges || !settings.addresses.isEmpty else {
            if host != nil { core.removePort(Self.hostPort) }
            host = nil
            hostMadeFor = nil
            return
        }
        let address = settings.addresses.first  // nil for an External switch's TAP interface
        let wanted = HostKey(type: settings.type, tapName: settings.tapName, address: address)
        if wanted != hostMadeFor {
            // Made (or tried) once for what the store says: a failure is not tried again until that changes.
            hostMadeFor = wanted
            var failure = ""
            switch settings.type {
            case .user: host = address.flatMap { SlirpHost(address: $0, translated: settings.isTranslated($0)) }
            case .tap: host = TapHost(name: settings.tapName, address: address, mac: settings.mac, failure: &failure)
            }
            if host == nil {
                FileHandle.standardError.write(Data("vmrun switch: \(failure.isEmpty ? "cannot start libslirp" : failure)\n".utf8))
            }
            host?.output = { [unowned self] bytes in
                if let frame = EthernetFrame(bytes) { self.forward(frame, from: Self.hostPort) }
            }
            // The host is trusted with any source address (slirp answers with addresses of its own; a bound TAP
            // interface is the host's whole network).
            if host == nil {
                core.removePort(Self.hostPort)
            } else {
                core.setPort(Self.hostPort, PortPolicy(mac: EthernetAddress(settings.mac), macAddressSpoofing: true))
            }
        }
        if let address { host?.apply(translated: settings.isTranslated(address), mappings: settings.mappings) }
    }

    /// What a host adapter was made for.
    struct HostKey: Equatable {
        var type: HostAdapterType, tapName: String, address: HostAdapterSettings.HostAddress?
    }

    func countersText() -> String {
        ports.keys.sorted().compactMap { n -> String? in
            guard let port = ports[n], let c = core.counters(n) else { return nil }
            let values = [  // SwitchSocket.counterKeys
                c.framesSent, c.framesReceived, c.bytesSent, c.bytesReceived, c.droppedByMacAddressSpoofing, c.droppedByDhcpGuard,
                c.droppedByRouterGuard, c.droppedByQueueLimit,
            ]
            return ([port.adapterId] + values.map(String.init)).joined(separator: " ")
        }.joined(separator: "\n")
    }

    static func policy(_ adapter: MachineAdapter) -> PortPolicy {
        PortPolicy(
            mac: EthernetAddress(adapter.mac), macAddressSpoofing: adapter.macAddressSpoofing, dhcpGuard: adapter.dhcpGuard,
            routerGuard: adapter.routerGuard)
    }

    // MARK: - sockets

    static func listen(_ path: String) throws(NestError) -> Int32 {
        guard var address = SwitchSocket.address(path) else {
            throw NestError(.controlChannelFailed, "switch socket path \(path) is too long; use a shorter --state-dir")
        }
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        let mask = umask(0o177)  // the socket is created 0600
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        umask(mask)
        guard fd >= 0, bound == 0, Glibc.listen(fd, 16) == 0 else {
            throw NestError(.controlChannelFailed, "cannot listen on \(path): \(String(cString: strerror(errno)))")
        }
        return fd
    }

    /// Starts the process of switch `switchId` (`vmrun switch`, in a session of its own, its log in the switch's
    /// directory); it takes the switch's lock, so of two started at once one runs. The PID, for the caller to reap.
    static func spawn(stateDirectory: String, switchId: String) -> pid_t? {
        let files = WorkerFiles(stateDirectory: stateDirectory, switchId: switchId)
        guard (try? files.prepare()) != nil, let logFD = try? files.open(files.workerLog, O_WRONLY | O_CREAT | O_APPEND) else { return nil }
        defer { close(logFD) }
        let (result, pid) = WorkerProcess.spawnDetached(["vmrun", "switch", "--state-dir", stateDirectory, switchId], log: logFD)
        return result == 0 ? pid : nil
    }
}
