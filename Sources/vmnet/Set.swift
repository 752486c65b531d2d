import ArgumentParser
import NestStore
import NestTool

extension VMNet {
    /// `vmnet set` (Set-VMNetworkAdapter).
    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Change VMs' network adapters (Set-VMNetworkAdapter).",
            discussion: "A MAC address changes only while the VM is Off.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var change: ChangeOptions
        @OptionGroup var targets: AdapterTargets

        @Option(
            name: .customLong("mac-address-spoofing"),
            help: ArgumentHelp("Let the VM send frames from other MAC addresses (needed for nested VMs' networking).", valueName: "on|off"))
        var macAddressSpoofing: OnOffArgument?

        @Option(name: .customLong("dhcp-guard"), help: ArgumentHelp("Drop DHCP server messages from the VM.", valueName: "on|off"))
        var dhcpGuard: OnOffArgument?

        @Option(
            name: .customLong("router-guard"),
            help: ArgumentHelp("Drop router advertisements and redirects from the VM.", valueName: "on|off"))
        var routerGuard: OnOffArgument?

        @Option(name: .customLong("static-mac-address"), help: ArgumentHelp("Give the adapter this fixed MAC address.", valueName: "mac"))
        var staticMacAddress: String?

        @Flag(name: .customLong("dynamic-mac-address"), help: "Give the adapter a dynamic MAC address again.")
        var dynamicMacAddress = false

        func validate() throws {
            if staticMacAddress != nil, dynamicMacAddress {
                throw ValidationError("--static-mac-address and --dynamic-mac-address contradict each other; give one")
            }
            if macAddressSpoofing == nil, dhcpGuard == nil, routerGuard == nil, staticMacAddress == nil, !dynamicMacAddress {
                throw ValidationError("say what to change, e.g. --mac-address-spoofing on")
            }
        }

        func run() throws {
            var changes = AdapterChanges()
            changes.macAddressSpoofing = macAddressSpoofing?.isOn
            changes.dhcpGuard = dhcpGuard?.isOn
            changes.routerGuard = routerGuard?.isOn
            changes.staticMacAddress = staticMacAddress
            changes.dynamicMacAddress = dynamicMacAddress
            try targets.change(global, change) { inventory, selector, host in
                try inventory.setAdapters(host: host, selector, changes)
            }
        }
    }
}
