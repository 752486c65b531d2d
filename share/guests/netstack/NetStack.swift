/// A guest's network stack over one virtio-net adapter: ARP (RFC 826) with a cache and a queue for packets that
/// wait for an answer, IPv4 (RFC 791) to the local network or through a gateway, ICMP echo (RFC 792) answered and
/// sent, UDP (RFC 768) ports, and TCP (`TCP`). It is driven by polling: `poll` handles what arrived and the
/// timers, `wait` halts until a frame or the next timer tick. Time is the TSC (nestvm's 1 GHz machine time).
public final class NetStack {
    /// The adapter.
    public let device: NetDevice
    /// This station's MAC address.
    public let mac: EthernetAddress
    /// This station's address, its prefix length and the gateway (0: none).
    public let address: UInt32, prefixLength: Int, gateway: UInt32
    var arpCache: [UInt32: EthernetAddress] = [:]
    /// Packets waiting for an ARP answer: the next hop, the packet, and when the last request went.
    var arpWaiting: [(hop: UInt32, packet: [UInt8], askedAt: UInt64, tries: Int)] = []
    var identification: UInt16 = 1
    /// Echo replies received, oldest first.
    public var echoReplies: [(source: UInt32, identifier: UInt16, sequence: UInt16, ttl: UInt8, at: UInt64)] = []
    var udpQueues: [UInt16: [(source: UInt32, port: UInt16, payload: [UInt8])]] = [:]
    /// The TCP connections and listeners.
    public let tcp = TCP()
    /// Frames received that were not for this station or failed a check.
    public var ignored = 0

    /// Datagrams a UDP port keeps before dropping further ones, and ARP requests before a packet is given up.
    static let udpQueueLimit = 64, arpTries = 3

    /// A stack on `device` with this configuration.
    public init(device: NetDevice, address: UInt32, prefixLength: Int, gateway: UInt32) {
        self.device = device
        mac = device.mac
        self.address = address
        self.prefixLength = prefixLength
        self.gateway = gateway
    }

    /// Machine time in milliseconds and microseconds.
    public static var milliseconds: UInt64 { nv_rdtsc() / 1_000_000 }
    public static var microseconds: UInt64 { nv_rdtsc() / 1_000 }

    var netmask: UInt32 { prefixLength == 0 ? 0 : ~UInt32(0) << UInt32(32 - prefixLength) }

    /// Handles every frame that arrived, then the timers (ARP retries, TCP retransmission).
    public func poll() {
        while let frame = device.receive() { handle(frame) }
        let now = Self.milliseconds
        var k = 0
        while k < arpWaiting.count {
            if now >= arpWaiting[k].askedAt + 1000 {
                if arpWaiting[k].tries >= Self.arpTries {
                    arpWaiting.remove(at: k)
                    continue
                }
                arpWaiting[k].tries += 1
                arpWaiting[k].askedAt = now
                requestARP(arpWaiting[k].hop)
            }
            k += 1
        }
        tcp.tick(self, now: now)
    }

    /// Halts until a frame arrives or the timer ticks (interrupts are let in only for the halt).
    public func wait() {
        nv_disable_interrupts()
        if !device.hasReceived { nv_halt_until_interrupt() }
    }

    func handle(_ bytes: [UInt8]) {
        guard let frame = EthernetFrame(bytes), frame.destination == mac || frame.destination == .broadcast else {
            ignored += 1
            return
        }
        switch frame.etherType {
        case EtherType.arp: handleARP(frame.payload)
        case EtherType.ipv4: handleIPv4(frame.payload)
        default: ignored += 1
        }
    }

    func handleARP(_ payload: [UInt8]) {
        guard let arp = ARPPacket(payload), arp.targetIP == address else { return }
        learn(arp.senderIP, arp.senderMAC)
        if arp.operation == ARPPacket.request {
            let reply = ARPPacket(operation: ARPPacket.reply, senderMAC: mac, senderIP: address, targetMAC: arp.senderMAC, targetIP: arp.senderIP)
            device.send(EthernetFrame(destination: arp.senderMAC, source: mac, etherType: EtherType.arp, payload: reply.bytes).bytes)
        }
    }

    /// Remembers `ip` at `hardware` and sends what waited for it.
    func learn(_ ip: UInt32, _ hardware: EthernetAddress) {
        arpCache[ip] = hardware
        let ready = arpWaiting.filter { $0.hop == ip }
        arpWaiting.removeAll { $0.hop == ip }
        for waiting in ready {
            device.send(EthernetFrame(destination: hardware, source: mac, etherType: EtherType.ipv4, payload: waiting.packet).bytes)
        }
    }

    func requestARP(_ ip: UInt32) {
        let request = ARPPacket(
            operation: ARPPacket.request, senderMAC: mac, senderIP: address, targetMAC: EthernetAddress(bits: 0), targetIP: ip)
        device.send(EthernetFrame(destination: .broadcast, source: mac, etherType: EtherType.arp, payload: request.bytes).bytes)
    }

    func handleIPv4(_ payload: [UInt8]) {
        guard let packet = IPv4Packet(payload), packet.destination == address || packet.destination == 0xFFFF_FFFF else {
            ignored += 1
            return
        }
        switch packet.protocol {
        case IPProtocol.icmp:
            guard let message = ICMPMessage(packet.payload) else { return }
            if message.type == ICMPMessage.echoRequest && message.code == 0 {
                let reply = ICMPMessage(type: ICMPMessage.echoReply, identifier: message.identifier, sequence: message.sequence, data: message.data)
                send(to: packet.source, protocol: IPProtocol.icmp, reply.bytes)
            } else if message.type == ICMPMessage.echoReply {
                if echoReplies.count < 256 {
                    echoReplies.append((packet.source, message.identifier, message.sequence, packet.ttl, Self.microseconds))
                }
            }
        case IPProtocol.udp:
            guard let datagram = UDPDatagram(packet), var queue = udpQueues[datagram.destinationPort] else { return }
            if queue.count < Self.udpQueueLimit { queue.append((packet.source, datagram.sourcePort, datagram.payload)) }
            udpQueues[datagram.destinationPort] = queue
        case IPProtocol.tcp:
            guard let segment = TCPSegment(packet) else { return }
            tcp.arrived(segment, from: packet.source, stack: self)
        default:
            ignored += 1
        }
    }

    /// Sends an IPv4 packet of `protocol` to `destination`: straight to it on the local network, else through the
    /// gateway (dropped without one); ARP first when the next hop's address is not known.
    public func send(to destination: UInt32, protocol number: UInt8, _ payload: [UInt8]) {
        identification &+= 1
        let packet = IPv4Packet(source: address, destination: destination, protocol: number, payload: payload, identification: identification)
        if destination == 0xFFFF_FFFF {
            device.send(EthernetFrame(destination: .broadcast, source: mac, etherType: EtherType.ipv4, payload: packet.bytes).bytes)
            return
        }
        let local = destination & netmask == address & netmask
        guard local || gateway != 0 else { return }
        let hop = local ? destination : gateway
        if let hardware = arpCache[hop] {
            device.send(EthernetFrame(destination: hardware, source: mac, etherType: EtherType.ipv4, payload: packet.bytes).bytes)
        } else {
            let asked = arpWaiting.contains { $0.hop == hop }
            if arpWaiting.count < 64 { arpWaiting.append((hop, packet.bytes, Self.milliseconds, 1)) }
            if !asked { requestARP(hop) }
        }
    }

    /// Sends an ICMP echo request.
    public func ping(_ destination: UInt32, identifier: UInt16, sequence: UInt16, data: [UInt8]) {
        send(to: destination, protocol: IPProtocol.icmp, ICMPMessage(type: ICMPMessage.echoRequest, identifier: identifier, sequence: sequence, data: data).bytes)
    }

    /// Whether the hardware address of `destination`'s next hop is known (ARP answered).
    public func knows(_ destination: UInt32) -> Bool {
        let local = destination & netmask == address & netmask
        return arpCache[local ? destination : gateway] != nil
    }

    /// Sends a datagram when the adapter has room and the next hop is known; false when not (nothing is queued).
    public func trySendUDP(to destination: UInt32, port: UInt16, from sourcePort: UInt16, _ payload: [UInt8]) -> Bool {
        let local = destination & netmask == address & netmask
        guard let hardware = arpCache[local ? destination : gateway] else { return false }
        identification &+= 1
        let datagram = UDPDatagram(source: address, sourcePort: sourcePort, destination: destination, destinationPort: port, payload: payload)
        let packet = IPv4Packet(source: address, destination: destination, protocol: IPProtocol.udp, payload: datagram.bytes, identification: identification)
        return device.send(EthernetFrame(destination: hardware, source: mac, etherType: EtherType.ipv4, payload: packet.bytes).bytes)
    }

    /// Opens UDP port `port` for receiving.
    public func bindUDP(_ port: UInt16) { if udpQueues[port] == nil { udpQueues[port] = [] } }

    /// The next datagram received on `port`.
    public func receiveUDP(_ port: UInt16) -> (source: UInt32, port: UInt16, payload: [UInt8])? {
        guard var queue = udpQueues[port], !queue.isEmpty else { return nil }
        let first = queue.removeFirst()
        udpQueues[port] = queue
        return first
    }

    /// Sends a datagram from `sourcePort` to `destination`:`port`.
    public func sendUDP(to destination: UInt32, port: UInt16, from sourcePort: UInt16, _ payload: [UInt8]) {
        let datagram = UDPDatagram(source: address, sourcePort: sourcePort, destination: destination, destinationPort: port, payload: payload)
        send(to: destination, protocol: IPProtocol.udp, datagram.bytes)
    }
}

/// The number `bytes` spell in decimal digits (at most nine), or nil.
public func decimal(_ bytes: ArraySlice<UInt8>) -> Int? {
    guard !bytes.isEmpty, bytes.count <= 9 else { return nil }
    var value = 0
    for b in bytes {
        guard b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") else { return nil }
        value = value * 10 + Int(b - UInt8(ascii: "0"))
    }
    return value
}

/// IPv4 addresses in dotted-quad text, as bytes (Embedded Swift's String comparison would pull in Unicode tables).
public enum DottedQuad {
    /// The address `text` names, or nil.
    public static func parse(_ text: ArraySlice<UInt8>) -> UInt32? {
        var value: UInt32 = 0, part: UInt32 = 0, digits = 0, parts = 0
        for b in text {
            if b == UInt8(ascii: ".") {
                guard digits > 0, parts < 3 else { return nil }
                value = value << 8 | part
                parts += 1
                part = 0
                digits = 0
            } else if b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") {
                part = part * 10 + UInt32(b - UInt8(ascii: "0"))
                digits += 1
                guard part <= 255, digits <= 3 else { return nil }
            } else {
                return nil
            }
        }
        guard digits > 0, parts == 3 else { return nil }
        return value << 8 | part
    }

    /// `address` as text.
    public static func text(_ address: UInt32) -> String {
        "\(address >> 24).\(address >> 16 & 0xFF).\(address >> 8 & 0xFF).\(address & 0xFF)"
    }
}
