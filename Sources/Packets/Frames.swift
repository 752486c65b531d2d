/// Network byte order in byte arrays: the readers return 0 past the end (callers check lengths first), the
/// writers append.
extension [UInt8] {
    /// The big-endian 16-bit value at `offset`.
    public func be16(_ offset: Int) -> UInt16 {
        guard offset >= 0, offset + 2 <= count else { return 0 }
        return UInt16(self[offset]) << 8 | UInt16(self[offset + 1])
    }
    /// The big-endian 32-bit value at `offset`.
    public func be32(_ offset: Int) -> UInt32 {
        guard offset >= 0, offset + 4 <= count else { return 0 }
        return UInt32(be16(offset)) << 16 | UInt32(be16(offset + 2))
    }
    /// Appends `value` big-endian.
    public mutating func append16(_ value: UInt16) {
        append(UInt8(value >> 8))
        append(UInt8(value & 0xFF))
    }
    /// Appends `value` big-endian.
    public mutating func append32(_ value: UInt32) {
        append16(UInt16(value >> 16))
        append16(UInt16(value & 0xFFFF))
    }
    /// `head` followed by `tail`, made with block copies (Embedded Swift's `+=` copies a byte at a time, and every
    /// layer of a packet puts its header before what it carries).
    public static func joined(_ head: [UInt8], _ tail: [UInt8]) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: head.count + tail.count) { out, initialized in
            guard let base = out.baseAddress else { return }
            head.withUnsafeBytes { if let h = $0.baseAddress { UnsafeMutableRawPointer(base).copyMemory(from: h, byteCount: head.count) } }
            tail.withUnsafeBytes {
                if let t = $0.baseAddress { UnsafeMutableRawPointer(base + head.count).copyMemory(from: t, byteCount: tail.count) }
            }
            initialized = head.count + tail.count
        }
    }
    /// The bytes from `offset` to the end (or `count` of them), with one block copy.
    public func tail(from offset: Int, count length: Int? = nil) -> [UInt8] {
        let n = Swift.max(0, Swift.min(length ?? count - offset, count - offset))
        return [UInt8](unsafeUninitializedCapacity: n) { out, initialized in
            if n > 0, let base = out.baseAddress {
                withUnsafeBytes { UnsafeMutableRawPointer(base).copyMemory(from: $0.baseAddress! + offset, byteCount: n) }
            }
            initialized = n
        }
    }
    /// Stores `value` big-endian at `offset` (inside the array).
    public mutating func set16(_ offset: Int, _ value: UInt16) {
        self[offset] = UInt8(value >> 8)
        self[offset + 1] = UInt8(value & 0xFF)
    }
    /// Stores `value` big-endian at `offset` (inside the array).
    public mutating func set32(_ offset: Int, _ value: UInt32) {
        set16(offset, UInt16(value >> 16))
        set16(offset + 2, UInt16(value & 0xFFFF))
    }
}

/// A 48-bit IEEE 802 MAC address, its first byte in the high bits.
public struct EthernetAddress: Hashable, Sendable {
    /// The address in the low 48 bits.
    public var bits: UInt64

    /// The address whose six bytes begin at `offset` of `bytes`.
    public init(_ bytes: [UInt8], at offset: Int = 0) {
        guard offset >= 0, offset + 6 <= bytes.count else {
            var bits: UInt64 = 0
            for k in 0..<6 where offset + k >= 0 && offset + k < bytes.count { bits = bits << 8 | UInt64(bytes[offset + k]) }
            self.bits = bits
            return
        }
        // Two loads rather than six checked subscripts: every frame's addresses are read this way.
        bits = bytes.withUnsafeBytes {
            UInt64(UInt32(bigEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self))) << 16
                | UInt64(UInt16(bigEndian: $0.loadUnaligned(fromByteOffset: offset + 4, as: UInt16.self)))
        }
    }

    /// The address with these 48 bits.
    public init(bits: UInt64) { self.bits = bits & 0xFFFF_FFFF_FFFF }

    /// The address `text` spells in hex digits, bytes separated by `:` or `-` or not at all (`00:15:5d:00:00:04`,
    /// Hyper-V's `00-15-5D-00-00-04` and `00155D000004`); nil unless it has exactly 12 digits.
    public init?(text: [UInt8]) {
        var bits: UInt64 = 0, digits = 0
        for c in text {
            let value: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = c - UInt8(ascii: "A") + 10
            case UInt8(ascii: "-"), UInt8(ascii: ":"): continue
            default: return nil
            }
            bits = bits << 4 | UInt64(value)
            digits += 1
        }
        guard digits == 12 else { return nil }
        self.bits = bits
    }

    /// All ones: every station.
    public static let broadcast = EthernetAddress(bits: 0xFFFF_FFFF_FFFF)

    /// The six bytes.
    public var bytes: [UInt8] { (0..<6).map { UInt8(truncatingIfNeeded: bits >> (40 - 8 * UInt64($0))) } }

    /// Group addresses (broadcast among them): the I/G bit, bit 0 of the first byte.
    public var isMulticast: Bool { bits & (1 << 40) != 0 }
}

/// The EtherTypes this code reads.
public enum EtherType {
    /// IPv4, ARP and IPv6.
    public static let ipv4: UInt16 = 0x0800, arp: UInt16 = 0x0806, ipv6: UInt16 = 0x86DD
}

/// An Ethernet II frame without its FCS: destination, source, EtherType, payload.
public struct EthernetFrame {
    /// Header bytes.
    public static let headerBytes = 14
    /// The frame.
    public var bytes: [UInt8]

    /// The frame `bytes`, or nil when it is shorter than a header.
    public init?(_ bytes: [UInt8]) {
        guard bytes.count >= Self.headerBytes else { return nil }
        self.bytes = bytes
    }

    /// A frame from `source` to `destination` carrying `payload` of `etherType`.
    public init(destination: EthernetAddress, source: EthernetAddress, etherType: UInt16, payload: [UInt8]) {
        // One allocation and one block copy: every frame a guest or minivisor sends is made here.
        let header = Self.headerBytes
        bytes = [UInt8](unsafeUninitializedCapacity: header + payload.count) { out, initialized in
            for k in 0..<6 {
                let shift = UInt64(40 - 8 * k)
                out[k] = UInt8(truncatingIfNeeded: destination.bits >> shift)
                out[6 + k] = UInt8(truncatingIfNeeded: source.bits >> shift)
            }
            out[12] = UInt8(etherType >> 8)
            out[13] = UInt8(etherType & 0xFF)
            payload.withUnsafeBytes {
                if let p = $0.baseAddress {
                    UnsafeMutableRawPointer(out.baseAddress! + header).copyMemory(from: p, byteCount: payload.count)
                }
            }
            initialized = header + payload.count
        }
    }

    /// The receiving station (or group).
    public var destination: EthernetAddress { EthernetAddress(bytes, at: 0) }
    /// The sending station.
    public var source: EthernetAddress { EthernetAddress(bytes, at: 6) }
    /// What the payload is.
    public var etherType: UInt16 { bytes.be16(12) }
    /// The payload.
    public var payload: [UInt8] { bytes.tail(from: Self.headerBytes) }
}

/// An ARP packet for IPv4 over Ethernet (RFC 826): hardware type 1, protocol 0x0800, lengths 6 and 4.
public struct ARPPacket: Equatable {
    /// The operations.
    public static let request: UInt16 = 1, reply: UInt16 = 2
    /// Bytes of the packet.
    public static let bytes = 28

    /// Request or reply.
    public var operation: UInt16
    /// Who sends it, and whom it is about.
    public var senderMAC: EthernetAddress, senderIP: UInt32
    /// The station asked for (zero in a request), and its address.
    public var targetMAC: EthernetAddress, targetIP: UInt32

    /// A packet with these fields.
    public init(operation: UInt16, senderMAC: EthernetAddress, senderIP: UInt32, targetMAC: EthernetAddress, targetIP: UInt32) {
        self.operation = operation
        self.senderMAC = senderMAC
        self.senderIP = senderIP
        self.targetMAC = targetMAC
        self.targetIP = targetIP
    }

    /// The packet in an ARP frame's payload; nil unless it is Ethernet/IPv4 ARP.
    public init?(_ payload: [UInt8]) {
        guard payload.count >= Self.bytes, payload.be16(0) == 1, payload.be16(2) == EtherType.ipv4, payload[4] == 6, payload[5] == 4
        else { return nil }
        operation = payload.be16(6)
        senderMAC = EthernetAddress(payload, at: 8)
        senderIP = payload.be32(14)
        targetMAC = EthernetAddress(payload, at: 18)
        targetIP = payload.be32(24)
    }

    /// The packet's bytes.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Self.bytes)
        out.append16(1)
        out.append16(EtherType.ipv4)
        out.append(6)
        out.append(4)
        out.append16(operation)
        out += senderMAC.bytes
        out.append32(senderIP)
        out += targetMAC.bytes
        out.append32(targetIP)
        return out
    }
}
