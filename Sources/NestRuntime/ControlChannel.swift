import NestErrors
import Foundation
import NestStore

/// The control socket of a running VM: a Unix stream socket in the VM's directory. A client connects, sends one
/// request line, and reads one reply line (`ok …`, or `error …` with an optional `[Category] ` first). Requests:
/// `status`, `stop SECONDS` (ask the guest to shut down, turn it off after SECONDS), `turn-off`, `pause`, `resume`,
/// `input HEX` (bytes for COM1), and `nested ACTION ID …` for a nested VM, which the hypervisor inside the VM
/// answers over the integration channel (`IntegrationRelay.request`).
public enum ControlChannel {
    /// A socket address for `path`, or nil when the path does not fit in `sun_path`.
    static func address(_ path: String) -> sockaddr_un? { SwitchSocket.address(path) }

    /// Sends `request` to the VM whose socket is at `path` and returns the reply (without `ok `), or throws.
    public static func send(_ request: String, to path: String, vm: String, timeout: Double = 5) throws(NestError) -> String {
        guard var address = address(path) else {
            throw NestError(.controlChannelFailed, "control socket path \(path) is too long", target: vm)
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else {
            throw NestError(.controlChannelFailed, "cannot make a socket: \(String(cString: strerror(errno)))", target: vm)
        }
        defer { close(fd) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            throw NestError(
                .vmNotRunning, "VM '\(vm)' does not answer on its control socket (\(String(cString: strerror(errno))))", target: vm)
        }
        guard writeAll(fd, Array((request + "\n").utf8)) else {
            throw NestError(.vmNotRunning, "VM '\(vm)' closed its control socket", target: vm)
        }
        let reply = readLine(fd) ?? "error no reply"
        if reply.hasPrefix("ok") { return String(reply.dropFirst(2)).trimmingCharacters(in: .whitespaces) }
        throw error(fromReply: reply.dropFirst(6), vm: vm)
    }

    /// The error an `error …` reply carries: its own category and message when it begins with `[Category] `.
    static func error(fromReply text: Substring, vm: String) -> NestError {
        if text.hasPrefix("["), let close = text.firstIndex(of: "]"),
            let category = ErrorCategory(rawValue: String(text[text.index(after: text.startIndex)..<close]))
        {
            return NestError(category, String(text[text.index(after: close)...]).trimmingCharacters(in: .whitespaces), target: vm)
        }
        return NestError(.vmNotRunning, "VM '\(vm)': \(text)", target: vm)
    }

    /// An `error` reply with its category, which `send` turns back into the same error.
    static func errorReply(_ error: NestError) -> String { "error [\(error.category.rawValue)] \(error.message)" }

    /// Writes all of `bytes`; false when the other end went away. On a socket no SIGPIPE is raised for that (a client
    /// that gave up waiting must not end the VM's worker).
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { buffer in
                let sent = Glibc.send(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL))
                return sent < 0 && errno == ENOTSOCK ? write(fd, buffer.baseAddress, buffer.count) : sent
            }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    /// One line from `fd` (without the newline), or nil at end of file or error.
    static func readLine(_ fd: Int32, limit: Int = 1 << 20) -> String? {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while bytes.count < limit {
            let n = read(fd, &byte, 1)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self) }
            if byte == 0x0A { break }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Bytes as lowercase hexadecimal, and back.
    public static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
    static func bytes(fromHex text: Substring) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        for k in stride(from: 0, to: digits.count, by: 2) {
            guard let b = UInt8(String(decoding: digits[k..<k + 2], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(b)
        }
        return bytes
    }
}

/// The server side, owned by the process running the VM.
final class ControlServer {
    let fd: Int32
    let path: String

    /// Listens at `path` (replacing a stale socket left by a killed worker: the caller holds the VM's lock).
    init(path: String) throws(NestError) {
        guard var address = ControlChannel.address(path) else {
            throw NestError(.controlChannelFailed, "control socket path \(path) is too long; use a shorter --state-dir")
        }
        unlink(path)
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        self.path = path
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, bound == 0, listen(fd, 8) == 0 else {
            throw NestError(.controlChannelFailed, "cannot listen on \(path): \(String(cString: strerror(errno)))")
        }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// Serves the requests that arrive within `timeout` seconds (0: only those already waiting). `handle` returns
    /// the reply, or nil when it kept the client to reply later.
    func serve(timeout: Double, _ handle: (String, ControlClient) -> String?) {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, Int32(timeout * 1000)) > 0 else { return }
        while true {
            let client = accept(fd, nil, nil)
            guard client >= 0 else { return }
            var tv = timeval(tv_sec: 1, tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            let peer = ControlClient(fd: client)
            if let request = ControlChannel.readLine(client), let reply = handle(request, peer) { peer.reply(reply) }
        }
    }
}

/// A connected client of the control socket, answered once: at once, or later for a request the hypervisor
/// inside the VM answers. One dropped unanswered is told so.
final class ControlClient {
    let fd: Int32
    private var isAnswered = false

    init(fd: Int32) { self.fd = fd }

    func reply(_ line: String) {
        guard !isAnswered else { return }
        isAnswered = true
        _ = ControlChannel.writeAll(fd, Array((line + "\n").utf8))
        close(fd)
    }

    deinit { reply("error the request was not answered") }
}
