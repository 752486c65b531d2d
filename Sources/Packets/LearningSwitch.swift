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
///
/// A switch has a handful of ports, so they are an array searched in order: a dictionary's hashing and its
/// in-place update of a counter cost more per frame than the frame's own work in a guest (minivisor runs this
/// for every nested frame).
public struct LearningSwitch {
    /// The most addresses learned; beyond it the oldest is forgotten (a VM sending from random addresses cannot
    /// grow the table without bound).
    public static let tableLimit = 1024

    struct Port {
        var number: Int
        var policy: PortPolicy
        var counters = PortCounters()
    }
    /// The ports, ascending by number.
    var portList: [Port] = []
    var table: [EthernetAddress: Int] = [:]
    var learnedOrder: [EthernetAddress] = []
    /// The two addresses learned last and their ports, newest first: a flow's frames repeat them each way, and
    /// two comparisons cost less than hashing (minivisor switches every nested frame).
    var recent: [(address: EthernetAddress, port: Int)] = []

    /// An empty switch.
    public init() {}

    /// The ports, ascending.
    public var ports: [Int] { portList.map { $0.number } }

    func index(_ port: Int) -> Int? {
        for k in portList.indices where portList[k].number == port { return k }
        return nil
    }

    /// Adds port `port` or changes its policy (settings change while VMs run).
    public mutating func setPort(_ port: Int, _ policy: PortPolicy) {
        if let k = index(port) {
            if portList[k].policy != policy {
                forget(port)
                portList[k].policy = policy
            }
        } else {
            let at = portList.firstIndex { $0.number > port } ?? portList.count
            portList.insert(Port(number: port, policy: policy), at: at)
        }
    }

    /// Removes a port and what was learned behind it.
    public mutating func removePort(_ port: Int) {
        portList.removeAll { $0.number == port }
        forget(port)
    }

    /// The policy of `port`.
    public func policy(_ port: Int) -> PortPolicy? { index(port).map { portList[$0].policy } }

    /// The counters of `port`.
    public func counters(_ port: Int) -> PortCounters? { index(port).map { portList[$0].counters } }

    /// Counts a frame for `port` dropped because its queue was full.
    public mutating func countQueueDrop(_ port: Int) {
        if let k = index(port) { portList[k].counters.droppedByQueueLimit &+= 1 }
    }

    /// The ports `frame` from `port` goes to (not `port` itself); empty when the port's policy dropped it.
    public mutating func forward(_ frame: EthernetFrame, from port: Int) -> [Int] {
        guard let k = index(port) else { return [] }
        let policy = portList[k].policy, length = UInt64(frame.bytes.count)
        portList[k].counters.framesSent &+= 1
        portList[k].counters.bytesSent &+= length
        let source = frame.source
        if !policy.macAddressSpoofing && source != policy.mac {
            portList[k].counters.droppedByMacAddressSpoofing &+= 1
            return []
        }
        switch FrameKind(frame) {
        case .dhcpServer where policy.dhcpGuard:
            portList[k].counters.droppedByDhcpGuard &+= 1
            return []
        case .routerMessage where policy.routerGuard:
            portList[k].counters.droppedByRouterGuard &+= 1
            return []
        default: break
        }
        if !source.isMulticast { learn(source, port) }
        let destination = frame.destination
        var targets: [Int] = []
        if !destination.isMulticast, let known = lookup(destination) {
            if known != port, let t = index(known), takes(portList[t].policy, destination) {
                portList[t].counters.framesReceived &+= 1
                portList[t].counters.bytesReceived &+= length
                targets.append(known)
            }
        } else {
            for t in portList.indices where portList[t].number != port && takes(portList[t].policy, destination) {
                portList[t].counters.framesReceived &+= 1
                portList[t].counters.bytesReceived &+= length
                targets.append(portList[t].number)
            }
        }
        return targets
    }

    /// Whether a port with `policy` is given frames for `destination`: groups always; unicast for its own
    /// address, or any with MAC address spoofing on.
    func takes(_ policy: PortPolicy, _ destination: EthernetAddress) -> Bool {
        destination.isMulticast || policy.macAddressSpoofing || destination == policy.mac
    }

    /// Takes back a delivery `forward` counted for `port` that could not be made (its queue was full).
    public mutating func undeliver(_ frame: EthernetFrame, to port: Int) {
        guard let k = index(port) else { return }
        portList[k].counters.framesReceived &-= 1
        portList[k].counters.bytesReceived &-= UInt64(frame.bytes.count)
        portList[k].counters.droppedByQueueLimit &+= 1
    }

    /// The port `address` was learned behind.
    func lookup(_ address: EthernetAddress) -> Int? {
        for entry in recent where entry.address == address { return entry.port }
        return table[address]
    }

    mutating func learn(_ address: EthernetAddress, _ port: Int) {
        if let k = recent.firstIndex(where: { $0.address == address && $0.port == port }) {
            if k != 0 { recent.swapAt(0, k) }
            return
        }
        if table[address] == nil {
            if learnedOrder.count >= Self.tableLimit {
                let oldest = learnedOrder.removeFirst()
                table[oldest] = nil
                recent.removeAll { $0.address == oldest }
            }
            learnedOrder.append(address)
        }
        table[address] = port
        recent.removeAll { $0.address == address }
        recent.insert((address, port), at: 0)
        if recent.count > 2 { recent.removeLast() }
    }

    mutating func forget(_ port: Int) {
        learnedOrder.removeAll { table[$0] == port }
        table = table.filter { $0.value != port }
        recent.removeAll()
    }
}
