import NestRecords
/// The exit statuses every nestvm tool uses (sysexits style), documented in nestvm(7).
public enum ExitStatus: Int32, Sendable {
    /// Everything asked for was done.
    case success = 0
    /// At least one object could not be acted on (a rule, a missing object).
    case failure = 1
    /// The command line was wrong.
    case usage = 64
    /// Input records were malformed.
    case dataError = 65
    /// An input file is missing or unreadable (EX_NOINPUT).
    case noInput = 66
    /// The feature or resource is not available.
    case unavailable = 69
    /// The state store stayed busy past its timeout: try again.
    case temporaryFailure = 75
}

/// Why an operation on the inventory failed: a stable identifier printed in brackets after the message, so
/// scripts can tell one refusal from another.
public enum ErrorCategory: String, Sendable, CaseIterable {
    case invalidName = "InvalidName"
    case invalidArgument = "InvalidArgument"
    case objectNotFound = "ObjectNotFound"
    case hostNotFound = "HostNotFound"
    case nameInUse = "NameInUse"
    case vmNotOff = "VMNotOff"
    case vmHasSavedState = "VMHasSavedState"
    case configurationVersionTooOld = "ConfigurationVersionTooOld"
    case unsupportedConfigurationVersion = "UnsupportedConfigurationVersion"
    case memoryOutOfRange = "MemoryOutOfRange"
    case processorOutOfRange = "ProcessorOutOfRange"
    case hostLacksVirtualizationExtensions = "HostLacksVirtualizationExtensions"
    case hostHasNestedObjects = "HostHasNestedObjects"
    case adapterLimit = "AdapterLimit"
    case invalidMacAddress = "InvalidMacAddress"
    case macAddressInUse = "MacAddressInUse"
    case switchHasConnections = "SwitchHasConnections"
    case switchTypeNotAvailable = "SwitchTypeNotAvailable"
    case invalidAddress = "InvalidAddress"
    case addressInUse = "AddressInUse"
    case subnetOverlap = "SubnetOverlap"
    case notAHostAddress = "NotAHostAddress"
    case natLimit = "NatLimit"
    case prefixOverlap = "PrefixOverlap"
    case mappingInUse = "MappingInUse"
    case addressOutsideNat = "AddressOutsideNat"
    case invalidRecord = "InvalidRecord"
    case storeBusy = "StoreBusy"
    case storeUnavailable = "StoreUnavailable"
    case confirmationRequired = "ConfirmationRequired"
    case missingTarget = "MissingTarget"
    case vmAlreadyRunning = "VMAlreadyRunning"
    case vmNotRunning = "VMNotRunning"
    case noImage = "NoImage"
    case imageNotFound = "ImageNotFound"
    case badImage = "BadImage"

    /// The exit status a failure of this category ends the command with.
    public var exitStatus: ExitStatus {
        switch self {
        case .invalidRecord, .badImage: return .dataError
        case .imageNotFound: return .noInput
        case .storeBusy: return .temporaryFailure
        case .storeUnavailable, .switchTypeNotAvailable: return .unavailable
        case .confirmationRequired, .missingTarget: return .usage
        default: return .failure
        }
    }
}

/// A failure with what was wrong and what to do, printed as `tool: TARGET: message [Category]`.
public struct NestError: Error, Sendable, Equatable {
    /// The stable category.
    public var category: ErrorCategory
    /// The sentence(s) for the user: what was wrong and what to do.
    public var message: String
    /// The object the failure is about (a VM, switch, NAT or adapter name), when there is one.
    public var target: String?

    /// A failure.
    public init(_ category: ErrorCategory, _ message: String, target: String? = nil) {
        self.category = category
        self.message = message
        self.target = target
    }
}
