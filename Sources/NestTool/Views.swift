import NestRecords

/// The curated table columns of each record kind, modelled on PowerShell's default views (plus the nested flag
/// that Get-VMProcessor's view hides).
public enum Views {
    /// Get-VM's columns.
    public static let virtualMachine: [Column] = [
        Column("VMName", heading: "Name"), Column("State"), Column("ProcessorCount", heading: "CPUs"),
        .mebibytes("MemoryStartup", heading: "MemoryStartup(M)"), .mebibytes("MemoryAssigned", heading: "MemoryAssigned(M)"),
        Column("Uptime"), Column("Status"), Column("Version"), Column("ComputerName"),
    ]
    /// Get-VMProcessor's columns, with the nested flag.
    public static let vmProcessor: [Column] = [
        Column("VMName"), Column("Count"), Column("ExposeVirtualizationExtensions"),
        Column("CompatibilityForMigrationEnabled"), Column("HwThreadCountPerCore"), Column("ComputerName"),
    ]
    /// Get-VMMemory's columns.
    public static let vmMemory: [Column] = [
        Column("VMName"), Column("DynamicMemoryEnabled"), .mebibytes("Minimum", heading: "Minimum(M)"),
        .mebibytes("Startup", heading: "Startup(M)"), .mebibytes("Maximum", heading: "Maximum(M)"),
    ]
    /// Get-VMNetworkAdapter's columns.
    public static let vmNetworkAdapter: [Column] = [
        Column("Name"), Column("IsManagementOs"), Column("VMName"), Column("SwitchName"), Column("MacAddress"),
        Column("MacAddressSpoofing"), Column("Status"), Column("IPAddresses"),
    ]
    /// Get-VMSwitch's columns.
    public static let vmSwitch: [Column] = [
        Column("Name"), Column("SwitchType"), Column("NetAdapterInterfaceDescription"), Column("AllowManagementOS"),
    ]
    /// Get-NetAdapter's columns.
    public static let netAdapter: [Column] = [
        Column("Name"), Column("InterfaceDescription"), Column("ifIndex"), Column("Status"), Column("MacAddress"),
        Column("LinkSpeed"),
    ]
    /// Get-NetIPAddress's columns.
    public static let netIPAddress: [Column] = [
        Column("IPAddress"), Column("InterfaceAlias"), Column("InterfaceIndex"), Column("PrefixLength"),
        Column("DefaultGateway"), Column("AddressState"),
    ]
    /// Get-NetNat's columns.
    public static let netNat: [Column] = [
        Column("Name"), Column("InternalIPInterfaceAddressPrefix"), Column("ExternalIPInterfaceAddressPrefix"), Column("Active"),
    ]
    /// Get-NetNatStaticMapping's columns.
    public static let netNatStaticMapping: [Column] = [
        Column("StaticMappingID"), Column("NatName"), Column("Protocol"), Column("ExternalIPAddress"),
        Column("ExternalPort"), Column("InternalIPAddress"), Column("InternalPort"),
    ]
    /// The columns of `vmproc check` findings.
    public static let nestedFinding: [Column] = [
        Column("VMName"), Column("Severity"), Column("Check"), Column("Message"), Column("Fix"),
    ]
    /// The columns of `vmproc enable-nested` planned changes.
    public static let plannedChange: [Column] = [
        Column("VMName"), Column("Property"), Column("CurrentValue"), Column("NewValue"), Column("Command"),
    ]
}
