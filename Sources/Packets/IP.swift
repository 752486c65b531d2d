/// The Internet checksum (RFC 1071): the ones' complement of the ones' complement sum of 16-bit words.
public struct InternetChecksum {
    var sum: UInt64 = 0

    /// An empty sum.
    public init() {}

    /// Adds `count` bytes of `bytes` from `offset` (an odd last byte padded with zero). The words are summed as
    /// they lie in memory, four bytes at a time, and the folded sum swapped once: RFC 1071's sum does not depend on
    /// byte order (x86 is little-endian).
    public mutating func add(_ bytes: [UInt8], from offset: Int = 0, count: Int? = nil) {
        let end = min(bytes.count, offset + (count ?? bytes.count - offset))
        guard offset >= 0, offset < end else { return }
        var native: UInt64 = 0
        bytes.withUnsafeBytes { raw in
            var k = offset
            while k + 4 <= end {
                native &+= UInt64(raw.loadUnaligned(fromByteOffset: k, as: UInt32.self))
                k += 4
            }
            if k + 2 <= end {
                native &+= UInt64(raw.loadUnaligned(fromByteOffset: k, as: UInt16.self))
                k += 2
            }
            if k < end { native &+= UInt64(raw[k]) }
        }
        while native >> 16 != 0 { native = (native & 0xFFFF) + (native >> 16) }
        sum &+= UInt64(UInt16(native).byteSwapped)
    }

    /// Adds a 16-bit word.
    public mutating func add16(_ value: UInt16) { sum &+= UInt64(value) }
    /// Adds a 32-bit value as two words.
    public mutating func add32(_ value: UInt32) { sum &+= UInt64(value >> 16) + UInt64(value & 0xFFFF) }

    /// The checksum of what was added.
    public var value: UInt16 {
        var s = sum
        while s >> 16 != 0 { s = (s & 0xFFFF) + (s >> 16) }
        return ~UInt16(s)
    }

    /// The sum for UDP and TCP: their pseudo-header (addresses, protocol, length) and the segment.
    static func transport(source: UInt32, destination: UInt32, protocol number: UInt8, segment: [UInt8]) -> UInt16 {
        var c = InternetChecksum()
        c.add32(source)
        c.add32(destination)
        c.add16(UInt16(number))
        c.add16(UInt16(truncatingIfNeeded: segment.count))
        c.add(segment)
        return c.value
    }

    /// A checksum at `offset` of `bytes` updated for one 16-bit word changing from `old` to `new` (RFC 1624,
    /// equation 3): what an address or port translation does to the checksums that cover it.
    public static func adjust(_ bytes: inout [UInt8], at offset: Int, old: UInt16, new: UInt16) {
        adjust(&bytes, at: offset, old: UInt32(old), new: UInt32(new))
    }

    /// The same for a 32-bit value (an address): both its words at once.
    public static func adjust(_ bytes: inout [UInt8], at offset: Int, old: UInt32, new: UInt32) {
        var s = UInt32(~bytes.be16(offset)) + (~old >> 16) + (~old & 0xFFFF) + (new >> 16) + (new & 0xFFFF)
        while s >> 16 != 0 { s = (s & 0xFFFF) + (s >> 16) }
        bytes.set16(offset, ~UInt16(s))
    }
}

/// The IP protocol numbers this code reads.
public enum IPProtocol {
    /// ICMP, TCP, UDP, and ICMPv6 (IPv6's next header 58).
    public static let icmp: UInt8 = 1, tcp: UInt8 = 6, udp: UInt8 = 17, icmpv6: UInt8 = 58
}

/// An IPv4 packet (RFC 791) with its header checked: version 4, a header of 20 to 60 bytes, a total length the
/// bytes hold, a valid header checksum, and no fragmentation (a fragment is refused: nothing here reassembles).
public struct IPv4Packet {
    /// The packet, cut to its total length.
    public var bytes: [UInt8]
    /// Header bytes (IHL × 4).
    public let headerBytes: Int

    /// The packet at the start of `bytes` (an Ethernet payload, perhaps padded), or nil when it fails a check.
    public init?(_ bytes: [UInt8]) {
        guard bytes.count >= 20, bytes[0] >> 4 == 4 else { return nil }
        let header = Int(bytes[0] & 0x0F) * 4
        let total = Int(bytes.be16(2))
        guard header >= 20, total >= header, total <= bytes.count else { return nil }
        var c = InternetChecksum()
        c.add(bytes, count: header)
        guard c.value == 0, bytes.be16(6) & 0x3FFF == 0 else { return nil }
        self.bytes = total == bytes.count ? bytes : bytes.tail(from: 0, count: total)
        headerBytes = header
    }

    /// A packet of `protocol` from `source` to `destination` carrying `payload` (don't-fragment set).
    public init(source: UInt32, destination: UInt32, protocol number: UInt8, payload: [UInt8], ttl: UInt8 = 64, identification: UInt16 = 0)
    {
        var b: [UInt8] = [0x45, 0]
        b.append16(UInt16(truncatingIfNeeded: 20 + payload.count))
        b.append16(identification)
        b.append16(0x4000)
        b.append(ttl)
        b.append(number)
        b.append16(0)
        b.append32(source)
        b.append32(destination)
        var c = InternetChecksum()
        c.add(b)
        b.set16(10, c.value)
        bytes = .joined(b, payload)
        headerBytes = 20
    }

    /// The sender, the receiver, the protocol and the time to live.
    public var source: UInt32 { bytes.be32(12) }
    /// The receiver.
    public var destination: UInt32 { bytes.be32(16) }
    /// The protocol it carries.
    public var `protocol`: UInt8 { bytes[9] }
    /// The time to live.
    public var ttl: UInt8 { bytes[8] }
    /// What the packet carries.
    public var payload: [UInt8] { bytes.tail(from: headerBytes) }

    /// Rewrites the source or destination address, keeping the header checksum and, for TCP and UDP, the
    /// transport checksum (whose pseudo-header covers the addresses) right.
    public mutating func rewrite(source newSource: UInt32? = nil, destination newDestination: UInt32? = nil) {
        let transport = transportChecksumOffset
        func replace(at offset: Int, with new: UInt32) {
            let old = bytes.be32(offset)
            InternetChecksum.adjust(&bytes, at: 10, old: old, new: new)
            if let transport { InternetChecksum.adjust(&bytes, at: transport, old: old, new: new) }
            bytes.set32(offset, new)
        }
        if let newSource { replace(at: 12, with: newSource) }
        if let newDestination { replace(at: 16, with: newDestination) }
    }

    /// Rewrites the transport's port at `portOffset` (0: source, 2: destination) of a TCP or UDP packet, or an
    /// ICMP echo's identifier (`portOffset` 4), keeping its checksum right.
    public mutating func rewritePort(at portOffset: Int, to new: UInt16) {
        let at = headerBytes + portOffset
        guard at + 2 <= bytes.count, let checksum = transportChecksumOffset ?? icmpChecksumOffset else { return }
        let old = bytes.be16(at)
        InternetChecksum.adjust(&bytes, at: checksum, old: old, new: new)
        bytes.set16(at, new)
    }

    /// Where a TCP or UDP checksum is (nil for others, and for UDP sent without one).
    var transportChecksumOffset: Int? {
        switch `protocol` {
        case IPProtocol.tcp where bytes.count >= headerBytes + 20: return headerBytes + 16
        case IPProtocol.udp where bytes.count >= headerBytes + 8 && bytes.be16(headerBytes + 6) != 0: return headerBytes + 6
        default: return nil
        }
    }
    var icmpChecksumOffset: Int? { `protocol` == IPProtocol.icmp && bytes.count >= headerBytes + 8 ? headerBytes + 2 : nil }
}

/// An ICMP message (RFC 792) with a valid checksum; echo request and reply carry an identifier and a sequence.
public struct ICMPMessage {
    /// The types used here: echo reply, destination unreachable, redirect, echo request, router advertisement.
    public static let echoReply: UInt8 = 0, unreachable: UInt8 = 3, redirect: UInt8 = 5, echoRequest: UInt8 = 8
    /// Router advertisement (RFC 1256).
    public static let routerAdvertisement: UInt8 = 9

    /// The message.
    public var bytes: [UInt8]

    /// The message `bytes` (an IPv4 payload), or nil when shorter than 8 bytes or its checksum is wrong.
    public init?(_ bytes: [UInt8]) {
        var c = InternetChecksum()
        c.add(bytes)
        guard bytes.count >= 8, c.value == 0 else { return nil }
        self.bytes = bytes
    }

    /// An echo request or reply.
    public init(type: UInt8, identifier: UInt16, sequence: UInt16, data: [UInt8]) {
        var header: [UInt8] = [type, 0, 0, 0]
        header.append16(identifier)
        header.append16(sequence)
        var b = [UInt8].joined(header, data)
        var c = InternetChecksum()
        c.add(b)
        b.set16(2, c.value)
        bytes = b
    }

    /// Type and code.
    public var type: UInt8 { bytes[0] }
    /// The code.
    public var code: UInt8 { bytes[1] }
    /// An echo's identifier and sequence number.
    public var identifier: UInt16 { bytes.be16(4) }
    /// The sequence number.
    public var sequence: UInt16 { bytes.be16(6) }
    /// What follows the first 8 bytes.
    public var data: [UInt8] { bytes.tail(from: 8) }
}

/// A UDP datagram (RFC 768) with its length and (when not zero) its checksum checked.
public struct UDPDatagram {
    /// The datagram.
    public var bytes: [UInt8]

    /// The datagram in `packet`, or nil when it fails a check.
    public init?(_ packet: IPv4Packet) {
        let b = packet.payload
        guard b.count >= 8, Int(b.be16(4)) >= 8, Int(b.be16(4)) <= b.count else { return nil }
        let datagram = b.tail(from: 0, count: Int(b.be16(4)))
        if datagram.be16(6) != 0 {
            guard
                InternetChecksum.transport(
                    source: packet.source, destination: packet.destination, protocol: IPProtocol.udp, segment: datagram) == 0
            else { return nil }
        }
        bytes = datagram
    }

    /// A datagram between these ports and addresses (the addresses enter the checksum).
    public init(source: UInt32, sourcePort: UInt16, destination: UInt32, destinationPort: UInt16, payload: [UInt8]) {
        var header: [UInt8] = []
        header.append16(sourcePort)
        header.append16(destinationPort)
        header.append16(UInt16(truncatingIfNeeded: 8 + payload.count))
        header.append16(0)
        var b = [UInt8].joined(header, payload)
        let c = InternetChecksum.transport(source: source, destination: destination, protocol: IPProtocol.udp, segment: b)
        b.set16(6, c == 0 ? 0xFFFF : c)
        bytes = b
    }

    /// The ports.
    public var sourcePort: UInt16 { bytes.be16(0) }
    /// The destination port.
    public var destinationPort: UInt16 { bytes.be16(2) }
    /// What it carries.
    public var payload: [UInt8] { bytes.tail(from: 8) }
}

/// A TCP segment (RFC 9293) with its header length and checksum checked; the MSS option is read and written.
public struct TCPSegment {
    /// The control bits.
    public enum Flag {
        public static let fin: UInt8 = 1, syn: UInt8 = 2, rst: UInt8 = 4, psh: UInt8 = 8, ack: UInt8 = 16
    }

    /// The segment.
    public var bytes: [UInt8]
    /// Header bytes (data offset × 4).
    public let headerBytes: Int

    /// The segment in `packet`, or nil when it fails a check.
    public init?(_ packet: IPv4Packet) {
        let b = packet.payload
        guard b.count >= 20 else { return nil }
        let header = Int(b[12] >> 4) * 4
        guard header >= 20, header <= b.count,
            InternetChecksum.transport(source: packet.source, destination: packet.destination, protocol: IPProtocol.tcp, segment: b) == 0
        else { return nil }
        bytes = b
        headerBytes = header
    }

    /// A segment with these fields; `mss` adds the MSS option (a SYN's).
    public init(
        source: UInt32, sourcePort: UInt16, destination: UInt32, destinationPort: UInt16, sequence: UInt32, acknowledgment: UInt32,
        flags: UInt8, window: UInt16, mss: UInt16? = nil, payload: [UInt8] = []
    ) {
        let header = mss == nil ? 20 : 24
        var h: [UInt8] = []
        h.append16(sourcePort)
        h.append16(destinationPort)
        h.append32(sequence)
        h.append32(acknowledgment)
        h.append(UInt8(header / 4) << 4)
        h.append(flags)
        h.append16(window)
        h.append32(0)  // checksum, urgent pointer
        if let mss {
            h += [2, 4]
            h.append16(mss)
        }
        var b = [UInt8].joined(h, payload)
        b.set16(16, InternetChecksum.transport(source: source, destination: destination, protocol: IPProtocol.tcp, segment: b))
        bytes = b
        headerBytes = header
    }

    /// The ports, sequence and acknowledgment numbers, control bits and window.
    public var sourcePort: UInt16 { bytes.be16(0) }
    /// The destination port.
    public var destinationPort: UInt16 { bytes.be16(2) }
    /// The sequence number.
    public var sequence: UInt32 { bytes.be32(4) }
    /// The acknowledgment number.
    public var acknowledgment: UInt32 { bytes.be32(8) }
    /// The control bits.
    public var flags: UInt8 { bytes[13] }
    /// The receive window.
    public var window: UInt16 { bytes.be16(14) }
    /// The data.
    public var payload: [UInt8] { bytes.tail(from: headerBytes) }
    /// Sequence space the segment takes: its data, and one each for SYN and FIN.
    public var length: UInt32 {
        UInt32(bytes.count - headerBytes) + (flags & Flag.syn != 0 ? 1 : 0) + (flags & Flag.fin != 0 ? 1 : 0)
    }

    /// The MSS option's value, when the segment carries one.
    public var mss: UInt16? {
        var k = 20
        while k < headerBytes {
            switch bytes[k] {
            case 0: return nil
            case 1: k += 1
            default:
                guard k + 1 < headerBytes, bytes[k + 1] >= 2 else { return nil }
                if bytes[k] == 2 && bytes[k + 1] == 4 && k + 4 <= headerBytes { return bytes.be16(k + 2) }
                k += Int(bytes[k + 1])
            }
        }
        return nil
    }
}
