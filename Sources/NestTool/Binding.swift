import NestErrors
import NestRecords
import NestStore

/// How piped records bind to a command's targets, by property name as PowerShell binds pipeline input
/// (ValueFromPipelineByPropertyName): an id wins over a name, and a record of another kind binds through the
/// keys it shares (`vmrun get | vmproc set` binds VirtualMachine records by `VMId`).
public enum Binding {
    /// A VM: `VMId`, else `VMName`.
    public static func vm(_ input: InputRecord) throws(NestError) -> VMSelector {
        if let id = input.record.string("VMId"), !id.isEmpty { return .id(id) }
        if let name = input.record.string("VMName"), !name.isEmpty { return .name(name) }
        throw missing(input, "VMName or VMId")
    }

    /// VM adapters: a VMNetworkAdapter record by `Id`; any other record with a VM binds all that VM's adapters.
    public static func adapter(adapterName: String?) -> (InputRecord) throws(NestError) -> AdapterSelector {
        { (input: InputRecord) throws(NestError) -> AdapterSelector in
            if input.kind == .vmNetworkAdapter, let id = input.record.string("Id"), !id.isEmpty { return .id(id) }
            return .vm(try vm(input), adapterName: adapterName)
        }
    }

    /// A switch: a VMSwitch record by `Id` or `Name`; another record by its `SwitchName`.
    public static func vmSwitch(_ input: InputRecord) throws(NestError) -> NamedSelector {
        if input.kind == .vmSwitch {
            if let id = input.record.string("Id"), !id.isEmpty { return .id(id) }
            if let name = input.record.string("Name") { return .name(name) }
        }
        if let name = input.record.string("SwitchName"), !name.isEmpty { return .name(name) }
        throw missing(input, "SwitchName")
    }

    /// A NAT: a NetNat record by `Id` or `Name`; a static mapping by its `NatName`.
    public static func nat(_ input: InputRecord) throws(NestError) -> NamedSelector {
        if input.kind == .netNat {
            if let id = input.record.string("Id"), !id.isEmpty { return .id(id) }
            if let name = input.record.string("Name") { return .name(name) }
        }
        if let name = input.record.string("NatName"), !name.isEmpty { return .name(name) }
        throw missing(input, "NatName")
    }

    /// A host adapter: `InterfaceAlias`, else a NetAdapter record's `Name`, else `InterfaceIndex`/`ifIndex`.
    public static func netAdapter(_ input: InputRecord) throws(NestError) -> NetAdapterSelector {
        if let alias = input.record.string("InterfaceAlias"), !alias.isEmpty { return .alias(alias) }
        if input.kind == .netAdapter, let name = input.record.string("Name") { return .alias(name) }
        for key in ["InterfaceIndex", "ifIndex"] {
            if let index = input.record[key]?.intValue { return .index(Int(index)) }
        }
        throw missing(input, "InterfaceAlias or InterfaceIndex")
    }

    /// An IP address: `IPAddress`.
    public static func ipAddress(_ input: InputRecord) throws(NestError) -> String {
        if let address = input.record.string("IPAddress"), !address.isEmpty { return address }
        throw missing(input, "IPAddress")
    }

    /// A static mapping: `StaticMappingID`.
    public static func mapping(_ input: InputRecord) throws(NestError) -> Int64 {
        if let id = input.record["StaticMappingID"]?.intValue { return id }
        throw missing(input, "StaticMappingID")
    }

    static func missing(_ input: InputRecord, _ keys: String) -> NestError {
        NestError(.invalidRecord, "stdin line \(input.line): a \(input.kind.rawValue) record has no \(keys) for this command")
    }
}
