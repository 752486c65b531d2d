import Foundation
import NestStore
import Packets
import TestSupport
import Testing

/// Frames between running VMs: the shipped `net` guest on both ends of an L0 switch, and the switch process
/// driven directly, as a worker would, to see each port setting drop what it should and count it.
@Suite("L0 networks", .serialized)
struct NetworkTests {
    /// Two VMs on a private switch: ping, UDP echo and an HTTP GET from a third, each run to its end by `vmrun
    /// run` (status 1: the guest's 0), with counters in `vmnet get` and the ports in `vmswitch get` while the
    /// servers run; after `vmnet disconnect`, the ping fails.
    @Test("ping, UDP echo and HTTP between VMs on a private switch; counters while they run; a disconnected adapter gets nothing")
    func privateSwitch() throws {
        let runner = try ToolRunner()
        let setUp = try runner.run(
            """
            vmswitch new lan --switch-type private > /dev/null &&
            vmrun new echo --image net --memory 64M --switch-name lan --command-line 'ip=10.0.0.1/24 udp-echo=7' > /dev/null &&
            vmrun new web --image net --memory 64M --switch-name lan --command-line 'ip=10.0.0.3/24 http-serve=80 name=web' > /dev/null &&
            vmrun new client --image net --memory 64M --switch-name lan --command-line 'ip=10.0.0.2/24 ping=10.0.0.1 count=3' > /dev/null &&
            vmrun start echo web
            """)
        try #require(setUp.status == 0, "\(setUp.stderr)")
        defer { _ = try? runner.run("vmrun stop echo web --turn-off") }

        let ping = try runner.run("vmrun run client --timeout 60")
        #expect(ping.status == 1, "\(ping.stdout)\(ping.stderr)")
        #expect(ping.stdout.contains("64 bytes from 10.0.0.1: icmp_seq=3 ttl=64"))
        #expect(ping.stdout.contains("3 packets transmitted, 3 received, 0% packet loss"))

        let udp = try runner.run(
            "vmrun set client --command-line 'ip=10.0.0.2/24 udp-send=10.0.0.1:7 count=2' && vmrun run client --timeout 60")
        #expect(udp.status == 1, "\(udp.stdout)\(udp.stderr)")
        #expect(udp.stdout.contains("udp: datagram 2 from 10.0.0.1:7") && udp.stdout.contains("udp: 2 of 2 echoed"))

        let http = try runner.run(
            "vmrun set client --command-line 'ip=10.0.0.2/24 http-get=http://10.0.0.3:80/index.html' && vmrun run client --timeout 60")
        #expect(http.status == 1, "\(http.stdout)\(http.stderr)")
        #expect(http.stdout.hasSuffix("hello from web\n"))

        // The echo server answered 3 pings and 2 datagrams (and an ARP request or more): counted at its port.
        let counters = try runner.run(
            "vmnet get echo --format json | jq -r '[.FramesSent, .FramesReceived, .DroppedByMacAddressSpoofing] | @tsv'")
        let values = counters.stdout.split(whereSeparator: { $0 == "\t" || $0 == "\n" }).compactMap { Int($0) }
        #expect(values.count == 3 && values[0] >= 5 && values[1] >= 5 && values[2] == 0, "\(counters.stdout)\(counters.stderr)")
        let ports = try runner.run("vmswitch get lan --format json | jq -r '.Ports[] | \"\\(.VMName) \\(.Running)\"'")
        #expect(ports.stdout == "client false\necho true\nweb true\n", "\(ports.stdout)\(ports.stderr)")

        let unplugged = try runner.run(
            "vmnet disconnect client && vmrun set client --command-line 'ip=10.0.0.2/24 ping=10.0.0.1 count=1' && vmrun run client --timeout 60"
        )
        #expect(unplugged.status == 3, "\(unplugged.stdout)\(unplugged.stderr)")
        #expect(unplugged.stdout.contains("the link is down"))
    }

    /// A flood from one VM at another that never takes its frames (hello does not drive its adapter): the frames
    /// beyond the victim's queue are dropped and counted at its port (DroppedByQueueLimit), and meanwhile two other
    /// VMs on the same switch still ping each other with every reply.
    @Test("a flooding VM fills only its victim's queue (DroppedByQueueLimit); the other VMs keep being served")
    func flood() throws {
        let runner = try ToolRunner()
        let setUp = try runner.run(
            """
            vmswitch new lan --switch-type private > /dev/null &&
            vmrun new echo --image net --memory 64M --switch-name lan --command-line 'ip=10.0.0.1/24 udp-echo=7' > /dev/null &&
            vmrun new victim --image hello --memory 64M --switch-name lan --command-line echo > /dev/null &&
            mac=$(vmnet get victim -o MacAddress --format tsv --no-headings) &&
            vmrun new flooder --image net --memory 64M --switch-name lan --command-line "ip=10.0.0.6/24 flood=10.0.0.5:9 count=10000000 mac=$mac" > /dev/null &&
            vmrun new client --image net --memory 64M --switch-name lan --command-line 'ip=10.0.0.2/24 ping=10.0.0.1 count=3' > /dev/null &&
            vmrun start echo victim flooder
            """)
        try #require(setUp.status == 0, "\(setUp.stderr)")
        defer { _ = try? runner.run("vmrun stop echo victim flooder --turn-off") }
        // Bounded: 20 s for the victim's queue to overflow.
        let overflowed = try runner.run(
            "for i in $(seq 200); do n=$(vmnet get victim --format json | jq '.DroppedByQueueLimit // 0'); [ \"$n\" -gt 0 ] && exit 0; sleep 0.1; done; exit 1"
        )
        #expect(overflowed.status == 0, "\(overflowed.stderr)")
        let ping = try runner.run("vmrun run client --timeout 60")
        #expect(ping.stdout.contains("3 packets transmitted, 3 received"), "\(ping.stdout)\(ping.stderr)")
        let counters = try runner.run(
            "vmnet get --format json | jq -r 'select(.VMName != \"client\") | \"\\(.VMName) \\(.FramesSent > 256) \\(.FramesReceived < 100) \\(.DroppedByQueueLimit > 0)\"'"
        )
        // The flood went to the victim alone: the echo VM received only the pings' frames, and dropped none.
        #expect(
            counters.stdout == "echo false true false\nflooder true true false\nvictim false false true\n",
            "\(counters.stdout)\(counters.stderr)")
    }

    /// An internal switch's host adapter in user mode (libslirp): a guest fetches a page from an HTTP server the
    /// test runs on the host's loopback, through `vEthernet (Lab)`'s address; with a NetNat over the subnet and a
    /// static mapping, curl on the host reaches an HTTP server in the guest, and the guest reaches a server on
    /// another of the host's addresses.
    @Test("internal switch: a guest reaches the host's loopback through the host adapter, and a NetNat mapping brings curl to a guest")
    func internalSwitch() throws {
        let runner = try ToolRunner()
        let web = Int.random(in: 20000..<30000), mapped = Int.random(in: 30000..<40000)
        let pid = try runner.servePage("page from the host\n", port: web)
        defer { kill(pid, SIGKILL) }
        let www = runner.stateDirectory + "/www"
        let setUp = try runner.run(
            """
            vmswitch new Lab --switch-type internal > /dev/null &&
            vmnet ip add --interface-alias 'vEthernet (Lab)' --ip-address 10.10.0.1 --prefix-length 24 > /dev/null &&
            vmrun new g --image net --memory 64M --switch-name Lab \
              --command-line 'ip=10.10.0.20/24 gw=10.10.0.1 http-get=http://10.10.0.1:\(web)/index.html' > /dev/null &&
            for i in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:\(web)/ && break; sleep 0.1; done
            """)
        try #require(setUp.status == 0, "\(setUp.stderr)")
        let fetched = try runner.run("vmrun run g --timeout 60")
        #expect(fetched.status == 1 && fetched.stdout.hasSuffix("page from the host\n"), "\(fetched.stdout)\(fetched.stderr)")

        let served = try runner.run(
            """
            netnat new LabNAT --internal-prefix 10.10.0.0/24 > /dev/null &&
            netnat mapping add LabNAT --protocol tcp --external-ip-address 127.0.0.1 --external-port \(mapped) --internal-ip-address 10.10.0.20 --internal-port 80 > /dev/null &&
            vmrun set g --command-line 'ip=10.10.0.20/24 gw=10.10.0.1 http-serve=80 name=g' && vmrun start g &&
            for i in $(seq 100); do curl -sS -m 5 http://127.0.0.1:\(mapped)/ 2> /dev/null && break; sleep 0.1; done
            """)
        _ = try runner.run("vmrun stop g --turn-off")
        #expect(served.stdout == "hello from g\n", "\(served.stdout)\(served.stderr)")

        // With the NetNat, a guest reaches past the host adapter: a server on another of the host's addresses (when
        // the host has one besides loopback), through the host's own sockets.
        let other = try runner.run("hostname -I 2> /dev/null | tr ' ' '\\n' | grep -E '^[0-9]+\\.' | grep -v '^127\\.' | head -1")
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !other.isEmpty else { return }
        let outside = try runner.startBackground("python3 -m http.server \(web + 1) --bind \(other) --directory '\(www)'")
        defer { kill(outside, SIGKILL) }  // SIGTERM may be ignored in what this process hands down
        let beyond = try runner.run(
            """
            for i in $(seq 50); do curl -s -o /dev/null http://\(other):\(web + 1)/ && break; sleep 0.1; done
            vmrun set g --command-line 'ip=10.10.0.20/24 gw=10.10.0.1 http-get=http://\(other):\(web + 1)/index.html' && vmrun run g --timeout 60
            """)
        #expect(beyond.stdout.hasSuffix("page from the host\n"), "\(beyond.stdout)\(beyond.stderr)")
    }

    /// As root, in a network namespace the test makes: `--host-adapter tap` makes `vEthernet (Lab)` a TAP interface
    /// with its address, so the host's own ping and curl reach a guest; a NetNat over the subnet becomes an
    /// nftables table that masquerades the subnet and turns the static mapping into a DNAT rule.
    @Test(
        "as root, in a network namespace: a TAP host adapter lets the host ping and curl a guest; a NetNat becomes kernel NAT",
        .enabled(if: geteuid() == 0, "needs root (a TAP interface and a network namespace)"))
    func tapHostAdapter() throws {
        let namespace = try Namespace("nvtap")
        defer { namespace.remove() }
        let inside = namespace.run
        let setUp = try inside(
            """
            vmswitch new Lab --switch-type internal --host-adapter tap > /dev/null &&
            vmnet ip add --interface-alias 'vEthernet (Lab)' --ip-address 10.10.0.1 --prefix-length 24 > /dev/null &&
            netnat new LabNAT --internal-prefix 10.10.0.0/24 > /dev/null &&
            netnat mapping add LabNAT --protocol tcp --external-ip-address 0.0.0.0 --external-port 8080 --internal-ip-address 10.10.0.20 --internal-port 80 > /dev/null &&
            vmrun new g --image net --memory 64M --switch-name Lab --command-line 'ip=10.10.0.20/24 gw=10.10.0.1 http-serve=80 name=g' > /dev/null &&
            vmrun start g
            """)
        try #require(setUp.status == 0, "\(setUp.stderr)")
        defer { _ = try? inside("vmrun stop g --turn-off") }
        let tapName = try inside("vmnet adapter get 'vEthernet (Lab)' --format json | jq -r '\"nvtap\\(.ifIndex)\"'").stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let reached = try inside(Self.pingAndFetch("10.10.0.20") + " && ip -4 -o addr show \(tapName) | grep -o 'inet [0-9./]*'")
        #expect(reached.stdout == "2\nhello from g\ninet 10.10.0.1/24\n", "\(reached.stdout)\(reached.stderr)")
        let rules = try inside("sleep 0.6; nft list table ip nestvm-\(tapName)")
        #expect(rules.stdout.contains("ip saddr 10.10.0.0/24 oifname != \"\(tapName)\" masquerade"), "\(rules.stdout)\(rules.stderr)")
        #expect(rules.stdout.contains("tcp dport 8080 dnat to 10.10.0.20:80"), "\(rules.stdout)")
    }

    /// As root, in a network namespace: an External switch binds a TAP interface the namespace's host set up with
    /// an address of its own, and the host pings and curls a guest on it; binding an interface that is not a TAP
    /// one is refused, saying so.
    @Test(
        "as root, in a network namespace: an External switch binds a TAP interface, and the host reaches a guest through it",
        .enabled(if: geteuid() == 0, "needs root (a TAP interface and a network namespace)"))
    func externalSwitch() throws {
        let namespace = try Namespace("nvext")
        defer { namespace.remove() }
        let inside = namespace.run
        let refused = try inside("vmswitch new Out --switch-type external --net-adapter-name lo")
        #expect(refused.status != 0 && refused.stderr.contains("'lo' is not a TAP interface"), "\(refused.stderr)")
        let setUp = try inside(
            """
            ip tuntap add dev uplink0 mode tap && ip addr add 10.20.0.1/24 dev uplink0 && ip link set uplink0 up &&
            vmswitch new Out --switch-type external --net-adapter-name uplink0 --format json | jq -r .NetAdapterInterfaceDescription &&
            vmrun new g --image net --memory 64M --switch-name Out --command-line 'ip=10.20.0.2/24 http-serve=80 name=outside' > /dev/null &&
            vmrun start g
            """)
        try #require(setUp.status == 0, "\(setUp.stderr)")
        defer { _ = try? inside("vmrun stop g --turn-off") }
        #expect(setUp.stdout == "uplink0\n")
        let reached = try inside(Self.pingAndFetch("10.20.0.2"))
        #expect(reached.stdout == "2\nhello from outside\n", "\(reached.stdout)\(reached.stderr)")
    }

    /// A script for the host: once `address` answers a ping (within 5 s), two pings counted by their replies, then
    /// the page its HTTP server gives.
    static func pingAndFetch(_ address: String) -> String {
        """
        for i in $(seq 50); do ping -c 1 -W 1 \(address) > /dev/null && break; sleep 0.1; done
        ping -c 2 -W 2 \(address) | grep -c 'bytes from \(address)' && curl -sS -m 5 http://\(address)/
        """
    }

    /// A network namespace of the test's own, with its loopback up, for commands as root.
    struct Namespace {
        let runner: ToolRunner
        let name: String

        /// Makes namespace `prefix` and this process's id.
        init(_ prefix: String) throws {
            runner = try ToolRunner()
            name = "\(prefix)\(getpid() % 100000)"
            let made = try runner.run("ip netns add \(name) && ip netns exec \(name) ip link set lo up")
            try #require(made.status == 0, "\(made.stderr)")
        }

        /// Runs `command` with bash inside the namespace (the tools on PATH, the runner's state directory).
        func run(_ command: String) throws -> ToolRunner.Result {
            let quoted = "'" + command.replacingOccurrences(of: "'", with: "'\\''") + "'"
            return try runner.run("ip netns exec \(name) bash -o pipefail -c \(quoted)")
        }

        func remove() { _ = try? runner.run("ip netns del \(name)") }
    }

    /// The switch process, joined by the test as three workers would (`port ADAPTERID`): MAC address spoofing Off
    /// drops a frame from another source, DhcpGuard a DHCP offer, RouterGuard a router advertisement, each counted
    /// in `vmswitch get`; `vmnet set` applies while the switch runs; a port that never reads loses frames beyond
    /// its queue (DroppedByQueueLimit) while the others keep getting theirs; runts and oversized frames are not
    /// forwarded; a port for an adapter not on the switch is refused.
    @Test("the switch process applies MAC spoofing, DHCP and router guards and queue limits per port, and counts")
    func switchProcess() throws {
        let runner = try ToolRunner()
        let setUp = try runner.run(
            """
            vmswitch new lan --switch-type private > /dev/null && for v in a b c; do vmrun new $v --image hello --memory 64M --switch-name lan > /dev/null; done &&
            vmrun new other --image hello --memory 64M > /dev/null && vmnet add other &&
            vmnet set a --dhcp-guard on --router-guard on > /dev/null
            """)
        try #require(setUp.status == 0, "\(setUp.stderr)")
        let inventory = Inventory(store: try Store(directory: runner.stateDirectory))
        let switchId = try #require(try inventory.switches(host: nil).first?.string("Id"))
        func adapter(_ vm: String) throws -> MachineAdapter {
            let id = try #require(try inventory.vms(host: nil, selectors: [.name(vm)]).rows.first?.id)
            return try #require(try inventory.machineAdapters(vmId: id).first)
        }
        let (a, b, c, other) = (try adapter("a"), try adapter("b"), try adapter("c"), try adapter("other"))

        // The switch's process, as a worker starts it (in the background; ended by its PID).
        let pid = try runner.startBackground("vmrun switch --state-dir '\(runner.stateDirectory)' \(switchId)")
        defer { kill(pid, SIGKILL) }  // SIGTERM may be ignored in what this process hands down
        let socketPath = WorkerFiles(stateDirectory: runner.stateDirectory, switchId: switchId).switchSocket
        func join(_ adapter: MachineAdapter) throws -> (fd: Int32, reply: String) {
            var fd: Int32?
            for _ in 0..<200 where fd == nil {
                fd = SwitchSocket.connect(socketPath)
                if fd == nil { usleep(10_000) }
            }
            let socket = try #require(fd)
            var tv = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            _ = SwitchSocket.send(socket, Array("port \(adapter.id)".utf8))
            guard case .message(let reply) = SwitchSocket.receive(socket, waiting: true) else { return (socket, "") }
            return (socket, String(decoding: reply, as: UTF8.self))
        }
        let refused = try join(other)
        #expect(refused.reply.hasPrefix("error adapter"), "\(refused.reply)")
        close(refused.fd)
        let (pa, pb, pc) = (try join(a), try join(b), try join(c))
        #expect(pa.reply == "ok" && pb.reply == "ok" && pc.reply == "ok")
        defer { [pa.fd, pb.fd, pc.fd].forEach { close($0) } }

        let macA = EthernetAddress(a.mac), macB = EthernetAddress(b.mac), spoofed = EthernetAddress(bits: 0x00155D0000EE)
        func udp(from: EthernetAddress, _ sourcePort: UInt16, _ destinationPort: UInt16) -> [UInt8] {
            let d = UDPDatagram(source: 1, sourcePort: sourcePort, destination: 2, destinationPort: destinationPort, payload: [1])
            return EthernetFrame(
                destination: .broadcast, source: from, etherType: EtherType.ipv4,
                payload: IPv4Packet(source: 1, destination: 2, protocol: IPProtocol.udp, payload: d.bytes).bytes
            ).bytes
        }
        let advertisement = EthernetFrame(
            destination: .broadcast, source: macA, etherType: EtherType.ipv4,
            payload: IPv4Packet(
                source: 1, destination: 2, protocol: IPProtocol.icmp,
                payload: ICMPMessage(type: ICMPMessage.routerAdvertisement, identifier: 0, sequence: 0, data: []).bytes
            ).bytes
        ).bytes
        /// What `fd` received within 0.3 s.
        func drain(_ fd: Int32) -> [[UInt8]] {
            var frames: [[UInt8]] = []
            var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0)]
            while poll(&fds, 1, 300) > 0, case .message(let m) = SwitchSocket.receive(fd) { frames.append(m) }
            return frames
        }

        for frame in [
            udp(from: spoofed, 68, 67), udp(from: macA, 67, 68), advertisement, udp(from: macA, 68, 67),
            [UInt8](repeating: 0xFF, count: 10),
        ] {
            #expect(SwitchSocket.send(pa.fd, frame))
        }
        #expect(SwitchSocket.send(pa.fd, udp(from: macA, 68, 67) + [UInt8](repeating: 0, count: 1600)))  // over 1514: not forwarded
        let atB = drain(pb.fd)
        #expect(atB == [udp(from: macA, 68, 67)], "b got \(atB.count) frames")
        #expect(drain(pc.fd).count == 1)

        // MAC address spoofing On for a, applied while the switch runs (read every 0.5 s): the spoofed source passes.
        _ = try runner.run("vmnet set a --mac-address-spoofing on")
        usleep(800_000)
        #expect(SwitchSocket.send(pa.fd, udp(from: spoofed, 68, 67)))
        #expect(drain(pb.fd).count == 1)

        // b floods c, which never reads: c's queue fills, the frames beyond are dropped; a still gets b's unicasts.
        let toC = EthernetFrame(
            destination: EthernetAddress(c.mac), source: macB, etherType: EtherType.ipv4, payload: [UInt8](repeating: 7, count: 1000)
        ).bytes
        let toA = EthernetFrame(destination: macA, source: macB, etherType: EtherType.ipv4, payload: [1, 2]).bytes
        _ = SwitchSocket.send(
            pc.fd, EthernetFrame(destination: macB, source: EthernetAddress(c.mac), etherType: EtherType.ipv4, payload: [0]).bytes)
        _ = drain(pb.fd)
        var sent = 0
        for k in 0..<3000 {
            var fds = [pollfd(fd: pb.fd, events: Int16(POLLOUT), revents: 0)]
            guard poll(&fds, 1, 1000) > 0 else { break }
            if SwitchSocket.send(pb.fd, k % 100 == 0 ? toA : toC) { sent += 1 }
        }
        let atA = drain(pa.fd)
        #expect(sent == 3000 && atA.filter { $0 == toA }.count == 30, "sent \(sent), a got \(atA.count)")

        let record = try runner.run(
            "vmswitch get lan --format json | jq -r '.Ports[] | \"\\(.VMName) \\(.DroppedByMacAddressSpoofing) \\(.DroppedByDhcpGuard) \\(.DroppedByRouterGuard) \\(.DroppedByQueueLimit > 0)\"'"
        )
        #expect(record.stdout == "a 1 1 1 false\nb 0 0 0 false\nc 0 0 0 true\n", "\(record.stdout)\(record.stderr)")
    }
}
