/// TCP (RFC 9293) for the guest stack: the three-way handshake both ways, sequence and acknowledgment
/// tracking with wrap-around, the peer's receive window respected and our own advertised from free buffer
/// space, retransmission from the oldest unacknowledged byte with a doubling time-out (given up, with a RST, after
/// `maximumRetries`), FIN in both directions through FIN-WAIT, CLOSING, TIME-WAIT, CLOSE-WAIT and LAST-ACK, and
/// RST sent for segments no connection owns and taken to end a connection. Out-of-order segments are not
/// kept: they are answered with an ACK for what is expected, and the peer's retransmission fills the gap.
public final class TCP {
    /// Connections, including those accepted and not yet taken.
    var connections: [TCPConnection] = []
    /// Ports listening, and connections they accepted that `accept` has not handed out.
    var listening: [UInt16] = []
    var accepted: [TCPConnection] = []
    var nextPort: UInt16 = 49152

    /// Starts listening on `port`.
    public func listen(_ port: UInt16) { if !listening.contains(port) { listening.append(port) } }

    /// A connection a listener accepted (its handshake may still be finishing), or nil.
    public func accept() -> TCPConnection? { accepted.isEmpty ? nil : accepted.removeFirst() }

    /// Opens a connection to `destination`:`port` (a SYN goes at once).
    public func connect(_ destination: UInt32, port: UInt16, stack: NetStack) -> TCPConnection {
        nextPort = nextPort == 65535 ? 49152 : nextPort + 1
        let c = TCPConnection(localPort: nextPort, remote: destination, remotePort: port, iss: TCP.initialSequence(), state: .synSent)
        connections.append(c)
        c.output(stack)
        return c
    }

    static func initialSequence() -> UInt32 { UInt32(truncatingIfNeeded: nv_rdtsc() >> 2) }

    func arrived(_ segment: TCPSegment, from source: UInt32, stack: NetStack) {
        if let c = connections.first(where: { $0.localPort == segment.destinationPort && $0.remote == source && $0.remotePort == segment.sourcePort }) {
            c.arrived(segment, stack)
            return
        }
        let flags = segment.flags
        if flags & TCPSegment.Flag.rst != 0 { return }
        if flags & TCPSegment.Flag.syn != 0 && flags & TCPSegment.Flag.ack == 0 && listening.contains(segment.destinationPort) {
            let c = TCPConnection(
                localPort: segment.destinationPort, remote: source, remotePort: segment.sourcePort, iss: TCP.initialSequence(), state: .synReceived)
            c.rcvNxt = segment.sequence &+ 1
            c.sndWnd = UInt32(segment.window)
            c.mss = min(Int(segment.mss ?? 536), TCPConnection.ourMSS)
            connections.append(c)
            if accepted.count < 16 { accepted.append(c) }
            c.output(stack)
            return
        }
        // No connection: a reset (RFC 9293, "Reset Generation").
        if flags & TCPSegment.Flag.ack != 0 {
            TCPConnection.send(stack, to: source, port: segment.sourcePort, from: segment.destinationPort, sequence: segment.acknowledgment, acknowledgment: 0,
                flags: TCPSegment.Flag.rst, window: 0)
        } else {
            TCPConnection.send(stack, to: source, port: segment.sourcePort, from: segment.destinationPort, sequence: 0,
                acknowledgment: segment.sequence &+ segment.length, flags: TCPSegment.Flag.rst | TCPSegment.Flag.ack, window: 0)
        }
    }

    func tick(_ stack: NetStack, now: UInt64) {
        for c in connections { c.tick(stack, now: now) }
        connections.removeAll { $0.state == .closed }
    }
}

/// One TCP connection.
public final class TCPConnection {
    /// The states of RFC 9293 (LISTEN is the listener's).
    public enum State: Equatable {
        case synSent, synReceived, established, finWait1, finWait2, closing, timeWait, closeWait, lastAck, closed
    }

    /// The MSS announced, the receive buffer (the window advertised is what is free of it), retransmissions
    /// before giving up, and the time-out's first and largest values (ms).
    static let ourMSS = 1460, receiveBufferBytes = 65535, maximumRetries = 8
    static let initialTimeout: UInt64 = 300, maximumTimeout: UInt64 = 8000, timeWaitMilliseconds: UInt64 = 2000

    /// Where it is.
    public internal(set) var state: State
    /// The ends.
    public let localPort: UInt16, remote: UInt32, remotePort: UInt16
    let iss: UInt32
    var sndUna: UInt32, sndNxt: UInt32, sndWnd: UInt32 = 1
    var rcvNxt: UInt32 = 0
    var mss = 536
    /// Data not yet acknowledged, from `sndUna`, and how much of it was sent.
    let sendBuffer = ByteQueue()
    var sent = 0
    /// Whether our SYN and FIN were acknowledged, and whether the application closed and our FIN went.
    var synAcked = false, finAcked = false, closeRequested = false, finSent = false
    var retransmitAt: UInt64? = nil
    var timeout = TCPConnection.initialTimeout
    var retries = 0
    var timeWaitEnds: UInt64 = 0
    /// Data received that the application has not read.
    public var received: [UInt8] = []
    /// Whether the peer sent its FIN (all its data is in `received`), and whether the connection was reset (by
    /// the peer, or by retransmission giving up).
    public internal(set) var peerClosed = false, wasReset = false

    init(localPort: UInt16, remote: UInt32, remotePort: UInt16, iss: UInt32, state: State) {
        self.localPort = localPort
        self.remote = remote
        self.remotePort = remotePort
        self.iss = iss
        sndUna = iss
        sndNxt = iss
        self.state = state
    }

    /// Whether the handshake completed.
    public var isEstablished: Bool { synAcked && state != .closed }

    /// Bytes written and not yet acknowledged.
    public var unsentBytes: Int { sendBuffer.count }

    /// Queues `bytes` to send.
    public func write(_ bytes: [UInt8], _ stack: NetStack) {
        guard !closeRequested else { return }
        sendBuffer.append(bytes)
        output(stack)
    }

    /// Closes our direction once the queued data is sent (a FIN).
    public func close(_ stack: NetStack) {
        guard !closeRequested else { return }
        closeRequested = true
        if state == .synSent { state = .closed }
        output(stack)
    }

    /// Takes what was received.
    public func read() -> [UInt8] {
        defer { received.removeAll() }
        return received
    }

    var window: UInt16 { UInt16(max(0, Self.receiveBufferBytes - received.count)) }

    static func before(_ a: UInt32, _ b: UInt32) -> Bool { Int32(bitPattern: a &- b) < 0 }

    static func send(
        _ stack: NetStack, to remote: UInt32, port: UInt16, from localPort: UInt16, sequence: UInt32, acknowledgment: UInt32, flags: UInt8,
        window: UInt16, mss: UInt16? = nil, payload: [UInt8] = []
    ) {
        let segment = TCPSegment(
            source: stack.address, sourcePort: localPort, destination: remote, destinationPort: port, sequence: sequence,
            acknowledgment: acknowledgment, flags: flags, window: window, mss: mss, payload: payload)
        stack.send(to: remote, protocol: IPProtocol.tcp, segment.bytes)
    }

    func sendSegment(_ stack: NetStack, sequence: UInt32, flags: UInt8, mss: UInt16? = nil, payload: [UInt8] = []) {
        Self.send(
            stack, to: remote, port: remotePort, from: localPort, sequence: sequence, acknowledgment: flags & TCPSegment.Flag.ack != 0 ? rcvNxt : 0,
            flags: flags, window: window, mss: mss, payload: payload)
    }

    func sendAck(_ stack: NetStack) { sendSegment(stack, sequence: sndNxt, flags: TCPSegment.Flag.ack) }

    /// Sends what the state and the peer's window allow: the SYN or SYN-ACK until acknowledged, data, then the FIN.
    func output(_ stack: NetStack) {
        let now = NetStack.milliseconds
        switch state {
        case .closed, .timeWait: return
        case .synSent, .synReceived:
            if sndNxt == iss {
                let flags = state == .synSent ? TCPSegment.Flag.syn : TCPSegment.Flag.syn | TCPSegment.Flag.ack
                sendSegment(stack, sequence: iss, flags: flags, mss: UInt16(Self.ourMSS))
                sndNxt = iss &+ 1
            }
        default:
            while sent < sendBuffer.count && UInt32(sent) < sndWnd {
                let count = min(mss, sendBuffer.count - sent, Int(sndWnd) - sent)
                let sequence = sndUna &+ UInt32(sent)
                sendSegment(stack, sequence: sequence, flags: TCPSegment.Flag.ack | TCPSegment.Flag.psh, payload: sendBuffer.bytes(from: sent, count: count))
                sent += count
                if Self.before(sndNxt, sequence &+ UInt32(count)) { sndNxt = sequence &+ UInt32(count) }
            }
            if closeRequested && !finSent && sent == sendBuffer.count {
                let sequence = sndUna &+ UInt32(sendBuffer.count)
                sendSegment(stack, sequence: sequence, flags: TCPSegment.Flag.fin | TCPSegment.Flag.ack)
                finSent = true
                sndNxt = sequence &+ 1
                if state == .established { state = .finWait1 } else if state == .closeWait { state = .lastAck }
            }
        }
        if sndNxt != sndUna && retransmitAt == nil { retransmitAt = now + timeout }
    }

    func tick(_ stack: NetStack, now: UInt64) {
        if state == .timeWait {
            if now >= timeWaitEnds { state = .closed }
            return
        }
        guard let at = retransmitAt, now >= at, state != .closed else { return }
        retries += 1
        if retries > Self.maximumRetries {
            sendSegment(stack, sequence: sndNxt, flags: TCPSegment.Flag.rst)
            reset()
            return
        }
        // Go back to the oldest unacknowledged byte (a zero window is probed the same way, with a byte).
        timeout = min(timeout * 2, Self.maximumTimeout)
        retransmitAt = nil
        if state == .synSent || state == .synReceived { sndNxt = iss } else { sndNxt = sndUna }
        sent = 0
        finSent = false
        if sndWnd == 0 { sndWnd = 1 }
        output(stack)
    }

    func reset() {
        state = .closed
        wasReset = true
        retransmitAt = nil
    }

    /// A segment for this connection (RFC 9293, "Segment Arrives").
    func arrived(_ segment: TCPSegment, _ stack: NetStack) {
        let flags = segment.flags
        let ack = flags & TCPSegment.Flag.ack != 0
        if state == .synSent {
            let acceptable = ack && segment.acknowledgment == iss &+ 1
            if ack && !acceptable {
                if flags & TCPSegment.Flag.rst == 0 {
                    Self.send(stack, to: remote, port: remotePort, from: localPort, sequence: segment.acknowledgment, acknowledgment: 0,
                        flags: TCPSegment.Flag.rst, window: 0)
                }
                return
            }
            if flags & TCPSegment.Flag.rst != 0 {
                if acceptable { reset() }
                return
            }
            guard flags & TCPSegment.Flag.syn != 0, acceptable else { return }
            rcvNxt = segment.sequence &+ 1
            mss = min(Int(segment.mss ?? 536), Self.ourMSS)
            acknowledge(segment.acknowledgment, window: segment.window)
            state = .established
            sendAck(stack)
            output(stack)
            return
        }
        guard state != .closed else { return }
        // Acceptability: the segment must begin at what is expected, or overlap it (the old part is cut).
        var payload = segment.payload
        var sequence = segment.sequence
        if flags & TCPSegment.Flag.rst != 0 {
            if sequence == rcvNxt { reset() } else { sendAck(stack) }  // a challenge ACK for one out of place
            return
        }
        if Self.before(sequence, rcvNxt) {
            let old = Int(rcvNxt &- sequence)
            if old >= payload.count + (flags & TCPSegment.Flag.syn != 0 ? 1 : 0) && flags & TCPSegment.Flag.fin == 0 {
                sendAck(stack)  // a duplicate
                return
            }
            let cut = min(old, payload.count)
            payload.removeFirst(cut)
            sequence = sequence &+ UInt32(cut)
        }
        if sequence != rcvNxt {
            sendAck(stack)  // out of order: ask again for what is expected
            return
        }
        if flags & TCPSegment.Flag.syn != 0 && state != .synReceived {
            sendAck(stack)
            return
        }
        guard ack else { return }
        if state == .synReceived {
            guard !Self.before(segment.acknowledgment, iss &+ 1), !Self.before(sndNxt, segment.acknowledgment) else {
                Self.send(stack, to: remote, port: remotePort, from: localPort, sequence: segment.acknowledgment, acknowledgment: 0,
                    flags: TCPSegment.Flag.rst, window: 0)
                return
            }
            state = .established
        }
        if Self.before(sndNxt, segment.acknowledgment) {
            sendAck(stack)  // acknowledges what was never sent
            return
        }
        acknowledge(segment.acknowledgment, window: segment.window)
        if finAcked {
            switch state {
            case .finWait1: state = .finWait2
            case .closing: enterTimeWait()
            case .lastAck: state = .closed
            default: break
            }
        }
        var needsAck = false
        var whole = true  // every byte taken, so a FIN after them counts
        if !payload.isEmpty && (state == .established || state == .finWait1 || state == .finWait2) {
            let take = min(payload.count, Int(window))
            received = .joined(received, take == payload.count ? payload : payload.tail(from: 0, count: take))
            rcvNxt = rcvNxt &+ UInt32(take)
            needsAck = true
            whole = take == payload.count
        }
        if flags & TCPSegment.Flag.fin != 0 && whole && !peerClosed {
            rcvNxt = rcvNxt &+ 1
            peerClosed = true
            needsAck = true
            switch state {
            case .synReceived, .established: state = .closeWait
            case .finWait1: state = finAcked ? .timeWait : .closing
            case .finWait2: enterTimeWait()
            default: break
            }
            if state == .timeWait { enterTimeWait() }
        }
        if needsAck { sendAck(stack) }
        output(stack)
    }

    /// Takes `acknowledgment` (acceptable: not beyond `sndNxt`) and the peer's window.
    func acknowledge(_ acknowledgment: UInt32, window: UInt16) {
        sndWnd = UInt32(window)
        guard Self.before(sndUna, acknowledgment) else { return }
        var acked = Int(acknowledgment &- sndUna)
        if !synAcked {
            synAcked = true
            acked -= 1
        }
        let data = min(acked, sendBuffer.count)
        sendBuffer.removeFirst(data)
        sent = max(0, sent - data)
        if acked > data && finSent { finAcked = true }
        sndUna = acknowledgment
        retries = 0
        timeout = Self.initialTimeout
        retransmitAt = sndUna == sndNxt ? nil : NetStack.milliseconds + timeout
    }

    func enterTimeWait() {
        state = .timeWait
        retransmitAt = nil
        timeWaitEnds = NetStack.milliseconds + Self.timeWaitMilliseconds
    }
}
