import Packets
import TestSupport
import Testing

/// The packet code against its RFCs: checksums, each header parsed and built, the checks that refuse bad
/// packets, translations that keep checksums right, and random bytes that must never trap.
@Suite("packets")
struct PacketsTests {
    static let a: UInt32 = 0x0A0A_0014, b: UInt32 = 0x0A0A_0001  // 10.10.0.20, 10.10.0.1

    @Test("the Internet checksum of RFC 1071's example, and of a packet carrying its own checksum, which sums to zero")
    func checksum() {
        var c = InternetChecksum()
        c.add([0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7])
        #expect(c.value == ~UInt16(0xDDF2))
        var odd = InternetChecksum()
        odd.add([0x01])
        #expect(odd.value == ~UInt16(0x0100))
        let packet = IPv4Packet(source: Self.a, destination: Self.b, protocol: IPProtocol.udp, payload: [1, 2, 3])
        var whole = InternetChecksum()
        whole.add(packet.bytes, count: 20)
        #expect(whole.value == 0)
    }

    @Test("MAC addresses in every spelling the tools and guests use; anything else is refused")
    func macText() {
        let bits: UInt64 = 0x0015_5D00_0004
        for text in ["00:15:5d:00:00:04", "00-15-5D-00-00-04", "00155D000004"] {
            #expect(EthernetAddress(text: Array(text.utf8))?.bits == bits, "\(text)")
        }
        for text in ["", "00:15:5d:00:00", "00:15:5d:00:00:04:05", "00:15:5g:00:00:04", "00 15 5d 00 00 04"] {
            #expect(EthernetAddress(text: Array(text.utf8)) == nil, "\(text)")
        }
    }

    @Test("the word-at-a-time checksum equals RFC 1071's 16-bit sum for every offset and length")
    func checksumMatchesReference() {
        var random = SplitMix64(seed: 7)
        for _ in 0..<500 {
            let bytes = (0..<Int(random.next() % 90)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let offset = bytes.isEmpty ? 0 : Int(random.next() % UInt64(bytes.count))
            let count = Int(random.next() % UInt64(bytes.count - offset + 1))
            var reference: UInt32 = 0
            var k = offset
            while k < offset + count {
                reference += UInt32(bytes[k]) << 8 | (k + 1 < offset + count ? UInt32(bytes[k + 1]) : 0)
                k += 2
            }
            while reference >> 16 != 0 { reference = (reference & 0xFFFF) + (reference >> 16) }
            var c = InternetChecksum()
            c.add(bytes, from: offset, count: count)
            #expect(c.value == ~UInt16(reference), "offset \(offset) count \(count)")
        }
    }

    @Test("IPv4: built and parsed back; a bad checksum, a fragment, a short total length and IPv6 are refused")
    func ipv4() throws {
        let built = IPv4Packet(
            source: Self.a, destination: Self.b, protocol: IPProtocol.icmp, payload: [9, 8, 7], ttl: 5, identification: 77)
        let parsed = try #require(IPv4Packet(built.bytes + [0, 0, 0]))  // Ethernet padding is cut off
        #expect(parsed.source == Self.a && parsed.destination == Self.b && parsed.protocol == IPProtocol.icmp && parsed.ttl == 5)
        #expect(parsed.payload == [9, 8, 7] && parsed.bytes.count == 23)
        var corrupt = built.bytes
        corrupt[8] ^= 1
        #expect(IPv4Packet(corrupt) == nil)
        var fragment = built.bytes
        fragment.set16(6, 0x2000)  // more fragments
        fragment.set16(10, 0)
        var c = InternetChecksum()
        c.add(fragment, count: 20)
        fragment.set16(10, c.value)
        #expect(IPv4Packet(fragment) == nil)
        #expect(IPv4Packet(Array(built.bytes.prefix(22))) == nil)
        var six = built.bytes
        six[0] = 0x65
        #expect(IPv4Packet(six) == nil)
    }

    @Test("ARP, ICMP echo, UDP and TCP (with MSS) round trips; a changed byte fails the transport checksum")
    func transports() throws {
        let arp = ARPPacket(
            operation: ARPPacket.request, senderMAC: EthernetAddress(bits: 0x00155D000001), senderIP: Self.a,
            targetMAC: EthernetAddress(bits: 0), targetIP: Self.b)
        #expect(ARPPacket(arp.bytes) == arp)
        let echo = ICMPMessage(type: ICMPMessage.echoRequest, identifier: 0x1234, sequence: 7, data: [1, 2, 3])
        let echoBack = try #require(ICMPMessage(echo.bytes))
        #expect(echoBack.identifier == 0x1234 && echoBack.sequence == 7 && echoBack.data == [1, 2, 3])

        let udp = UDPDatagram(source: Self.a, sourcePort: 4000, destination: Self.b, destinationPort: 7, payload: Array("hi".utf8))
        let udpPacket = IPv4Packet(source: Self.a, destination: Self.b, protocol: IPProtocol.udp, payload: udp.bytes)
        let udpParsed = try #require(IPv4Packet(udpPacket.bytes))
        let udpBack = try #require(UDPDatagram(udpParsed))
        #expect(udpBack.sourcePort == 4000 && udpBack.destinationPort == 7 && udpBack.payload == Array("hi".utf8))
        var udpBad = udpPacket
        udpBad.bytes[udpBad.bytes.count - 1] ^= 0x40
        #expect(UDPDatagram(udpBad) == nil)

        let syn = TCPSegment(
            source: Self.a, sourcePort: 40000, destination: Self.b, destinationPort: 80, sequence: 1000, acknowledgment: 0,
            flags: TCPSegment.Flag.syn, window: 8192, mss: 1460)
        let tcpPacket = IPv4Packet(source: Self.a, destination: Self.b, protocol: IPProtocol.tcp, payload: syn.bytes)
        let tcpParsed = try #require(IPv4Packet(tcpPacket.bytes))
        let back = try #require(TCPSegment(tcpParsed))
        #expect(back.sequence == 1000 && back.flags == TCPSegment.Flag.syn && back.mss == 1460 && back.length == 1 && back.window == 8192)
        // The pseudo-header covers the addresses: the same segment claimed from elsewhere fails.
        let moved = IPv4Packet(source: Self.a + 1, destination: Self.b, protocol: IPProtocol.tcp, payload: syn.bytes)
        #expect(TCPSegment(moved) == nil)
    }

    @Test("address and port translation keeps the IPv4, TCP, UDP and ICMP checksums valid (RFC 1624)")
    func translation() throws {
        let segment = TCPSegment(
            source: Self.a, sourcePort: 40000, destination: Self.b, destinationPort: 80, sequence: 5, acknowledgment: 9,
            flags: TCPSegment.Flag.ack, window: 100, payload: Array("GET /".utf8))
        var packet = IPv4Packet(source: Self.a, destination: Self.b, protocol: IPProtocol.tcp, payload: segment.bytes)
        packet.rewrite(source: 0xC0A8_0102)
        packet.rewritePort(at: 0, to: 61000)
        let translated = try #require(IPv4Packet(packet.bytes))
        let tcp = try #require(TCPSegment(translated))
        #expect(tcp.sourcePort == 61000 && IPv4Packet(packet.bytes)?.source == 0xC0A8_0102)

        let datagram = UDPDatagram(source: Self.a, sourcePort: 53, destination: Self.b, destinationPort: 9, payload: [1, 2, 3])
        var udp = IPv4Packet(source: Self.a, destination: Self.b, protocol: IPProtocol.udp, payload: datagram.bytes)
        udp.rewrite(destination: 0x7F00_0001)
        udp.rewritePort(at: 2, to: 9999)
        let udpTranslated = try #require(IPv4Packet(udp.bytes))
        #expect(UDPDatagram(udpTranslated)?.destinationPort == 9999)

        let echo = ICMPMessage(type: ICMPMessage.echoRequest, identifier: 5, sequence: 1, data: [])
        var icmp = IPv4Packet(source: Self.a, destination: Self.b, protocol: IPProtocol.icmp, payload: echo.bytes)
        icmp.rewrite(source: 0x0101_0101)
        icmp.rewritePort(at: 4, to: 0xBEEF)
        let icmpTranslated = try #require(IPv4Packet(icmp.bytes))
        #expect(ICMPMessage(icmpTranslated.payload)?.identifier == 0xBEEF)
    }

    @Test("random bytes parse or are refused, never trap")
    func fuzz() {
        var random = SplitMix64(seed: 13)
        for _ in 0..<3000 {
            let count = Int(random.next() % 120)
            var bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            if count > 0 && random.next() % 2 == 0 { bytes[0] = 0x45 }
            if let packet = IPv4Packet(bytes) {
                _ = UDPDatagram(packet)?.payload
                _ = TCPSegment(packet).map { ($0.mss, $0.payload, $0.length) }
                _ = ICMPMessage(packet.payload)?.data
                var copy = packet
                copy.rewrite(source: 1, destination: 2)
                copy.rewritePort(at: 0, to: 3)
            }
            _ = ARPPacket(bytes)
            if let frame = EthernetFrame(bytes) { _ = FrameKind(frame) }
        }
    }
}

/// The switch core: learning, flooding, Hyper-V's MAC address spoofing, DHCP and router guards, and counters.
@Suite("learning switch")
struct LearningSwitchTests {
    static let vm1 = EthernetAddress(bits: 0x00155D000001), vm2 = EthernetAddress(bits: 0x00155D000002)
    static let nested = EthernetAddress(bits: 0x00155D0000AA)

    static func frame(from source: EthernetAddress, to destination: EthernetAddress, _ payload: [UInt8] = [0, 0]) -> EthernetFrame {
        EthernetFrame(destination: destination, source: source, etherType: EtherType.ipv4, payload: payload)
    }

    static func twoPorts(spoofing: Bool = false) -> LearningSwitch {
        var s = LearningSwitch()
        s.setPort(1, PortPolicy(mac: vm1, macAddressSpoofing: spoofing))
        s.setPort(2, PortPolicy(mac: vm2))
        s.setPort(3, PortPolicy(mac: EthernetAddress(bits: 0x00155D000003)))
        return s
    }

    @Test("broadcasts flood, unicast to a learned address goes to its port only, an unknown one floods to who takes it")
    func learning() {
        var s = Self.twoPorts()
        #expect(s.forward(Self.frame(from: Self.vm1, to: .broadcast), from: 1) == [2, 3])
        #expect(s.forward(Self.frame(from: Self.vm2, to: Self.vm1), from: 2) == [1])
        #expect(s.forward(Self.frame(from: Self.vm1, to: Self.vm2), from: 1) == [2])
        // 3 has spoofing off: a unicast for an address not its own is not delivered to it.
        #expect(s.forward(Self.frame(from: Self.vm1, to: EthernetAddress(bits: 0x00155D0000FF)), from: 1) == [])
        #expect(s.counters(1)?.framesSent == 3 && s.counters(1)?.framesReceived == 1 && s.counters(3)?.framesReceived == 1)
    }

    @Test("MacAddressSpoofing Off drops frames from another source and counts them; On learns the nested address behind the port")
    func spoofing() {
        var off = Self.twoPorts()
        #expect(off.forward(Self.frame(from: Self.nested, to: .broadcast), from: 1) == [])
        #expect(off.counters(1)?.droppedByMacAddressSpoofing == 1)
        #expect(off.forward(Self.frame(from: Self.vm2, to: Self.nested), from: 2) == [])

        var on = Self.twoPorts(spoofing: true)
        #expect(on.forward(Self.frame(from: Self.nested, to: .broadcast), from: 1) == [2, 3])
        #expect(on.forward(Self.frame(from: Self.vm2, to: Self.nested), from: 2) == [1])
        #expect(on.counters(1)?.droppedByMacAddressSpoofing == 0)
        // Turning spoofing off forgets what was learned behind the port.
        on.setPort(1, PortPolicy(mac: Self.vm1))
        #expect(on.forward(Self.frame(from: Self.vm2, to: Self.nested), from: 2) == [])
    }

    @Test("DhcpGuard drops DHCP server messages, RouterGuard router advertisements and redirects, each counted; clients pass")
    func guards() {
        var s = LearningSwitch()
        s.setPort(1, PortPolicy(mac: Self.vm1, dhcpGuard: true, routerGuard: true))
        s.setPort(2, PortPolicy(mac: Self.vm2))
        func udp(_ from: UInt16, _ to: UInt16) -> EthernetFrame {
            let d = UDPDatagram(source: 1, sourcePort: from, destination: 2, destinationPort: to, payload: [2])
            return Self.frame(
                from: Self.vm1, to: .broadcast, IPv4Packet(source: 1, destination: 2, protocol: IPProtocol.udp, payload: d.bytes).bytes)
        }
        func icmp(_ type: UInt8) -> EthernetFrame {
            let m = ICMPMessage(type: type, identifier: 0, sequence: 0, data: [0, 0, 0, 0])
            return Self.frame(
                from: Self.vm1, to: .broadcast, IPv4Packet(source: 1, destination: 2, protocol: IPProtocol.icmp, payload: m.bytes).bytes)
        }
        #expect(s.forward(udp(67, 68), from: 1) == [])
        #expect(s.forward(udp(68, 67), from: 1) == [2])
        #expect(s.forward(icmp(ICMPMessage.routerAdvertisement), from: 1) == [])
        #expect(s.forward(icmp(ICMPMessage.redirect), from: 1) == [])
        #expect(s.forward(icmp(ICMPMessage.echoRequest), from: 1) == [2])
        var ra = [UInt8](repeating: 0, count: 48)
        ra[0] = 0x60
        ra[6] = IPProtocol.icmpv6
        ra[40] = 134
        #expect(s.forward(EthernetFrame(destination: .broadcast, source: Self.vm1, etherType: EtherType.ipv6, payload: ra), from: 1) == [])
        #expect(s.counters(1)?.droppedByDhcpGuard == 1 && s.counters(1)?.droppedByRouterGuard == 3)
        // The same messages from a port without guards pass.
        #expect(s.forward(Self.frame(from: Self.vm2, to: .broadcast, udp(67, 68).payload), from: 2) == [1])
    }

    @Test("random frames from random ports under random settings: the switch's rules hold for every one")
    func fuzz() {
        var random = SplitMix64(seed: 99)
        var s = LearningSwitch()
        let macs = (1...4).map { EthernetAddress(bits: 0x00155D00_0000 + UInt64($0)) }
        var delivered = [Int: UInt64]()
        for step in 0..<20_000 {
            if step % 500 == 0 {  // settings change while frames flow
                for (k, mac) in macs.enumerated() {
                    s.setPort(
                        k + 1,
                        PortPolicy(
                            mac: mac, macAddressSpoofing: random.next() % 2 == 0, dhcpGuard: random.next() % 2 == 0,
                            routerGuard: random.next() % 2 == 0))
                }
            }
            let port = Int(random.next() % 4) + 1
            let pick = { (r: UInt64) in r % 3 == 0 ? EthernetAddress(bits: r >> 8) : r % 3 == 1 ? macs[Int(r >> 8) % 4] : .broadcast }
            let source = pick(random.next()), destination = pick(random.next())
            var payload = (0..<Int(random.next() % 64)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            if random.next() % 4 == 0 {  // now and then a DHCP server message or a router advertisement
                let d = UDPDatagram(source: 1, sourcePort: 67, destination: 2, destinationPort: 68, payload: [1])
                let m = ICMPMessage(type: ICMPMessage.routerAdvertisement, identifier: 0, sequence: 0, data: [])
                payload =
                    IPv4Packet(
                        source: 1, destination: 2, protocol: random.next() % 2 == 0 ? IPProtocol.udp : IPProtocol.icmp,
                        payload: random.next() % 2 == 0 ? d.bytes : m.bytes
                    ).bytes
            }
            let frame = EthernetFrame(destination: destination, source: source, etherType: EtherType.ipv4, payload: payload)
            let policy = s.policy(port)!
            let targets = s.forward(frame, from: port)
            #expect(!targets.contains(port))
            if !policy.macAddressSpoofing && source != policy.mac { #expect(targets.isEmpty) }
            if policy.dhcpGuard && FrameKind(frame) == .dhcpServer { #expect(targets.isEmpty) }
            if policy.routerGuard && FrameKind(frame) == .routerMessage { #expect(targets.isEmpty) }
            for t in targets {
                let p = s.policy(t)!
                #expect(destination.isMulticast || p.macAddressSpoofing || destination == p.mac)
                delivered[t, default: 0] += 1
            }
        }
        let sent = (1...4).reduce(UInt64(0)) { $0 + (s.counters($1)?.framesSent ?? 0) }
        #expect(sent == 20_000)
        for k in 1...4 { #expect(s.counters(k)?.framesReceived == delivered[k] ?? 0) }
    }

    @Test("a VM sending from ever new addresses cannot grow the table past its limit")
    func tableLimit() {
        var s = Self.twoPorts(spoofing: true)
        s.setPort(3, PortPolicy(mac: EthernetAddress(bits: 0x00155D000003), macAddressSpoofing: true))
        for k in 0..<3000 { _ = s.forward(Self.frame(from: EthernetAddress(bits: 0x0200_0000_0000 + UInt64(k)), to: .broadcast), from: 1) }
        // The newest is still known (delivered to 1 alone); the oldest was forgotten (flooded to who takes it).
        #expect(s.forward(Self.frame(from: Self.vm2, to: EthernetAddress(bits: 0x0200_0000_0000 + 2999)), from: 2) == [1])
        #expect(s.forward(Self.frame(from: Self.vm2, to: EthernetAddress(bits: 0x0200_0000_0000)), from: 2) == [1, 3])
    }
}
