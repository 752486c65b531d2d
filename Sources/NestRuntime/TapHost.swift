import CTap
import Foundation
import NestStore
import Packets

/// What a switch needs of its host adapter, however it is made (`SlirpHost`, `TapHost`).
protocol HostAdapter: AnyObject {
    /// The address it carries (nil: a bound TAP interface, whose addresses are the host's).
    var carried: HostAdapterSettings.HostAddress? { get }
    /// Frames from the host to the guests (into the switch).
    var output: ([UInt8]) -> Void { get set }
    /// What it has to say for the switch's log.
    var diagnostics: [String] { get set }
    /// A frame from the switch for the host.
    func input(_ frame: EthernetFrame)
    /// Follows the store: whether a NetNat covers the subnet, and its static mappings.
    func apply(translated: Bool, mappings: [HostAdapterSettings.PortMapping])
    /// Adds its descriptors to `fds`; the longest wait it allows in milliseconds.
    func fillPoll(_ fds: inout [pollfd], timeout: Int32) -> Int32
    /// Handles what the poll found in the descriptors it added.
    func handlePoll(_ fds: [pollfd], failed: Bool)
}

extension SlirpHost: HostAdapter {
    var carried: HostAdapterSettings.HostAddress? { address }
}

/// An internal switch's host adapter as root (`vmswitch new --host-adapter tap`): a Linux TAP interface `nvtapN`
/// carrying the adapter's address, so the host's own `ping` and `curl` reach guests. A NetNat covering the subnet
/// becomes kernel NAT: an nftables table `nestvm-nvtapN` that masquerades the subnet's traffic leaving by another
/// interface and turns each static mapping into a DNAT rule, with IPv4 forwarding on. The interface and the table
/// go when the switch ends. An External switch binds an existing TAP interface the same way, as the host set it up
/// (no address of nestvm's, no NAT).
final class TapHost: HostAdapter {
    let name: String
    let carried: HostAdapterSettings.HostAddress?
    let fd: Int32
    var output: ([UInt8]) -> Void = { _ in }
    var diagnostics: [String] = []
    private var pollIndex = -1
    private var ruleset: String?

    /// The TAP interface `name`, given `address` and `mac` when there is an address (a host adapter), as it is
    /// when not (an External switch's); nil (with the reason in `failure`) when it cannot be opened or set up.
    init?(name: String, address: HostAdapterSettings.HostAddress?, mac: [UInt8], failure: inout String) {
        self.name = name
        carried = address
        let opened = nestvm_tap_open(name)
        guard opened >= 0 else {
            failure = "cannot open TAP interface \(name): \(String(cString: strerror(-opened)))"
            return nil
        }
        guard let address else {
            fd = opened
            return
        }
        _ = nestvm_tap_set_mac(name, mac)  // the adapter's MacAddress, as Hyper-V gives vEthernet adapters theirs
        let configured = nestvm_tap_configure(name, address.address.value, Int32(address.prefixLength))
        guard configured == 0 else {
            close(opened)
            failure =
                "cannot give \(name) the address \(address.address)/\(address.prefixLength): \(String(cString: strerror(-configured)))"
            return nil
        }
        fd = opened
    }

    deinit {
        if ruleset != nil { _ = nft("delete table ip \(table)\n") }
        close(fd)
    }

    var table: String { "nestvm-\(name)" }

    func input(_ frame: EthernetFrame) {
        _ = frame.bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }  // a full queue drops it, as a wire would
    }

    func fillPoll(_ fds: inout [pollfd], timeout: Int32) -> Int32 {
        pollIndex = fds.count
        fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0))
        return timeout
    }

    func handlePoll(_ fds: [pollfd], failed: Bool) {
        guard pollIndex >= 0, pollIndex < fds.count, fds[pollIndex].revents & Int16(POLLIN) != 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 2048)
        for _ in 0..<64 {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { return }
            output(Array(buffer[0..<n]))
        }
    }

    func apply(translated: Bool, mappings: [HostAdapterSettings.PortMapping]) {
        guard let prefix = carried?.prefix else { return }
        var rules = ""
        if translated {
            rules += "table ip \(table) {\n"
            rules += "  chain prerouting { type nat hook prerouting priority dstnat; policy accept;\n"
            for m in mappings where prefix.contains(m.internalAddress) {
                let destination = m.externalAddress.value == 0 ? "" : "ip daddr \(m.externalAddress) "
                rules +=
                    "    iifname != \"\(name)\" \(destination)\(m.isUDP ? "udp" : "tcp") dport \(m.externalPort) dnat to \(m.internalAddress):\(m.internalPort)\n"
            }
            rules += "  }\n"
            rules += "  chain postrouting { type nat hook postrouting priority srcnat; policy accept;\n"
            rules += "    ip saddr \(prefix) oifname != \"\(name)\" masquerade\n  }\n}\n"
        }
        guard rules != ruleset else { return }
        var script = ruleset == nil ? "" : "delete table ip \(table)\n"
        script += rules
        if !rules.isEmpty { try? "1\n".write(toFile: "/proc/sys/net/ipv4/ip_forward", atomically: false, encoding: .utf8) }
        if script.isEmpty || nft(script) {
            ruleset = rules.isEmpty ? nil : rules
        }
    }

    /// Runs `nft -f -` with `script`; false (with a diagnostic) when it failed.
    func nft(_ script: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/nft")
        process.arguments = ["-f", "-"]
        let input = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do { try process.run() } catch {
            diagnostics.append("cannot run nft for the NetNat (install nftables): \(error)")
            return false
        }
        input.fileHandleForWriting.write(Data(script.utf8))
        try? input.fileHandleForWriting.close()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus != 0 { diagnostics.append("nft refused the NetNat's rules: \(message)") }
        return process.terminationStatus == 0
    }
}
