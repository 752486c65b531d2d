/// A nested VM's network adapter: a virtio-net device (the one L0's machine uses) over the VM's memory, at the
/// device window's page `index + 1`, its record's settings (its switch, MacAddressSpoofing, DhcpGuard, RouterGuard)
/// and its port on its switch.
final class NestedAdapter {
    let id: [UInt8]
    let device: VirtioNet
    let mac: EthernetAddress
    /// Its port number on whichever switch it is connected to (unique among minivisor's ports).
    let port: Int
    /// Frames were put in its receive queue since minivisor last looked (its VM's processor is woken).
    var delivered = false
    /// The switch it is on (`Networks.switches`), nil while on none.
    var switchIndex: Int? = nil

    init(id: [UInt8], device: VirtioNet, mac: EthernetAddress, port: Int) {
        self.id = id
        self.device = device
        self.mac = mac
        self.port = port
    }
}

/// minivisor's networks, as this VM's inventory describes them and L0 sends them (nestvm(7), "NETWORKS"): a
/// learning switch per VMSwitch (the packet code L0's switches run), its ports the nested VMs' adapters; an
/// Internal switch's port 0 this VM's own `vEthernet (NAME)` adapter, an External switch's port 0 the adapter of
/// this VM's that it binds (`Ethernet`, a virtio-net device L0 gave it), frames crossing it with the nested VMs'
/// own MACs, so that L0's MacAddressSpoofing for this VM decides whether they go further. This VM's own adapters
/// have the addresses `vmnet ip add --host VM` gave them: they answer ARP and ping, and a NetNat translates its
/// internal prefix to the address of the adapter that leads outside (WinNAT: `NetworkAddressTranslator`), its
/// static mappings letting connections in.
final class Networks {
    /// One of this VM's adapters: its driver, its name in the inventory (`Ethernet`), found by its MAC.
    struct Uplink {
        let device: NetDevice
        var name: [UInt8] = []
        /// Frames waiting for a transmit buffer (the device's ring holds 32), sent first at the next pump.
        var backlog: [[UInt8]] = []
    }
    /// The most frames an uplink's backlog holds; beyond it frames are dropped, as a full queue drops them.
    static let backlogLimit = 256
    /// An IP interface of this VM's: an adapter's addresses, its ARP cache, packets waiting for an ARP answer, and
    /// where its frames go (straight to an uplink, or into a switch at a port).
    final class Endpoint {
        let name: [UInt8]
        let mac: EthernetAddress
        var addresses: [(address: UInt32, prefixLength: Int, gateway: UInt32)] = []
        var arp: [UInt32: EthernetAddress] = [:]
        var waiting: [(hop: UInt32, packet: [UInt8], askedAt: UInt64, tries: Int)] = []
        var output: Output

        init(name: [UInt8], mac: EthernetAddress, output: Output) {
            self.name = name
            self.mac = mac
            self.output = output
        }

        /// Whether `address` is on one of its subnets, and which of its addresses is.
        func local(_ address: UInt32) -> UInt32? {
            for a in addresses where address & Self.mask(a.prefixLength) == a.address & Self.mask(a.prefixLength) { return a.address }
            return nil
        }

        func owns(_ address: UInt32) -> Bool { addresses.contains { $0.address == address } }

        /// The MAC of `ip` in its ARP cache; the last one found is remembered, as a flow's packets ask again.
        func neighbour(_ ip: UInt32) -> EthernetAddress? {
            if let last = lastNeighbour, last.ip == ip { return last.mac }
            guard let mac = arp[ip] else { return nil }
            lastNeighbour = (ip, mac)
            return mac
        }
        var lastNeighbour: (ip: UInt32, mac: EthernetAddress)? = nil

        static func mask(_ length: Int) -> UInt32 { length <= 0 ? 0 : ~UInt32(0) << UInt32(32 - min(length, 32)) }
    }
    enum Output {
        case uplink(Int)
        case port(switchIndex: Int, port: Int)
    }
    /// A port's far side.
    enum Target {
        case uplink(Int)
        case endpoint(Endpoint)
        case adapter(NestedAdapter)
    }
    struct Switch {
        let name: [UInt8]
        var table = LearningSwitch()
        /// Each port's far side; `list` holds them too, searched in order for each frame (a switch has a handful
        /// of ports, and hashing costs more).
        var targets: [Int: Target] = [:] { didSet { list = targets.map { (port: $0.key, target: $0.value) } } }
        private(set) var list: [(port: Int, target: Target)] = []

        init(name: [UInt8]) { self.name = name }

        func target(_ port: Int) -> Target? {
            for entry in list where entry.port == port { return entry.target }
            return nil
        }
    }
    /// A NetNat: its translator, and the endpoint its translated packets leave from (`externalEndpoint`).
    struct NAT {
        let name: [UInt8]
        var translator: NetworkAddressTranslator
        var external: Endpoint? = nil
    }

    var uplinks: [Uplink] = []
    var endpoints: [Endpoint] = []
    var switches: [Switch] = []
    var nats: [NAT] = []
    /// Every running nested VM's adapters with their records' fields.
    var adapters: [(adapter: NestedAdapter, fields: ChannelRecord)] = []
    var nextPort = 16
    /// Whether L1's own timer runs (it wakes minivisor while networked nested VMs wait in real time).
    var timerStarted = false

    /// The network devices the boot information lists, driven, their interrupts on.
    init(_ boot: BootInfo) {
        var index = 0
        while let device = NetDevice(boot, index: index) {
            device.enableInterrupts()
            uplinks.append(Uplink(device: device))
            index += 1
        }
    }

    /// Whether a frame waits on one of this VM's adapters.
    var hasReceived: Bool { uplinks.contains { $0.device.hasReceived } }

    static func milliseconds() -> UInt64 { nv_rdtsc() / 1_000_000 }

    // MARK: Configuration

    /// Takes the inventory's network objects: switches, endpoints and their addresses, NATs and mappings; ports
    /// and ARP caches, learned addresses and NAT connections that still apply are kept.
    func configure(_ inventory: NestedInventory) {
        let adapterRecords = inventory.networkRecords("NetAdapter")
        for k in uplinks.indices {
            let mac = uplinks[k].device.mac
            uplinks[k].name = adapterRecords.first { Self.mac($0.string("MacAddress")) == mac }?.string("Name") ?? []
        }
        let switchRecords = inventory.networkRecords("VMSwitch")
        var newSwitches: [Switch] = []
        for record in switchRecords {
            guard let name = record.string("Name") else { continue }
            newSwitches.append(switches.first { $0.name == name } ?? Switch(name: name))
        }
        // This VM's endpoints: its own adapters (into the External switch that binds one, else straight out), and
        // each Internal switch's vEthernet (NAME).
        var newEndpoints: [Endpoint] = []
        func endpoint(_ name: [UInt8], _ mac: EthernetAddress, _ output: Output) -> Endpoint {
            let old = endpoints.first { $0.name == name && $0.mac == mac }
            let e = old ?? Endpoint(name: name, mac: mac, output: output)
            e.output = output
            return e
        }
        var targets: [[Int: Target]] = newSwitches.map { _ in [:] }
        var policies: [[Int: PortPolicy]] = newSwitches.map { _ in [:] }
        for (k, uplink) in uplinks.enumerated() where !uplink.name.isEmpty {
            let bound = switchRecords.firstIndex {
                $0.has("SwitchType", "External") && $0.string("NetAdapterInterfaceDescription") == uplink.name
            }
            if let s = bound {
                targets[s][0] = .uplink(k)
                policies[s][0] = PortPolicy(mac: uplink.device.mac, macAddressSpoofing: true)
                let e = endpoint(uplink.name, uplink.device.mac, .port(switchIndex: s, port: 1))
                targets[s][1] = .endpoint(e)
                policies[s][1] = PortPolicy(mac: e.mac)
                newEndpoints.append(e)
            } else {
                newEndpoints.append(endpoint(uplink.name, uplink.device.mac, .uplink(k)))
            }
        }
        for (s, record) in switchRecords.enumerated() where record.has("SwitchType", "Internal") {
            let alias = Array("vEthernet (".utf8) + newSwitches[s].name + [UInt8(ascii: ")")]
            guard let mac = Self.mac(adapterRecords.first { $0.string("Name") == alias }?.string("MacAddress")) else { continue }
            let e = endpoint(alias, mac, .port(switchIndex: s, port: 0))
            targets[s][0] = .endpoint(e)
            policies[s][0] = PortPolicy(mac: mac)
            newEndpoints.append(e)
        }
        let addresses = inventory.networkRecords("NetIPAddress")
        for e in newEndpoints {
            e.addresses = addresses.filter { $0.string("InterfaceAlias") == e.name }.compactMap { record in
                guard let ip = record.string("IPAddress").flatMap({ DottedQuad.parse($0[...]) }),
                    let length = record.integer("PrefixLength")
                else {
                    return nil
                }
                return (ip, length, record.string("DefaultGateway").flatMap { DottedQuad.parse($0[...]) } ?? 0)
            }
        }
        // The nested VMs' adapters, each on the switch its record names.
        for (adapter, fields) in adapters {
            let s = fields.string("SwitchName").flatMap { name in newSwitches.firstIndex { $0.name == name } }
            adapter.device.setLink(up: s != nil && fields.boolean("Connected") != false)
            adapter.switchIndex = s
            guard let s else { continue }
            targets[s][adapter.port] = .adapter(adapter)
            policies[s][adapter.port] = PortPolicy(
                mac: adapter.mac, macAddressSpoofing: fields.has("MacAddressSpoofing", "On"), dhcpGuard: fields.has("DhcpGuard", "On"),
                routerGuard: fields.has("RouterGuard", "On"))
        }
        for s in newSwitches.indices {
            for port in newSwitches[s].table.ports where policies[s][port] == nil { newSwitches[s].table.removePort(port) }
            for (port, policy) in policies[s] { newSwitches[s].table.setPort(port, policy) }
            newSwitches[s].targets = targets[s]
        }
        switches = newSwitches
        endpoints = newEndpoints
        configureNATs(inventory)
    }

    func configureNATs(_ inventory: NestedInventory) {
        let mappings = inventory.networkRecords("NetNatStaticMapping")
        var newNATs: [NAT] = []
        for record in inventory.networkRecords("NetNat") {
            guard let name = record.string("Name"), let prefixText = record.string("InternalIPInterfaceAddressPrefix"),
                let slash = prefixText.firstIndex(of: UInt8(ascii: "/")), let prefix = DottedQuad.parse(prefixText[..<slash]),
                let length = decimal(prefixText[(slash + 1)...]), length <= 32
            else { continue }
            var settings = NetworkAddressTranslator.Settings(prefix: prefix, prefixLength: length)
            settings.icmpTimeout = UInt64(max(record.integer("IcmpQueryTimeout") ?? 30, 1))
            settings.tcpEstablishedTimeout = UInt64(max(record.integer("TcpEstablishedConnectionTimeout") ?? 1800, 1))
            settings.tcpTransientTimeout = UInt64(max(record.integer("TcpTransientConnectionTimeout") ?? 120, 1))
            settings.udpTimeout = UInt64(max(record.integer("UdpIdleSessionTimeout") ?? 120, 1))
            var nat =
                nats.first { $0.name == name && $0.translator.settings.prefix == prefix && $0.translator.settings.prefixLength == length }
                ?? NAT(name: name, translator: NetworkAddressTranslator(settings: settings))
            nat.translator.settings = settings
            nat.translator.setMappings(
                mappings.filter { $0.string("NatName") == name }.compactMap { m in
                    guard let internalAddress = m.string("InternalIPAddress").flatMap({ DottedQuad.parse($0[...]) }),
                        let externalPort = m.integer("ExternalPort"), let internalPort = m.integer("InternalPort"),
                        externalPort > 0 && externalPort < 65536 && internalPort > 0 && internalPort < 65536
                    else { return nil }
                    let number = m.has("Protocol", "UDP") ? IPProtocol.udp : IPProtocol.tcp
                    let external = m.string("ExternalIPAddress").flatMap { DottedQuad.parse($0[...]) } ?? 0
                    return .init(
                        protocol: number, externalAddress: external, externalPort: UInt16(externalPort), internalAddress: internalAddress,
                        internalPort: UInt16(internalPort))
                })
            nat.external = externalEndpoint(of: nat)
            newNATs.append(nat)
        }
        nats = newNATs
    }

    /// A MAC address in either of the inventory's spellings (00-15-5D-00-00-03, 00155D000004).
    static func mac(_ text: [UInt8]?) -> EthernetAddress? { text.flatMap { EthernetAddress(text: $0) } }

    // MARK: Nested VMs' adapters

    /// Adapters for a nested VM from its adapters' records (at most `PlatformVirtio.networkAdapterLimit`), over
    /// `memory`; not yet on a switch (`attach`).
    func makeAdapters(_ records: [ChannelRecord], memory: DeviceMemory) -> [NestedAdapter] {
        var made: [NestedAdapter] = []
        for record in records.prefix(PlatformVirtio.networkAdapterLimit) {
            guard let id = record.string("Id"), let mac = Self.mac(record.string("MacAddress")) else { continue }
            made.append(NestedAdapter(id: id, device: VirtioNet(memory: memory, mac: mac.bytes, linkUp: false), mac: mac, port: nextPort))
            nextPort += 1
        }
        return made
    }

    /// Puts a started VM's adapters on their switches (and starts L1's timer: networked nested VMs wait in real
    /// time).
    func attach(_ vmAdapters: [NestedAdapter], records: [ChannelRecord], inventory: NestedInventory) {
        guard !vmAdapters.isEmpty else { return }
        for adapter in vmAdapters {
            adapters.append((adapter, records.first { $0.string("Id") == adapter.id } ?? ChannelRecord(fields: [])))
        }
        if !timerStarted {
            timerStarted = true
            nv_timer_start(1000)
        }
        configure(inventory)
    }

    /// Takes an ended VM's adapters off their switches.
    func detach(_ vmAdapters: [NestedAdapter]) {
        guard !vmAdapters.isEmpty else { return }
        adapters.removeAll { entry in vmAdapters.contains { $0 === entry.adapter } }
        for adapter in vmAdapters { adapter.switchIndex = nil }
        for s in switches.indices {
            for adapter in vmAdapters where switches[s].target(adapter.port) != nil {
                switches[s].table.removePort(adapter.port)
                switches[s].targets[adapter.port] = nil
            }
        }
    }

    /// The running VMs' adapters' records changed (a setting, a connect or disconnect): `fields` replaces theirs.
    func update(_ records: [ChannelRecord]) {
        for k in adapters.indices {
            if let record = records.first(where: { $0.string("Id") == adapters[k].adapter.id }) { adapters[k].fields = record }
        }
    }

    // MARK: Frames

    /// Moves what arrived: frames from this VM's adapters, frames the nested VMs sent, ARP retries. true when a
    /// frame moved.
    @discardableResult
    func pump() -> Bool {
        var moved = false
        for k in uplinks.indices where !uplinks[k].backlog.isEmpty { flushBacklog(k) }
        for k in uplinks.indices {
            var budget = 64
            while budget > 0, let frame = uplinks[k].device.receive() {
                moved = true
                budget -= 1
                fromUplink(k, frame)
            }
        }

        for (adapter, _) in adapters {
            for frame in adapter.device.takeTransmitted() {
                moved = true
                guard let s = adapter.switchIndex else { continue }
                input(frame, switchIndex: s, port: adapter.port)
            }
        }
        let now = Self.milliseconds()
        for e in endpoints where !e.waiting.isEmpty { retryARP(e, now: now) }
        return moved
    }

    /// Sends frame `bytes` out of uplink `k`, after what waits for a transmit buffer.
    func transmit(_ bytes: [UInt8], uplink k: Int) -> Bool {
        if uplinks[k].backlog.isEmpty && uplinks[k].device.send(bytes) { return true }
        guard uplinks[k].backlog.count < Self.backlogLimit else { return false }
        uplinks[k].backlog.append(bytes)
        return true
    }

    func flushBacklog(_ k: Int) {
        var sent = 0
        while sent < uplinks[k].backlog.count && uplinks[k].device.send(uplinks[k].backlog[sent]) { sent += 1 }
        uplinks[k].backlog.removeFirst(sent)
    }

    func fromUplink(_ k: Int, _ frame: [UInt8]) {
        for s in switches.indices {
            if case .uplink(let u)? = switches[s].target(0), u == k { return input(frame, switchIndex: s, port: 0) }
        }
        if let e = endpoints.first(where: { if case .uplink(let u) = $0.output { return u == k } else { return false } }) {
            receive(frame, at: e)
        }
    }

    /// A frame into switch `s` at `port`, forwarded as its table and the port's policy say.
    func input(_ bytes: [UInt8], switchIndex s: Int, port: Int) {
        guard let frame = EthernetFrame(bytes), bytes.count <= VirtioNet.maximumFrame else { return }
        for destination in switches[s].table.forward(frame, from: port) {
            switch switches[s].target(destination) {
            case .uplink(let k)?: if !transmit(bytes, uplink: k) { switches[s].table.undeliver(frame, to: destination) }
            case .endpoint(let e)?: receive(bytes, at: e)
            case .adapter(let adapter)?:
                if adapter.device.receive(bytes) { adapter.delivered = true } else { switches[s].table.undeliver(frame, to: destination) }
            case nil: break
            }
        }
    }

    /// Sends a frame from endpoint `e`.
    func send(_ bytes: [UInt8], from e: Endpoint) {
        switch e.output {
        case .uplink(let k): _ = transmit(bytes, uplink: k)
        case .port(let s, let port): if s < switches.count { input(bytes, switchIndex: s, port: port) }
        }
    }

    /// A frame that reached endpoint `e`: ARP answered and learned, IPv4 routed.
    func receive(_ bytes: [UInt8], at e: Endpoint) {
        guard let frame = EthernetFrame(bytes), frame.destination == e.mac || frame.destination == .broadcast else { return }
        if frame.etherType == EtherType.arp {
            guard let arp = ARPPacket(frame.payload), e.owns(arp.targetIP) else { return }
            learn(arp.senderIP, arp.senderMAC, at: e)
            if arp.operation == ARPPacket.request {
                let reply = ARPPacket(
                    operation: ARPPacket.reply, senderMAC: e.mac, senderIP: arp.targetIP, targetMAC: arp.senderMAC, targetIP: arp.senderIP)
                send(
                    EthernetFrame(destination: arp.senderMAC, source: e.mac, etherType: EtherType.arp, payload: reply.bytes).bytes, from: e)
            }
        } else if frame.etherType == EtherType.ipv4, frame.destination == e.mac, var packet = IPv4Packet(frame.payload) {
            route(&packet, from: e)
        }
    }

    /// An IPv4 packet that arrived at endpoint `e`: for this VM (a NAT's external address lets in what its
    /// connections and mappings expect; an echo request to any of this VM's addresses is answered), or from a
    /// NAT's inside to go out translated. This VM routes nothing else, as a Hyper-V host does not.
    /// The packet is translated in place: a copy of a shared array would go byte by byte in Embedded Swift.
    func route(_ packet: inout IPv4Packet, from e: Endpoint) {
        let destination = packet.destination
        let now = Self.milliseconds()
        if e.owns(destination) {
            for k in nats.indices where nats[k].external === e {
                if nats[k].translator.inbound(&packet, external: destination, now: now) { return forward(&packet) }
            }
        }
        if endpoints.contains(where: { $0.owns(destination) }) {
            guard packet.protocol == IPProtocol.icmp, let message = ICMPMessage(packet.payload), message.type == ICMPMessage.echoRequest
            else { return }
            let reply = ICMPMessage(
                type: ICMPMessage.echoReply, identifier: message.identifier, sequence: message.sequence, data: message.data)
            return sendIP(
                IPv4Packet(source: destination, destination: packet.source, protocol: IPProtocol.icmp, payload: reply.bytes), from: e)
        }
        for k in nats.indices where nats[k].translator.settings.covers(packet.source) && !nats[k].translator.settings.covers(destination) {
            guard let outside = nats[k].external, let external = outside.addresses.first?.address else { return }
            if nats[k].translator.outbound(&packet, external: external, now: now) { forward(&packet) }
            return
        }
    }

    /// The endpoint a NAT's translated packets leave from: the first of this VM's own adapters with an address
    /// outside the prefix, one with a default gateway first.
    func externalEndpoint(of nat: NAT) -> Endpoint? {
        let own = endpoints.filter { e in
            uplinks.contains { $0.name == e.name } && e.addresses.contains { !nat.translator.settings.covers($0.address) }
        }
        return own.first { $0.addresses.contains { $0.gateway != 0 } } ?? own.first
    }

    /// Sends a packet on towards its destination, one hop less to live: from the endpoint on its subnet, else
    /// through the one with a default gateway.
    func forward(_ packet: inout IPv4Packet) {
        let ttl = packet.ttl
        guard ttl > 1 else { return }
        let word = UInt16(ttl) << 8 | UInt16(packet.protocol)
        InternetChecksum.adjust(&packet.bytes, at: 10, old: word, new: word &- 0x100)
        packet.bytes[8] = ttl - 1
        let destination = packet.destination
        guard
            let e = endpoints.first(where: { $0.local(destination) != nil })
                ?? endpoints.first(where: { $0.addresses.contains { $0.gateway != 0 } })
        else { return }
        sendIP(packet, from: e)
    }

    /// Sends `packet` from endpoint `e` to its next hop (the destination on a local subnet, else the gateway),
    /// asking ARP first when its MAC is not known.
    func sendIP(_ packet: IPv4Packet, from e: Endpoint) {
        let destination = packet.destination
        let hop = e.local(destination) != nil ? destination : e.addresses.first { $0.gateway != 0 }?.gateway ?? 0
        guard hop != 0 else { return }
        if let mac = e.neighbour(hop) {
            send(EthernetFrame(destination: mac, source: e.mac, etherType: EtherType.ipv4, payload: packet.bytes).bytes, from: e)
            return
        }
        let asked = e.waiting.contains { $0.hop == hop }
        if e.waiting.count < 64 { e.waiting.append((hop, packet.bytes, Self.milliseconds(), 1)) }
        if !asked { requestARP(hop, from: e) }
    }

    func requestARP(_ hop: UInt32, from e: Endpoint) {
        guard let source = e.local(hop) ?? e.addresses.first?.address else { return }
        let request = ARPPacket(
            operation: ARPPacket.request, senderMAC: e.mac, senderIP: source, targetMAC: EthernetAddress(bits: 0), targetIP: hop)
        send(EthernetFrame(destination: .broadcast, source: e.mac, etherType: EtherType.arp, payload: request.bytes).bytes, from: e)
    }

    /// Remembers `ip` at `mac` on `e`, and sends what waited for it.
    func learn(_ ip: UInt32, _ mac: EthernetAddress, at e: Endpoint) {
        if e.arp[ip] == nil && e.arp.count >= 256 { e.arp.removeAll() }
        e.arp[ip] = mac
        e.lastNeighbour = nil
        let ready = e.waiting.filter { $0.hop == ip }
        guard !ready.isEmpty else { return }
        e.waiting.removeAll { $0.hop == ip }
        for w in ready { send(EthernetFrame(destination: mac, source: e.mac, etherType: EtherType.ipv4, payload: w.packet).bytes, from: e) }
    }

    /// ARP requests again each second, three times, then what waited is dropped.
    func retryARP(_ e: Endpoint, now: UInt64) {
        var k = 0
        while k < e.waiting.count {
            if now >= e.waiting[k].askedAt + 1000 {
                if e.waiting[k].tries >= 3 {
                    e.waiting.remove(at: k)
                    continue
                }
                e.waiting[k].tries += 1
                e.waiting[k].askedAt = now
                if !e.waiting[0..<k].contains(where: { $0.hop == e.waiting[k].hop }) { requestARP(e.waiting[k].hop, from: e) }
            }
            k += 1
        }
    }
}
