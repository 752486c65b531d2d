import CSlirp
import Foundation
import NestStore
import Packets

/// An internal switch's host adapter without root: libslirp (QEMU's user-mode networking) at the adapter's
/// address on the switch. Guests' connections to that address reach the host's loopback services; with a NetNat
/// covering the subnet, connections to other addresses leave through the host's own sockets (slirp is the NAT),
/// and without one they are dropped here, before slirp sees them. The NAT's static mappings become slirp's host
/// forwards: a host address and port listened on, forwarded to a guest's. DHCP and DNS stay off: guests are given
/// their addresses.
final class SlirpHost {
    /// The address slirp answers for, its subnet, and whether a NetNat covers it.
    let address: HostAdapterSettings.HostAddress
    private(set) var isTranslated: Bool
    private var slirp: OpaquePointer?
    /// Frames slirp sends to the guests (into the switch).
    var output: ([UInt8]) -> Void = { _ in }
    /// Host forwards in place.
    private(set) var forwards: Set<HostAdapterSettings.PortMapping> = []
    /// Diagnostics (a mapping whose port is taken), for the switch's log.
    var diagnostics: [String] = []

    final class Timer {
        let callback: SlirpTimerCb
        let opaque: UnsafeMutableRawPointer?
        var expiresAt: Int64 = -1  // ms; -1: not armed
        init(callback: @escaping SlirpTimerCb, opaque: UnsafeMutableRawPointer?) {
            self.callback = callback
            self.opaque = opaque
        }
    }
    private var timers: [Timer] = []
    /// The pollfds slirp asked for in the last `fillPoll`, as indices into the caller's array.
    private var pollBase = 0
    private var polled: [pollfd] = []

    /// Slirp at `address`; nil when libslirp refuses the configuration.
    init?(address: HostAdapterSettings.HostAddress, translated: Bool) {
        self.address = address
        isTranslated = translated
        let prefix = address.prefix
        var config = SlirpConfig()
        config.version = 4
        config.restricted = 0
        config.in_enabled = true
        config.vnetwork = in_addr(s_addr: prefix.network.value.bigEndian)
        config.vnetmask = in_addr(s_addr: IPv4Prefix.mask(prefix.length).bigEndian)
        config.vhost = in_addr(s_addr: address.address.value.bigEndian)
        // DHCP and DNS are off, but slirp wants their addresses inside the subnet.
        let spare = prefix.network.value &+ (prefix.length >= 31 ? 0 : 2)
        config.vdhcp_start = in_addr(s_addr: (spare == address.address.value ? spare &+ 1 : spare).bigEndian)
        config.vnameserver = in_addr(s_addr: (spare == address.address.value ? spare &+ 1 : spare).bigEndian)
        config.in6_enabled = false
        config.disable_dns = true
        config.disable_dhcp = true
        config.if_mtu = 1500
        config.if_mru = 1500
        let opaque = Unmanaged.passUnretained(self).toOpaque()
        slirp = withUnsafePointer(to: &config) { config in
            withUnsafePointer(to: &SlirpHost.callbacks) { callbacks in slirp_new(config, callbacks, opaque) }
        }
        guard slirp != nil else { return nil }
    }

    deinit { if let slirp { slirp_cleanup(slirp) } }

    /// A frame from the switch for the host adapter.
    func input(_ frame: EthernetFrame) {
        guard let slirp, admits(frame) else { return }
        frame.bytes.withUnsafeBufferPointer { slirp_input(slirp, $0.baseAddress, Int32($0.count)) }
    }

    /// Without a NetNat, only traffic for the adapter's own address (and ARP) reaches slirp: nothing leaves the host.
    func admits(_ frame: EthernetFrame) -> Bool {
        guard !isTranslated, frame.etherType == EtherType.ipv4 else { return true }
        guard let packet = IPv4Packet(frame.payload) else { return false }
        return packet.destination == address.address.value || packet.destination == 0xFFFF_FFFF
            || packet.destination == address.prefix.broadcast.value
    }

    /// Follows the store: whether a NetNat covers the subnet, and the static mappings into it.
    func apply(translated: Bool, mappings: [HostAdapterSettings.PortMapping]) {
        isTranslated = translated
        guard let slirp else { return }
        let wanted = Set(mappings.filter { address.prefix.contains($0.internalAddress) })
        for gone in forwards.subtracting(wanted) {
            _ = slirp_remove_hostfwd(
                slirp, gone.isUDP ? 1 : 0, in_addr(s_addr: gone.externalAddress.value.bigEndian), Int32(gone.externalPort))
            forwards.remove(gone)
        }
        for new in wanted.subtracting(forwards) {
            let added = slirp_add_hostfwd(
                slirp, new.isUDP ? 1 : 0, in_addr(s_addr: new.externalAddress.value.bigEndian), Int32(new.externalPort),
                in_addr(s_addr: new.internalAddress.value.bigEndian), Int32(new.internalPort))
            if added == 0 {
                forwards.insert(new)
            } else {
                diagnostics.append(
                    "cannot listen on \(new.externalAddress):\(new.externalPort) for the mapping to \(new.internalAddress):\(new.internalPort) (the port is taken?)"
                )
            }
        }
    }

    /// Adds slirp's descriptors to `fds`; returns the longest wait in milliseconds slirp allows (its timers too).
    func fillPoll(_ fds: inout [pollfd], timeout: Int32) -> Int32 {
        guard let slirp else { return timeout }
        pollBase = fds.count
        polled = []
        var wait = UInt32(max(0, timeout))
        slirp_pollfds_fill(slirp, &wait, SlirpHost.addPoll, Unmanaged.passUnretained(self).toOpaque())
        fds += polled
        let now = Self.milliseconds()
        for timer in timers where timer.expiresAt >= 0 { wait = min(wait, UInt32(max(0, timer.expiresAt - now))) }
        return Int32(wait)
    }

    /// Tells slirp what the poll found (`fds` as `fillPoll` left them, with the results), and runs due timers.
    func handlePoll(_ fds: [pollfd], failed: Bool) {
        guard let slirp else { return }
        polled = Array(fds[pollBase..<min(fds.count, pollBase + polled.count)])
        slirp_pollfds_poll(slirp, failed ? 1 : 0, SlirpHost.revents, Unmanaged.passUnretained(self).toOpaque())
        let now = Self.milliseconds()
        for timer in timers where timer.expiresAt >= 0 && timer.expiresAt <= now {
            timer.expiresAt = -1
            timer.callback(timer.opaque)
        }
    }

    static func milliseconds() -> Int64 { Int64(DispatchTime.now().uptimeNanoseconds / 1_000_000) }

    static func host(_ opaque: UnsafeMutableRawPointer?) -> SlirpHost { Unmanaged<SlirpHost>.fromOpaque(opaque!).takeUnretainedValue() }

    static let addPoll: SlirpAddPollCb = { fd, events, opaque in
        let host = SlirpHost.host(opaque)
        var wanted: Int16 = 0
        if events & Int32(SLIRP_POLL_IN) != 0 { wanted |= Int16(POLLIN) }
        if events & Int32(SLIRP_POLL_OUT) != 0 { wanted |= Int16(POLLOUT) }
        if events & Int32(SLIRP_POLL_PRI) != 0 { wanted |= Int16(POLLPRI) }
        host.polled.append(pollfd(fd: fd, events: wanted, revents: 0))
        return Int32(host.polled.count - 1)
    }

    static let revents: SlirpGetREventsCb = { index, opaque in
        let host = SlirpHost.host(opaque)
        guard index >= 0, Int(index) < host.polled.count else { return 0 }
        let r = host.polled[Int(index)].revents
        var events: Int32 = 0
        if r & Int16(POLLIN) != 0 { events |= Int32(SLIRP_POLL_IN) }
        if r & Int16(POLLOUT) != 0 { events |= Int32(SLIRP_POLL_OUT) }
        if r & Int16(POLLPRI) != 0 { events |= Int32(SLIRP_POLL_PRI) }
        if r & Int16(POLLERR) != 0 { events |= Int32(SLIRP_POLL_ERR) }
        if r & Int16(POLLHUP) != 0 { events |= Int32(SLIRP_POLL_HUP) }
        return events
    }

    nonisolated(unsafe) static var callbacks: SlirpCb = {
        var cb = SlirpCb()
        cb.send_packet = { buffer, length, opaque in
            guard let buffer else { return -1 }
            let frame = Array(UnsafeRawBufferPointer(start: buffer, count: length))
            SlirpHost.host(opaque).output(frame)
            return length
        }
        cb.guest_error = { message, opaque in
            if let message { SlirpHost.host(opaque).diagnostics.append("host adapter: " + String(cString: message)) }
        }
        cb.clock_get_ns = { _ in Int64(DispatchTime.now().uptimeNanoseconds) }
        cb.timer_new = { callback, callbackOpaque, opaque in
            let timer = Timer(callback: callback!, opaque: callbackOpaque)
            SlirpHost.host(opaque).timers.append(timer)
            return Unmanaged.passUnretained(timer).toOpaque()
        }
        cb.timer_free = { timer, opaque in
            guard let timer else { return }
            let host = SlirpHost.host(opaque)
            host.timers.removeAll { Unmanaged.passUnretained($0).toOpaque() == timer }
        }
        cb.timer_mod = { timer, expires, _ in
            guard let timer else { return }
            Unmanaged<Timer>.fromOpaque(timer).takeUnretainedValue().expiresAt = expires
        }
        cb.register_poll_fd = { _, _ in }
        cb.unregister_poll_fd = { _, _ in }
        cb.notify = { _ in }
        return cb
    }()
}
