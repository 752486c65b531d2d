import Foundation

/// The socket a running switch's process listens on (`WorkerFiles.switchSocket`), Unix `SOCK_SEQPACKET`, one
/// message per frame or request: what the switch, the workers joining it and `vmnet get` share.
public enum SwitchSocket {
    /// The counters a port keeps, as `vmnet get` names them while the VM runs, in the order the switch sends them.
    public static let counterKeys = [
        "FramesSent", "FramesReceived", "BytesSent", "BytesReceived", "DroppedByMacAddressSpoofing", "DroppedByDhcpGuard",
        "DroppedByRouterGuard", "DroppedByQueueLimit",
    ]

    /// A socket address for `path`, or nil when the path does not fit in `sun_path`.
    public static func address(_ path: String) -> sockaddr_un? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (k, b) in bytes.enumerated() { buffer[k] = b }
        }
        return address
    }

    /// Connects to the switch socket at `path`: the descriptor (close-on-exec), or nil when nothing listens there.
    public static func connect(_ path: String) -> Int32? {
        guard var address = address(path) else { return nil }
        let fd = socket(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    /// What a read found.
    public enum Received: Equatable {
        /// One message.
        case message([UInt8])
        /// Nothing waiting.
        case none
        /// The other end went away.
        case closed
    }

    /// The largest message: a frame of 1514 bytes, or a request line.
    public static let messageLimit = 2048

    /// One message without waiting (a read timeout set on `fd` applies to a blocking one).
    public static func receive(_ fd: Int32, waiting: Bool = false) -> Received {
        var buffer = [UInt8](repeating: 0, count: messageLimit)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, waiting ? 0 : Int32(MSG_DONTWAIT)) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return errno == EAGAIN || errno == EWOULDBLOCK ? .none : .closed }
            if n == 0 { return .closed }
            return .message(Array(buffer[0..<n]))
        }
    }

    /// Sends one message without waiting; false when the socket is full or gone.
    public static func send(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        while true {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            return n == bytes.count
        }
    }

    /// A running switch's port counters by adapter id, each in `counterKeys` order (empty when it does not run).
    public static func counters(stateDirectory: String, switchId: String) -> [String: [UInt64]] {
        guard let fd = connect(WorkerFiles(stateDirectory: stateDirectory, switchId: switchId).switchSocket) else { return [:] }
        defer { close(fd) }
        var tv = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        guard send(fd, Array("counters".utf8)), case .message(let reply) = receive(fd, waiting: true) else { return [:] }
        var result: [String: [UInt64]] = [:]
        for line in String(decoding: reply, as: UTF8.self).split(separator: "\n") {
            let words = line.split(separator: " ")
            let values = words.dropFirst().compactMap { UInt64($0) }
            guard words.count == counterKeys.count + 1, values.count == counterKeys.count else { continue }
            result[String(words[0])] = values
        }
        return result
    }
}
