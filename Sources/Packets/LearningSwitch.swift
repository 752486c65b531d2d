/// What a switch port applies to the frames of the VM adapter behind it, as Hyper-V's port settings do.
public struct PortPolicy: Equatable {
    /// The adapter's own address.
    public var mac: EthernetAddress
    /// `MacAddressSpoofing` On: the VM may send from other addresses (a nested VM's, bridged by its hypervisor)
    /// and receives frames for them. Off: frames from another source are dropped, and frames for other unicast
    /// addresses are not delivered to it.
    public var macAddressSpoofing: Bool
    /// `DhcpGuard` On: DHCP server messages from the VM are dropped.
    public var dhcpGuard: Bool
    /// `RouterGuard` On: router advertisements and redirects from the VM are dropped.
    public var routerGuard: Bool

    /// A policy with these settings.
    public init(mac: EthernetAddress, macAddressSpoofing: Bool = false, dhcpGuard: Bool = false, routerGuard: Bool = false) {
        self.mac = mac
        self.macAddressSpoofing = macAddressSpoofing
        self.dhcpGuard = dhcpGuard
        self.routerGuard = routerGuard
    }
}

/// A port's counters, from the VM's side: what it sent into the switch and what the switch delivered to it,
/// and the frames dropped and why.
public struct PortCounters: Equatable {
    /// Frames and bytes the VM sent (whatever became of them) and received.
    public var framesSent: UInt64 = 0, bytesSent: UInt64 = 0, framesReceived: UInt64 = 0, bytesReceived: UInt64 = 0
    /// Frames the VM sent that its port's settings dropped.
    public var droppedByMacAddressSpoofing: UInt64 = 0, droppedByDhcpGuard: UInt64 = 0, droppedByRouterGuard: UInt64 = 0
    /// Frames for the VM dropped because too many already waited for it.
    public var droppedByQueueLimit: UInt64 = 0

    /// No counts yet.
    public init() {}
}

/// What kind of control traffic a frame carries, for the guards.
public enum FrameKind {
    /// A DHCP server message: IPv4 UDP from port 67 to 68, or DHCPv6 from port 547.
    case dhcpServer
    /// A router advertisement or a redirect: ICMP types 9 and 5, ICMPv6 types 134 and 137.
    case routerMessage
    /// Anything else.
    case other

    /// The kind of `frame` (IPv6 is looked at without extension headers).
    public init(_ frame: EthernetFrame) {
        let b = frame.bytes, ip = EthernetFrame.headerBytes
        switch frame.etherType {
        case EtherType.ipv4 where b.count >= ip + 20:
            let transport = ip + Int(b[ip] & 0x0F) * 4
            guard b.count >= transport + 4, b.be16(ip + 6) & 0x1FFF == 0 else { self = .other; return }
            switch b[ip + 9] {
            case IPProtocol.udp where b.be16(transport) == 67 && b.be16(transport + 2) == 68: self = .dhcpServer
            case IPProtocol.icmp where b[transport] == ICMPMessage.routerAdvertisement || b[transport] == ICMPMessage.redirect:
                self = .routerMessage
            default: self = .other
            }
        case EtherType.ipv6 where b.count >= ip + 44:
            let transport = ip + 40
            switch b[ip + 6] {
            case IPProtocol.udp where b.be16(transport) == 547: self = .dhcpServer
            case IPProtocol.icmpv6 where b[transport] == 134 || b[transport] == 137: self = .routerMessage
            default: self = .other
            }
        default: self = .other
        }
    }
}

/// The forwarding core of an Ethernet switch: it learns which port each source address is behind, applies
/// each port's policy on the way in and out, and counts. Frames to a known unicast address go to its port;
/// broadcasts, multicasts and unknown destinations go to every other port that takes them. Ports are numbers the
/// owner gives (a worker's connection at L0, a nested VM's adapter in minivisor).
public struct LearningSwitch {
    /// The most addresses learned; beyond it the oldest is forgotten (a VM sending from random addresses cannot
    /// grow the table without bound).
    public static let tableLimit = 1024

    var policies: [Int: PortPolicy] = [:]
    /// The counters of each port.
    public private(set) var counters: [Int: PortCounters] = [:]
    var table: [EthernetAddress: Int] = [:]
    var learnedOrder: [EthernetAddress] = []

    /// An empty switch.
    public init() {}

    /// The ports, ascending.
    public var ports: [Int] { policies.keys.sorted() }

    /// Adds port `port` or changes its policy (settings change while VMs run).
    public mutating func setPort(_ port: Int, _ policy: PortPolicy) {
        if policies[port] != policy { forget(port) }
        policies[port] = policy
        if counters[port] == nil { counters[port] = PortCounters() }
    }

    /// Removes a port and what was learned behind it.
    public mutating func removePort(_ port: Int) {
        policies[port] = nil
        counters[port] = nil
        forget(port)
    }

    /// The policy of `port`.
    public func policy(_ port: Int) -> PortPolicy? { policies[port] }

    /// Counts a frame for `port` dropped because its queue was full.
    public mutating func countQueueDrop(_ port: Int) { counters[port]?.droppedByQueueLimit &+= 1 }

    /// The ports `frame` from `port` goes to (not `port` itself); empty when the port's policy dropped it.
    public mutating func forward(_ frame: EthernetFrame, from port: Int) -> [Int] {
        guard let policy = policies[port] else { return [] }
        counters[port]?.framesSent &+= 1
        counters[port]?.bytesSent &+= UInt64(frame.bytes.count)
        let source = frame.source
        if !policy.macAddressSpoofing && source != policy.mac {
            counters[port]?.droppedByMacAddressSpoofing &+= 1
            return []
        }
        switch FrameKind(frame) {
        case .dhcpServer where policy.dhcpGuard:
            counters[port]?.droppedByDhcpGuard &+= 1
            return []
        case .routerMessage where policy.routerGuard:
            counters[port]?.droppedByRouterGuard &+= 1
            return []
        default: break
        }
        if !source.isMulticast { learn(source, port) }
        let destination = frame.destination
        let targets: [Int]
        if !destination.isMulticast, let known = table[destination] {
            targets = known != port && takes(known, destination) ? [known] : []
        } else {
            targets = ports.filter { $0 != port && takes($0, destination) }
        }
        for t in targets {
            counters[t]?.framesReceived &+= 1
            counters[t]?.bytesReceived &+= UInt64(frame.bytes.count)
        }
        return targets
    }

    /// Whether `port` is given frames for `destination`: groups always; unicast for its own address, or any with
    /// MAC address spoofing on.
    func takes(_ port: Int, _ destination: EthernetAddress) -> Bool {
        guard let policy = policies[port] else { return false }
        return destination.isMulticast || policy.macAddressSpoofing || destination == policy.mac
    }

    /// Takes back a delivery `forward` counted for `port` that could not be made (its queue was full).
    public mutating func undeliver(_ frame: EthernetFrame, to port: Int) {
        counters[port]?.framesReceived &-= 1
        counters[port]?.bytesReceived &-= UInt64(frame.bytes.count)
        countQueueDrop(port)
    }

    mutating func learn(_ address: EthernetAddress, _ port: Int) {
        if table[address] == nil {
            if learnedOrder.count >= Self.tableLimit { table[learnedOrder.removeFirst()] = nil }
            learnedOrder.append(address)
        }
        table[address] = port
    }

    mutating func forget(_ port: Int) {
        learnedOrder.removeAll { table[$0] == port }
        table = table.filter { $0.value != port }
    }
}
