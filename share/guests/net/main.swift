/// net: a network guest. Its command line configures the first network adapter and picks one job, words
/// separated by spaces (nestvm(7), "GUESTS"):
///
///     ip=ADDR/PREFIX [gw=ADDR] [name=NAME] JOB
///     JOB: ping=ADDR [count=N] | udp-echo=PORT | udp-send=ADDR:PORT [count=N] | flood=ADDR:PORT [count=N] [mac=MAC]
///          | http-serve=PORT | http-get=http://ADDR:PORT/PATH [discard]
///
/// Exit statuses (the guest's; `vmrun run` reports (status << 1) | 1): 0 when the job succeeded (a ping with
/// replies, a 200 response, every datagram echoed), 1 when it failed, 2 for a command line it cannot use or no
/// adapter. The servers run until the VM is stopped.
@_cdecl("guest_main")
public func guestMain(_ bootInfoPointer: UnsafeRawPointer) -> UInt32 {
    guard let boot = BootInfo(bootInfoPointer) else { return 2 }
    guard let ip = boot.option("ip"), let slash = ip.firstIndex(of: UInt8(ascii: "/")),
        let address = DottedQuad.parse(ip[..<slash]), let prefix = decimal(ip[(slash + 1)...]), prefix <= 32
    else { return usage("ip=ADDR/PREFIX is required (for example ip=192.168.100.2/24)") }
    var gateway: UInt32 = 0
    if let gw = boot.option("gw") {
        guard let g = DottedQuad.parse(gw[...]) else { return usage("gw=ADDR: not an IPv4 address") }
        gateway = g
    }
    guard let device = NetDevice(boot) else {
        print("net: no network adapter (add one: vmnet add VM --switch-name SWITCH)")
        return 2
    }
    let stack = NetStack(device: device, address: address, prefixLength: prefix, gateway: gateway)
    device.enableInterrupts()
    nv_timer_start(100)
    print("net: \(text(device.mac)) \(DottedQuad.text(address))/\(prefix)\(gateway != 0 ? " via " + DottedQuad.text(gateway) : "")")
    let started = NetStack.milliseconds
    while !device.isLinkUp {
        if Machine.isStopRequested { return 1 }
        if NetStack.milliseconds - started > 10_000 {
            print("net: the link is down (connect the adapter: vmnet connect VM --switch-name SWITCH)")
            return 1
        }
        stack.wait()
    }
    let count = boot.integerOption("count") ?? 4
    if let target = boot.option("ping") {
        guard let destination = DottedQuad.parse(target[...]) else { return usage("ping=ADDR: not an IPv4 address") }
        return ping(stack, destination, count: count)
    }
    if let port = boot.option("udp-echo") {
        guard let p = decimal(port[...]), p > 0, p < 65536 else { return usage("udp-echo=PORT: not a port") }
        return udpEcho(stack, UInt16(p))
    }
    if let target = boot.option("udp-send") {
        guard let (destination, port) = hostPort(target[...]) else { return usage("udp-send=ADDR:PORT: not an address and port") }
        return udpSend(stack, destination, port, count: count)
    }
    if let target = boot.option("flood") {
        guard let (destination, port) = hostPort(target[...]) else { return usage("flood=ADDR:PORT: not an address and port") }
        var hardware: EthernetAddress? = nil
        if let text = boot.option("mac") {
            guard let mac = macAddress(text) else { return usage("mac=XX:XX:XX:XX:XX:XX: not a MAC address") }
            hardware = mac
        }
        return flood(stack, destination, port, count: boot.integerOption("count") ?? 100_000, mac: hardware)
    }
    if let port = boot.option("http-serve") {
        guard let p = decimal(port[...]), p > 0, p < 65536 else { return usage("http-serve=PORT: not a port") }
        return httpServe(stack, UInt16(p), name: boot.option("name") ?? Array("net".utf8))
    }
    if let url = boot.option("http-get") {
        let scheme = Array("http://".utf8)
        guard url.count > scheme.count, Array(url.prefix(scheme.count)) == scheme else { return usage("http-get=http://ADDR:PORT/PATH") }
        let rest = url[scheme.count...]
        let slash = rest.firstIndex(of: UInt8(ascii: "/")) ?? rest.endIndex
        guard let (destination, port) = hostPort(rest[..<slash], defaultPort: 80) else { return usage("http-get=http://ADDR:PORT/PATH") }
        let path = slash == rest.endIndex ? Array("/".utf8) : Array(rest[slash...])
        return httpGet(stack, destination, port, path: path, host: Array(rest[..<slash]), discard: boot.hasWord("discard"))
    }
    return usage("no job: give ping=, udp-echo=, udp-send=, http-serve= or http-get=")
}

func usage(_ why: StaticString) -> UInt32 {
    print("net: \(why)")
    return 2
}

/// `ADDR:PORT` (or `ADDR` with a default port).
func hostPort(_ bytes: ArraySlice<UInt8>, defaultPort: Int? = nil) -> (UInt32, UInt16)? {
    let colon = bytes.firstIndex(of: UInt8(ascii: ":"))
    guard let address = DottedQuad.parse(bytes[..<(colon ?? bytes.endIndex)]) else { return nil }
    guard let port = colon.map({ decimal(bytes[($0 + 1)...]) }) ?? defaultPort, port > 0, port < 65536 else { return nil }
    return (address, UInt16(port))
}

/// `XX:XX:XX:XX:XX:XX` (or with `-`, or none).
func macAddress(_ text: [UInt8]) -> EthernetAddress? { EthernetAddress(text: text) }

func text(_ mac: EthernetAddress) -> String {
    let digits: [UInt8] = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for (k, b) in mac.bytes.enumerated() {
        if k > 0 { out.append(UInt8(ascii: ":")) }
        out += [digits[Int(b >> 4)], digits[Int(b & 15)]]
    }
    return String(decoding: out, as: UTF8.self)
}

/// Milliseconds with three decimals, from microseconds.
func milliseconds(_ microseconds: UInt64) -> String {
    let fraction = microseconds % 1000
    return "\(microseconds / 1000).\(fraction < 100 ? "0" : "")\(fraction < 10 ? "0" : "")\(fraction)"
}

/// Runs the stack until `done` says so, a stop is requested, or `timeout` ms pass; whether `done` did.
func run(_ stack: NetStack, timeout: UInt64, until done: () -> Bool) -> Bool {
    let deadline = NetStack.milliseconds + timeout
    while true {
        stack.poll()
        if done() { return true }
        if Machine.isStopRequested || NetStack.milliseconds >= deadline { return false }
        stack.wait()
    }
}

/// ping(8): an echo request a second, a line per reply, then the statistics.
func ping(_ stack: NetStack, _ destination: UInt32, count: Int) -> UInt32 {
    print("PING \(DottedQuad.text(destination)) 56 data bytes")
    let identifier = UInt16(truncatingIfNeeded: nv_rdtsc() >> 10)
    let data = [UInt8]((0..<56).map { UInt8($0) })
    var received = 0
    for sequence in 1...max(count, 1) {
        let sentAt = NetStack.microseconds
        stack.ping(destination, identifier: identifier, sequence: UInt16(sequence), data: data)
        var reply: (source: UInt32, identifier: UInt16, sequence: UInt16, ttl: UInt8, at: UInt64)? = nil
        _ = run(stack, timeout: 1000) {
            while !stack.echoReplies.isEmpty {
                let r = stack.echoReplies.removeFirst()
                if r.identifier == identifier && r.sequence == UInt16(sequence) && r.source == destination { reply = r }
            }
            return reply != nil
        }
        if let reply {
            received += 1
            print("64 bytes from \(DottedQuad.text(destination)): icmp_seq=\(sequence) ttl=\(reply.ttl) time=\(milliseconds(reply.at - sentAt)) ms")
            if sequence < count { _ = run(stack, timeout: 1000 - min(1000, (NetStack.microseconds - sentAt) / 1000)) { false } }
        }
        if Machine.isStopRequested { break }
    }
    let transmitted = max(count, 1)
    print("--- \(DottedQuad.text(destination)) ping statistics ---")
    print("\(transmitted) packets transmitted, \(received) received, \((transmitted - received) * 100 / transmitted)% packet loss")
    return received > 0 ? 0 : 1
}

/// Answers every datagram to `port` with its own bytes, until stopped.
func udpEcho(_ stack: NetStack, _ port: UInt16) -> UInt32 {
    stack.bindUDP(port)
    print("net: udp-echo on port \(port)")
    while !Machine.isStopRequested {
        stack.poll()
        while let datagram = stack.receiveUDP(port) {
            stack.sendUDP(to: datagram.source, port: datagram.port, from: port, datagram.payload)
            print("udp-echo: \(datagram.payload.count) bytes from \(DottedQuad.text(datagram.source)):\(datagram.port)")
        }
        stack.wait()
    }
    return 0
}

/// Sends `count` datagrams to an echo server and prints each answer.
func udpSend(_ stack: NetStack, _ destination: UInt32, _ port: UInt16, count: Int) -> UInt32 {
    let local: UInt16 = 40000
    stack.bindUDP(local)
    var answered = 0
    for k in 1...max(count, 1) {
        let message = Array("datagram \(k)".utf8)
        stack.sendUDP(to: destination, port: port, from: local, message)
        var answer: [UInt8]? = nil
        _ = run(stack, timeout: 2000) {
            if let d = stack.receiveUDP(local), d.source == destination, d.port == port { answer = d.payload }
            return answer != nil
        }
        if let answer {
            answered += 1
            print("udp: \(String(decoding: answer, as: UTF8.self)) from \(DottedQuad.text(destination)):\(port)")
        } else {
            print("udp: no answer to datagram \(k)")
        }
    }
    print("udp: \(answered) of \(max(count, 1)) echoed")
    return answered == max(count, 1) ? 0 : 1
}

/// Sends `count` 1000-byte UDP datagrams to `destination`:`port` as fast as the adapter takes them (a load for
/// queue limits), then says how many went.
func flood(_ stack: NetStack, _ destination: UInt32, _ port: UInt16, count: Int, mac: EthernetAddress?) -> UInt32 {
    let payload = [UInt8](repeating: 0x5A, count: 1000)
    if let mac { stack.learn(destination, mac) }  // `mac=`: no ARP (a station that never answers one)
    // The first datagram waits for ARP to find the destination; the rest go straight to its address.
    stack.sendUDP(to: destination, port: port, from: 40001, payload)
    guard run(stack, timeout: 5000, until: { stack.knows(destination) }) else {
        print("flood: no answer to ARP from \(DottedQuad.text(destination))")
        return 1
    }
    var sent = 1
    while sent < count && !Machine.isStopRequested {
        if stack.trySendUDP(to: destination, port: port, from: 40001, payload) {
            sent += 1
        } else {
            stack.poll()  // the transmit ring is full: take back what the device finished
        }
    }
    print("flood: \(sent) datagrams sent to \(DottedQuad.text(destination)):\(port)")
    return 0
}

/// Answers every GET with `hello from NAME`, and `GET /bytes/N` with N bytes (at most 1 GiB, sent as the peer takes
/// them: a bulk transfer for measuring), until stopped.
func httpServe(_ stack: NetStack, _ port: UInt16, name: [UInt8]) -> UInt32 {
    stack.tcp.listen(port)
    print("net: http-serve on port \(port)")
    var open: [(connection: TCPConnection, request: [UInt8])] = []
    var streaming: [(connection: TCPConnection, left: Int)] = []
    let end = Array("\r\n\r\n".utf8), bulk = Array("GET /bytes/".utf8)
    let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 16384)
    while !Machine.isStopRequested {
        stack.poll()
        while let c = stack.tcp.accept() { open.append((c, [])) }
        var k = 0
        while k < open.count {
            let c = open[k].connection
            open[k].request += c.read()
            let request = open[k].request
            if c.state == .closed || c.state == .timeWait {
                open.remove(at: k)
                continue
            }
            if contains(request, end) || c.peerClosed || request.count > 8192 {
                let line = request.prefix { $0 != 0x0D && $0 != 0x0A }
                let isGet = line.count >= 4 && Array(line.prefix(4)) == Array("GET ".utf8)
                var count = -1
                if line.count > bulk.count && Array(line.prefix(bulk.count)) == bulk {
                    count = decimal(line[(line.startIndex + bulk.count)...].prefix { $0 != UInt8(ascii: " ") }) ?? -1
                }
                let body = !isGet ? Array("only GET is served\n".utf8) : count >= 0 ? [] : Array("hello from ".utf8) + name + [0x0A]
                let length = count >= 0 ? min(count, 1 << 30) : body.count
                let status = isGet ? "200 OK" : "501 Not Implemented"
                let head = "HTTP/1.0 \(status)\r\nContent-Type: text/plain\r\nContent-Length: \(length)\r\nConnection: close\r\n\r\n"
                c.write(Array(head.utf8) + body, stack)
                if count >= 0 { streaming.append((c, length)) } else { c.close(stack) }
                print("http: \(String(decoding: line, as: UTF8.self)) from \(DottedQuad.text(c.remote)) -> \(isGet ? 200 : 501)")
                open.remove(at: k)  // the stack finishes the close
                continue
            }
            k += 1
        }
        // Bulk bodies are queued a chunk at a time while the connection has little waiting.
        for n in streaming.indices {
            let c = streaming[n].connection
            while streaming[n].left > 0 && c.unsentBytes < 65536 && c.state != .closed {
                let take = min(chunk.count, streaming[n].left)
                c.write(take == chunk.count ? chunk : Array(chunk[0..<take]), stack)
                streaming[n].left -= take
            }
            if streaming[n].left == 0 { c.close(stack) }
        }
        streaming.removeAll { $0.left == 0 || $0.connection.state == .closed }
        stack.wait()
    }
    return 0
}

func contains(_ bytes: [UInt8], _ pattern: [UInt8]) -> Bool {
    guard bytes.count >= pattern.count else { return false }
    for k in 0...(bytes.count - pattern.count) where Array(bytes[k..<k + pattern.count]) == pattern { return true }
    return false
}

/// Fetches `path` and prints the response's body; 0 on a 200.
func httpGet(_ stack: NetStack, _ destination: UInt32, _ port: UInt16, path: [UInt8], host: [UInt8], discard: Bool) -> UInt32 {
    let started = NetStack.microseconds
    let c = stack.tcp.connect(destination, port: port, stack: stack)
    guard run(stack, timeout: 10_000, until: { c.isEstablished || c.state == .closed }), c.isEstablished else {
        print("net: cannot connect to \(DottedQuad.text(destination)):\(port)\(c.wasReset ? " (refused)" : " (timed out)")")
        return 1
    }
    c.write(Array("GET ".utf8) + path + Array(" HTTP/1.0\r\nHost: ".utf8) + host + Array("\r\nUser-Agent: nestvm-net\r\n\r\n".utf8), stack)
    // Our side closes first (a half-close: the response still comes), so the server ends in CLOSED rather than
    // TIME-WAIT; this machine's ports and sequence numbers repeat from run to run, and a server still in TIME-WAIT
    // with the same four addresses would refuse the next run's connection.
    c.close(stack)
    // With `discard`, only the first bytes are kept (the status line and headers) and the rest counted.
    var response: [UInt8] = []
    var total = 0
    func take() {
        let bytes = c.read()
        total += bytes.count
        if !discard || response.count < 4096 { response = .joined(response, bytes) }
    }
    let finished = run(stack, timeout: 300_000) {
        take()
        return c.peerClosed || c.state == .closed
    }
    take()
    let elapsed = max(1, NetStack.microseconds - started)
    _ = run(stack, timeout: 2000) { c.state == .closed || c.state == .timeWait }
    guard finished, !c.wasReset else {
        print("net: the response did not complete\(c.wasReset ? " (reset)" : "")")
        return 1
    }
    let end = Array("\r\n\r\n".utf8)
    var split = -1
    if response.count >= 4 {
        for k in 0...(response.count - 4) where Array(response[k..<k + 4]) == end {
            split = k
            break
        }
    }
    guard split >= 0 else {
        print("net: not an HTTP response")
        return 1
    }
    let statusLine = response.prefix { $0 != 0x0D }
    let words = statusLine.split(separator: UInt8(ascii: " "))
    let ok = words.count >= 2 && Array(words[1]) == Array("200".utf8)
    if discard {
        let body = total - split - 4
        print("net: \(body) bytes of body in \(milliseconds(elapsed)) ms of machine time")
    } else {
        nv_console_write_bytes(response.tail(from: split + 4))
    }
    if !ok { print("net: \(String(decoding: statusLine, as: UTF8.self))") }
    return ok ? 0 : 1
}

func nv_console_write_bytes(_ bytes: [UInt8]) {
    bytes.withUnsafeBufferPointer { if let base = $0.baseAddress { nv_console_write(base, $0.count) } }
}
