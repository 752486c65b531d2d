import Packets
import Testing

/// The NetNat translator against WinNAT's behaviour: outbound flows take the external address and a dynamic port,
/// replies find their way back, address-dependent filtering, static mappings, ICMP echo identifiers, timeouts,
/// and a bounded table — every translated packet's checksums still right.
@Suite("nat")
struct NATTests {
    static let inside: UInt32 = 0xC0A8_6402, otherInside: UInt32 = 0xC0A8_6403  // 192.168.100.2, .3
    static let external: UInt32 = 0x0A0A_0002, remote: UInt32 = 0x0A0A_0001, stranger: UInt32 = 0x0A0A_0009

    static func translator() -> NetworkAddressTranslator {
        NetworkAddressTranslator(settings: .init(prefix: 0xC0A8_6400, prefixLength: 24))
    }

    static func tcp(
        _ source: UInt32, _ sourcePort: UInt16, _ destination: UInt32, _ destinationPort: UInt16, flags: UInt8 = TCPSegment.Flag.ack
    )
        -> IPv4Packet
    {
        let segment = TCPSegment(
            source: source, sourcePort: sourcePort, destination: destination, destinationPort: destinationPort, sequence: 1,
            acknowledgment: 2,
            flags: flags, window: 100, payload: Array("GET /".utf8))
        return IPv4Packet(source: source, destination: destination, protocol: IPProtocol.tcp, payload: segment.bytes)
    }

    static func udp(_ source: UInt32, _ sourcePort: UInt16, _ destination: UInt32, _ destinationPort: UInt16) -> IPv4Packet {
        let datagram = UDPDatagram(
            source: source, sourcePort: sourcePort, destination: destination, destinationPort: destinationPort, payload: [1, 2])
        return IPv4Packet(source: source, destination: destination, protocol: IPProtocol.udp, payload: datagram.bytes)
    }

    /// Parsing again checks every checksum (IPv4 header, TCP's over the pseudo-header).
    static func segment(_ packet: IPv4Packet) -> TCPSegment? { IPv4Packet(packet.bytes).flatMap { TCPSegment($0) } }

    @Test("an outbound TCP flow leaves from the external address and a dynamic port; the reply comes back translated")
    func outboundAndReply() throws {
        var nat = Self.translator()
        var packet = Self.tcp(Self.inside, 40000, Self.remote, 80, flags: TCPSegment.Flag.syn)
        #expect(nat.outbound(&packet, external: Self.external, now: 0))
        #expect(packet.source == Self.external)
        let out = try #require(Self.segment(packet))
        #expect(out.sourcePort >= 49152 && out.destinationPort == 80)
        var reply = Self.tcp(Self.remote, 80, Self.external, out.sourcePort)
        #expect(nat.inbound(&reply, external: Self.external, now: 10))
        #expect(reply.destination == Self.inside)
        #expect(try #require(Self.segment(reply)).destinationPort == 40000)
        #expect(nat.connectionCount == 1)
        // The same flow again keeps its port; another inside host gets another.
        var again = Self.tcp(Self.inside, 40000, Self.remote, 80)
        #expect(nat.outbound(&again, external: Self.external, now: 20))
        #expect(Self.segment(again)?.sourcePort == out.sourcePort)
        var other = Self.tcp(Self.otherInside, 40000, Self.remote, 80)
        #expect(nat.outbound(&other, external: Self.external, now: 20))
        #expect(Self.segment(other)?.sourcePort != out.sourcePort)
    }

    @Test("address-dependent filtering: the remote's other ports get in, other addresses and unknown ports do not")
    func filtering() throws {
        var nat = Self.translator()
        var packet = Self.udp(Self.inside, 5000, Self.remote, 53)
        #expect(nat.outbound(&packet, external: Self.external, now: 0))
        let port = try #require(UDPDatagram(packet)).sourcePort
        var fromOtherPort = Self.udp(Self.remote, 5353, Self.external, port)
        #expect(nat.inbound(&fromOtherPort, external: Self.external, now: 1))
        #expect(fromOtherPort.destination == Self.inside && UDPDatagram(fromOtherPort)?.destinationPort == 5000)
        var fromStranger = Self.udp(Self.stranger, 53, Self.external, port)
        #expect(!nat.inbound(&fromStranger, external: Self.external, now: 1))
        var toUnknownPort = Self.udp(Self.remote, 53, Self.external, port &+ 1)
        #expect(!nat.inbound(&toUnknownPort, external: Self.external, now: 1))
        #expect(nat.droppedUnexpected == 2)
    }

    @Test("a static mapping lets a new connection in, and the inside server's replies leave from the mapped port")
    func staticMapping() throws {
        var nat = Self.translator()
        nat.setMappings([
            .init(protocol: IPProtocol.tcp, externalAddress: 0, externalPort: 8080, internalAddress: Self.inside, internalPort: 80)
        ])
        var syn = Self.tcp(Self.stranger, 33000, Self.external, 8080, flags: TCPSegment.Flag.syn)
        #expect(nat.inbound(&syn, external: Self.external, now: 0))
        #expect(syn.destination == Self.inside && Self.segment(syn)?.destinationPort == 80)
        var reply = Self.tcp(Self.inside, 80, Self.stranger, 33000, flags: TCPSegment.Flag.syn | TCPSegment.Flag.ack)
        #expect(nat.outbound(&reply, external: Self.external, now: 1))
        #expect(reply.source == Self.external && Self.segment(reply)?.sourcePort == 8080)
        // A mapping for another address, and a removed mapping, let nothing in.
        nat.setMappings([
            .init(
                protocol: IPProtocol.tcp, externalAddress: Self.stranger, externalPort: 9090, internalAddress: Self.inside, internalPort: 80
            )
        ])
        #expect(nat.connectionCount == 0)
        var late = Self.tcp(Self.stranger, 33000, Self.external, 8080)
        #expect(!nat.inbound(&late, external: Self.external, now: 2))
        var wrongAddress = Self.tcp(Self.stranger, 33001, Self.external, 9090, flags: TCPSegment.Flag.syn)
        #expect(!nat.inbound(&wrongAddress, external: Self.external, now: 2))
    }

    @Test("an ICMP echo's identifier is translated both ways, its checksum kept")
    func echo() throws {
        var nat = Self.translator()
        let request = ICMPMessage(type: ICMPMessage.echoRequest, identifier: 7, sequence: 1, data: [9, 9])
        var packet = IPv4Packet(source: Self.inside, destination: Self.remote, protocol: IPProtocol.icmp, payload: request.bytes)
        #expect(nat.outbound(&packet, external: Self.external, now: 0))
        let sent = try #require(IPv4Packet(packet.bytes).flatMap { ICMPMessage($0.payload) })
        #expect(packet.source == Self.external && sent.sequence == 1)
        let answer = ICMPMessage(type: ICMPMessage.echoReply, identifier: sent.identifier, sequence: 1, data: [9, 9])
        var reply = IPv4Packet(source: Self.remote, destination: Self.external, protocol: IPProtocol.icmp, payload: answer.bytes)
        #expect(nat.inbound(&reply, external: Self.external, now: 1))
        let back = try #require(IPv4Packet(reply.bytes).flatMap { ICMPMessage($0.payload) })
        #expect(reply.destination == Self.inside && back.identifier == 7)
        // Other ICMP messages are not translated.
        let unreachable = ICMPMessage(type: ICMPMessage.unreachable, identifier: 0, sequence: 0, data: [])
        var other = IPv4Packet(source: Self.inside, destination: Self.remote, protocol: IPProtocol.icmp, payload: unreachable.bytes)
        #expect(!nat.outbound(&other, external: Self.external, now: 1))
        #expect(nat.droppedUnsupported == 1)
    }

    @Test("connections end at their timeouts: UDP's idle timeout, TCP's transient one before both ways were seen")
    func timeouts() throws {
        var nat = Self.translator()
        nat.settings.udpTimeout = 5
        nat.settings.tcpTransientTimeout = 10
        var datagram = Self.udp(Self.inside, 5000, Self.remote, 53)
        #expect(nat.outbound(&datagram, external: Self.external, now: 0))
        let port = try #require(UDPDatagram(datagram)).sourcePort
        var syn = Self.tcp(Self.inside, 40000, Self.remote, 80, flags: TCPSegment.Flag.syn)
        #expect(nat.outbound(&syn, external: Self.external, now: 0))
        var early = Self.udp(Self.remote, 53, Self.external, port)
        #expect(nat.inbound(&early, external: Self.external, now: 4_000))  // refreshes to 9 s
        #expect(nat.connectionCount == 2)
        var check = Self.udp(Self.stranger, 1, Self.external, 1)
        _ = nat.inbound(&check, external: Self.external, now: 9_500)
        #expect(nat.connectionCount == 1)
        _ = nat.inbound(&check, external: Self.external, now: 11_000)
        #expect(nat.connectionCount == 0)
    }

    @Test("a full table refuses new connections and keeps serving the ones it has")
    func tableLimit() throws {
        var nat = Self.translator()
        for k in 0..<NetworkAddressTranslator.connectionLimit {
            var packet = Self.udp(Self.inside, UInt16(1000 + k), Self.remote, 53)
            #expect(nat.outbound(&packet, external: Self.external, now: 0))
        }
        var one = Self.udp(Self.otherInside, 7, Self.remote, 53)
        #expect(!nat.outbound(&one, external: Self.external, now: 1))
        #expect(nat.droppedTableFull == 1)
        var known = Self.udp(Self.inside, 1000, Self.remote, 53)
        #expect(nat.outbound(&known, external: Self.external, now: 1))
    }
}
