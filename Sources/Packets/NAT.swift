/// A NetNat's translation as WinNAT does it: packets from its internal prefix leave with the external address and
/// a port of the translator's choosing (an ICMP echo with an identifier of its choosing), each such flow kept in a
/// connection table until its timeout, and packets arriving at the external address are let in only when a
/// connection or a static mapping expects them. Filtering is address-dependent (RFC 4787): a connection lets in
/// packets from the address it was made to, from any of its ports. Times are in milliseconds of the caller's clock.
public struct NetworkAddressTranslator {
    /// The NetNat's settings: its internal prefix and its timeouts in seconds (the record's IcmpQueryTimeout,
    /// TcpEstablishedConnectionTimeout, TcpTransientConnectionTimeout and UdpIdleSessionTimeout).
    public struct Settings: Equatable {
        public var prefix: UInt32, prefixLength: Int
        public var icmpTimeout: UInt64 = 30, tcpEstablishedTimeout: UInt64 = 1800, tcpTransientTimeout: UInt64 = 120,
            udpTimeout: UInt64 = 120

        /// Settings for `prefix`/`prefixLength` with WinNAT's default timeouts.
        public init(prefix: UInt32, prefixLength: Int) {
            self.prefix = prefix
            self.prefixLength = prefixLength
        }

        /// Whether `address` is inside the internal prefix.
        public func covers(_ address: UInt32) -> Bool {
            let mask = prefixLength <= 0 ? 0 : ~UInt32(0) << UInt32(32 - min(prefixLength, 32))
            return address & mask == prefix & mask
        }
    }

    /// A static mapping (NetNatStaticMapping): packets of `protocol` to `externalAddress` (0: the external address,
    /// whatever it is) and `externalPort` go to `internalAddress`:`internalPort`.
    public struct StaticMapping: Equatable {
        public var `protocol`: UInt8, externalAddress: UInt32, externalPort: UInt16, internalAddress: UInt32, internalPort: UInt16

        /// A mapping as the record gives it.
        public init(protocol number: UInt8, externalAddress: UInt32, externalPort: UInt16, internalAddress: UInt32, internalPort: UInt16) {
            self.protocol = number
            self.externalAddress = externalAddress
            self.externalPort = externalPort
            self.internalAddress = internalAddress
            self.internalPort = internalPort
        }
    }

    /// A flow's key: protocol, one side's address and port, the other's.
    struct Flow: Hashable {
        var high: UInt64, low: UInt64
        init(_ number: UInt8, _ address: UInt32, _ port: UInt16, _ remote: UInt32, _ remotePort: UInt16) {
            high = UInt64(number) << 48 | UInt64(port) << 32 | UInt64(address)
            low = UInt64(remotePort) << 32 | UInt64(remote)
        }
    }

    struct Connection {
        var `protocol`: UInt8
        var internalAddress: UInt32, internalPort: UInt16
        var remoteAddress: UInt32, remotePort: UInt16
        var externalPort: UInt16
        var isStatic: Bool
        var expires: UInt64 = 0
        /// TCP: packets seen each way, and a FIN or RST seen (the transient timeout applies until both ways were
        /// seen, and again after).
        var outboundSeen = false, inboundSeen = false, closing = false
        /// Whether its slot holds it (a removed connection's slot waits for the next).
        var isLive = true

        /// The flow inside, as outbound packets name it.
        var insideFlow: Flow { Flow(`protocol`, internalAddress, internalPort, remoteAddress, remotePort) }
        /// The flow outside, as inbound packets name it (the external address left out: it is the caller's).
        var outsideFlow: Flow { Flow(`protocol`, 0, externalPort, remoteAddress, remotePort) }
    }

    /// The prefix and timeouts in force.
    public var settings: Settings
    /// The static mappings in force (`setMappings` changes them).
    public private(set) var mappings: [StaticMapping] = []
    /// The connections, in slots (`freeSlots` those a removed one left); each found by its inside flow, its
    /// outside flow, and a dynamic one also by protocol and external port (for address-dependent filtering).
    var slots: [Connection] = []
    var freeSlots: [Int] = []
    var inside: [Flow: Int] = [:]
    var outside: [Flow: Int] = [:]
    var dynamicPorts: [UInt32: Int] = [:]
    /// The slot each direction used last: a flow's packets come in runs, and comparing two words costs less than
    /// hashing them (minivisor translates every nested packet).
    var lastOutbound: (flow: Flow, slot: Int)? = nil, lastInbound: (flow: Flow, slot: Int)? = nil
    var nextPort: UInt16 = Self.firstDynamicPort
    var sweptAt: UInt64 = 0
    /// Packets dropped: for a full table, for no connection or mapping expecting them, for a protocol not translated.
    public private(set) var droppedTableFull = 0, droppedUnexpected = 0, droppedUnsupported = 0

    /// The most connections kept, and the ports dynamic connections take (IANA's dynamic range).
    public static let connectionLimit = 4096
    static let firstDynamicPort: UInt16 = 49152

    /// A translator with `settings` and no connections.
    public init(settings: Settings) { self.settings = settings }

    /// Connections in the table.
    public var connectionCount: Int { inside.count }

    /// Where a packet's translated port is: TCP and UDP source (0) or destination (2) port, an ICMP echo's
    /// identifier (4 for both); nil for what is not translated.
    static func portOffset(_ packet: IPv4Packet, source: Bool) -> Int? {
        let headerEnd = packet.headerBytes
        switch packet.protocol {
        case IPProtocol.tcp where packet.bytes.count >= headerEnd + 20: return source ? 0 : 2
        case IPProtocol.udp where packet.bytes.count >= headerEnd + 8: return source ? 0 : 2
        case IPProtocol.icmp where packet.bytes.count >= headerEnd + 8:
            let type = packet.bytes[headerEnd]
            return type == ICMPMessage.echoRequest || type == ICMPMessage.echoReply ? 4 : nil
        default: return nil
        }
    }

    /// The other side's port of an outbound (`destination`) or inbound (source) packet; an ICMP echo has none.
    static func remotePort(_ packet: IPv4Packet, outbound: Bool) -> UInt16 {
        guard packet.protocol != IPProtocol.icmp else { return 0 }
        return packet.bytes.be16(packet.headerBytes + (outbound ? 2 : 0))
    }

    /// Translates a packet from inside (its source covered by the prefix) to leave from `external`: source
    /// address and port rewritten, the connection made or refreshed. false when it is to be dropped.
    public mutating func outbound(_ packet: inout IPv4Packet, external: UInt32, now: UInt64) -> Bool {
        sweep(now)
        guard let offset = Self.portOffset(packet, source: true) else {
            droppedUnsupported += 1
            return false
        }
        let port = packet.bytes.be16(packet.headerBytes + offset)
        let remote = packet.destination, remotePort = Self.remotePort(packet, outbound: true)
        let flow = Flow(packet.protocol, packet.source, port, remote, remotePort)
        var found: Int? = nil
        if let last = lastOutbound, last.flow == flow, slots[last.slot].isLive, slots[last.slot].insideFlow == flow {
            found = last.slot
        } else {
            found = inside[flow]
        }
        if found == nil {
            let mapped = mappings.first {
                $0.protocol == packet.protocol && $0.internalAddress == packet.source && $0.internalPort == port
                    && ($0.externalAddress == 0 || $0.externalAddress == external)
            }
            guard connectionCount < Self.connectionLimit, let externalPort = mapped?.externalPort ?? takePort(packet.protocol) else {
                droppedTableFull += 1
                return false
            }
            found = add(
                Connection(
                    protocol: packet.protocol, internalAddress: packet.source, internalPort: port, remoteAddress: remote,
                    remotePort: remotePort, externalPort: externalPort, isStatic: mapped != nil))
        }
        guard let slot = found else { return false }
        lastOutbound = (flow, slot)
        slots[slot].outboundSeen = true
        refresh(slot, packet, now: now)
        packet.rewrite(source: external)
        let externalPort = slots[slot].externalPort
        if externalPort != port { packet.rewritePort(at: offset, to: externalPort) }
        return true
    }

    /// Translates a packet that arrived at `external` for inside: destination address and port rewritten to the
    /// connection's or the static mapping's. false when nothing expects it (or it is not translated).
    public mutating func inbound(_ packet: inout IPv4Packet, external: UInt32, now: UInt64) -> Bool {
        sweep(now)
        guard let offset = Self.portOffset(packet, source: false) else {
            droppedUnsupported += 1
            return false
        }
        let icmp = packet.protocol == IPProtocol.icmp
        let port = packet.bytes.be16(packet.headerBytes + offset)
        let remote = packet.source, remotePort = Self.remotePort(packet, outbound: false)
        let key = Flow(packet.protocol, 0, port, remote, remotePort)
        var found: Int? = nil
        if let last = lastInbound, last.flow == key, slots[last.slot].isLive, slots[last.slot].outsideFlow == key {
            found = last.slot
        } else {
            found = outside[key]
        }
        if found == nil, let dynamic = dynamicPorts[UInt32(packet.protocol) << 16 | UInt32(port)], slots[dynamic].remoteAddress == remote {
            found = dynamic  // address-dependent filtering: the address the connection was made to, any port
        }
        if found == nil, !icmp,
            let mapping = mappings.first(where: {
                $0.protocol == packet.protocol && $0.externalPort == port && ($0.externalAddress == 0 || $0.externalAddress == external)
            })
        {
            let flow = Flow(packet.protocol, mapping.internalAddress, mapping.internalPort, remote, remotePort)
            if let existing = inside[flow] {
                found = existing
            } else {
                guard connectionCount < Self.connectionLimit else {
                    droppedTableFull += 1
                    return false
                }
                found = add(
                    Connection(
                        protocol: packet.protocol, internalAddress: mapping.internalAddress, internalPort: mapping.internalPort,
                        remoteAddress: remote, remotePort: remotePort, externalPort: port, isStatic: true))
            }
        }
        guard let slot = found else {
            droppedUnexpected += 1
            return false
        }
        if slots[slot].outsideFlow == key { lastInbound = (key, slot) }
        slots[slot].inboundSeen = true
        refresh(slot, packet, now: now)
        packet.rewrite(destination: slots[slot].internalAddress)
        let internalPort = slots[slot].internalPort
        if internalPort != port { packet.rewritePort(at: offset, to: internalPort) }
        return true
    }

    /// Puts `connection` in a slot and its indexes; its slot.
    mutating func add(_ connection: Connection) -> Int {
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            slots[slot] = connection
        } else {
            slot = slots.count
            slots.append(connection)
        }
        inside[connection.insideFlow] = slot
        outside[connection.outsideFlow] = slot
        if !connection.isStatic { dynamicPorts[UInt32(connection.protocol) << 16 | UInt32(connection.externalPort)] = slot }
        return slot
    }

    /// The timeout of the connection in `slot` from now, after `packet` went through it.
    mutating func refresh(_ slot: Int, _ packet: IPv4Packet, now: UInt64) {
        var seconds: UInt64
        switch slots[slot].protocol {
        case IPProtocol.icmp: seconds = settings.icmpTimeout
        case IPProtocol.udp: seconds = settings.udpTimeout
        default:
            let flags = packet.bytes[packet.headerBytes + 13]
            if flags & (TCPSegment.Flag.fin | TCPSegment.Flag.rst) != 0 { slots[slot].closing = true }
            let c = slots[slot]
            seconds = c.outboundSeen && c.inboundSeen && !c.closing ? settings.tcpEstablishedTimeout : settings.tcpTransientTimeout
        }
        slots[slot].expires = now &+ seconds * 1000
    }

    /// A free external port for a dynamic connection of `protocol` (one no static mapping holds), or nil.
    mutating func takePort(_ number: UInt8) -> UInt16? {
        for _ in 0..<(65536 - Int(Self.firstDynamicPort)) {
            let port = nextPort
            nextPort = nextPort == 65535 ? Self.firstDynamicPort : nextPort + 1
            if dynamicPorts[UInt32(number) << 16 | UInt32(port)] == nil
                && !mappings.contains(where: { $0.protocol == number && $0.externalPort == port })
            {
                return port
            }
        }
        return nil
    }

    /// Drops the connections whose time ran out, at most once a second.
    mutating func sweep(_ now: UInt64) {
        guard now >= sweptAt &+ 1000 || now < sweptAt else { return }
        sweptAt = now
        for slot in slots.indices where slots[slot].isLive && slots[slot].expires <= now { remove(slot) }
    }

    mutating func remove(_ slot: Int) {
        let connection = slots[slot]
        if inside[connection.insideFlow] == slot { inside[connection.insideFlow] = nil }
        if outside[connection.outsideFlow] == slot { outside[connection.outsideFlow] = nil }
        let port = UInt32(connection.protocol) << 16 | UInt32(connection.externalPort)
        if dynamicPorts[port] == slot { dynamicPorts[port] = nil }
        slots[slot].isLive = false
        freeSlots.append(slot)
    }

    /// Takes new mappings; connections a removed mapping made go.
    public mutating func setMappings(_ new: [StaticMapping]) {
        guard new != mappings else { return }
        mappings = new
        for slot in slots.indices where slots[slot].isLive && slots[slot].isStatic {
            let c = slots[slot]
            let kept = new.contains {
                $0.protocol == c.protocol && $0.externalPort == c.externalPort && $0.internalAddress == c.internalAddress
                    && $0.internalPort == c.internalPort
            }
            if !kept { remove(slot) }
        }
    }
}
