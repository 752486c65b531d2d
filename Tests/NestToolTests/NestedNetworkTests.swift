import Foundation
import Testing

/// Frames two levels deep: minivisor in `lab1` runs the `net` guest as nested1 on a switch of lab1's own inventory,
/// in the two topologies of Hyper-V's nested-virtualization guide: MAC address spoofing (an External switch in
/// lab1 bridging nested1 onto L0's switch with its own MAC) and NAT (an internal switch and a NetNat in lab1, behind
/// lab1's adapter on an L0 internal switch with its own NetNat).
@Suite("nested networks", .serialized)
struct NestedNetworkTests {
    /// L0's internal switch `Lab` (10.10.0.1/24) with lab1 (minivisor) on it, lab1's `Ethernet` at 10.10.0.2.
    static let lab = """
        vmswitch new Lab --switch-type internal > /dev/null &&
        vmnet ip add --interface-alias 'vEthernet (Lab)' --ip-address 10.10.0.1 --prefix-length 24 > /dev/null &&
        vmrun new lab1 --image minivisor --memory-startup-bytes 256M --switch-name Lab > /dev/null &&
        vmproc set lab1 --expose-virtualization-extensions true &&
        vmnet ip add --host lab1 --interface-alias Ethernet --ip-address 10.10.0.2 --prefix-length 24 --default-gateway 10.10.0.1 > /dev/null
        """

    /// Starts nested1 with `commandLine` inside the running lab1 and follows its console until it ends.
    static func runNested(_ runner: ToolRunner, _ commandLine: String) throws -> ToolRunner.Result {
        try runner.run(
            "vmrun set --host lab1 nested1 --command-line '\(commandLine)' > /dev/null && vmrun start --host lab1 nested1 > /dev/null && timeout 120 vmrun console --host lab1 nested1"
        )
    }

    /// The guide's MAC spoofing topology: nested1's ping of L0's host adapter crosses lab1's External switch and
    /// L0's switch only once lab1's adapter allows MAC address spoofing; before, L0's switch drops its frames at
    /// lab1's port and counts them. The setting applies while both run.
    @Test("MAC spoofing: nested1's ping through lab1's External switch fails with spoofing Off (counted), succeeds with it On")
    func macSpoofing() throws {
        let runner = try ToolRunner()
        let setUp = try runner.run(
            Self.lab + """
                 &&
                vmswitch new --host lab1 Ext --switch-type external --net-adapter-name Ethernet > /dev/null &&
                vmrun new --host lab1 nested1 --image net --memory-startup-bytes 32M > /dev/null &&
                vmnet add --host lab1 nested1 --switch-name Ext > /dev/null &&
                vmrun set lab1 --command-line '' && vmrun start lab1 > /dev/null
                """)
        try #require(setUp.status == 0, "\(setUp.stdout)\(setUp.stderr)")
        defer { _ = try? runner.run("vmrun stop lab1 --turn-off") }

        let refused = try Self.runNested(runner, "ip=10.10.0.20/24 ping=10.10.0.1 count=2")
        #expect(refused.stdout.contains("2 packets transmitted, 0 received"), "\(refused.stdout)\(refused.stderr)")
        let dropped = try runner.run("vmnet get lab1 --format json | jq -r .DroppedByMacAddressSpoofing")
        #expect((Int(dropped.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) >= 2, "\(dropped.stdout)\(dropped.stderr)")

        let turnedOn = try runner.run("vmnet get --vm-name lab1 | vmnet set --mac-address-spoofing on && sleep 1")
        #expect(turnedOn.status == 0, "\(turnedOn.stderr)")
        let answered = try Self.runNested(runner, "ip=10.10.0.20/24 ping=10.10.0.1 count=2")
        #expect(answered.stdout.contains("2 packets transmitted, 2 received"), "\(answered.stdout)\(answered.stderr)")
    }

    /// The guide's NAT topology two levels deep: nested1 (192.168.100.2 behind lab1's LocalNAT) fetches a page from
    /// a server on the host's loopback through both NATs, and a chain of static mappings (L0's 127.0.0.1:PORT to
    /// lab1's 10.10.0.2:8080, lab1's 8080 to nested1's 80) brings the host's curl to nested1's server; minivisor
    /// pings its own vEthernet (VmNAT) address for nested1.
    @Test("NAT two levels deep: nested1 fetches from the host's loopback, and the host's curl reaches nested1 through both NATs")
    func natTwoLevels() throws {
        let runner = try ToolRunner()
        let web = Int.random(in: 20000..<30000), mapped = Int.random(in: 30000..<40000)
        let pid = try runner.servePage("page from the host\n", port: web)
        defer { kill(pid, SIGKILL) }
        let setUp = try runner.run(
            Self.lab + """
                 &&
                vmswitch new --host lab1 VmNAT --switch-type internal > /dev/null &&
                netnat new --host lab1 LocalNAT --internal-ip-interface-address-prefix 192.168.100.0/24 > /dev/null &&
                vmnet ip add --host lab1 --interface-alias 'vEthernet (VmNAT)' --ip-address 192.168.100.1 --prefix-length 24 > /dev/null &&
                vmrun new --host lab1 nested1 --image net --memory-startup-bytes 32M > /dev/null &&
                vmnet add --host lab1 nested1 --switch-name VmNAT > /dev/null &&
                vmrun set lab1 --command-line '' && vmrun start lab1 > /dev/null &&
                for i in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:\(web)/ && break; sleep 0.1; done
                """)
        try #require(setUp.status == 0, "\(setUp.stdout)\(setUp.stderr)")
        defer { _ = try? runner.run("vmrun stop lab1 --turn-off") }

        let gateway = try Self.runNested(runner, "ip=192.168.100.2/24 gw=192.168.100.1 ping=192.168.100.1 count=1")
        #expect(gateway.stdout.contains("1 packets transmitted, 1 received"), "\(gateway.stdout)\(gateway.stderr)")
        let fetched = try Self.runNested(runner, "ip=192.168.100.2/24 gw=192.168.100.1 http-get=http://10.10.0.1:\(web)/index.html")
        #expect(fetched.stdout.contains("page from the host\n"), "\(fetched.stdout)\(fetched.stderr)")

        let served = try runner.run(
            """
            netnat new LabNAT --internal-ip-interface-address-prefix 10.10.0.0/24 > /dev/null &&
            netnat mapping add LabNAT --protocol tcp --external-ip-address 127.0.0.1 --external-port \(mapped) --internal-ip-address 10.10.0.2 --internal-port 8080 > /dev/null &&
            netnat mapping add --host lab1 LocalNAT --protocol tcp --external-port 8080 --internal-ip-address 192.168.100.2 --internal-port 80 > /dev/null &&
            vmrun set --host lab1 nested1 --command-line 'ip=192.168.100.2/24 gw=192.168.100.1 http-serve=80 name=nested1' > /dev/null &&
            vmrun start --host lab1 nested1 > /dev/null &&
            for i in $(seq 100); do curl -sS -m 5 http://127.0.0.1:\(mapped)/ 2> /dev/null && break; sleep 0.2; done
            """)
        #expect(served.stdout == "hello from nested1\n", "\(served.stdout)\(served.stderr)")
    }
}
