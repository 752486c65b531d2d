/// The one table of exit statuses every nestvm tool and machine uses (sysexits style where one fits), documented in
/// nestvm(7) and in each tool's --help (`Help.exitStatuses` is written from it).
public enum ExitStatus: Int32, Sendable, CaseIterable {
    /// Everything asked for was done.
    case success = 0
    /// At least one object could not be acted on (a rule, a missing object).
    case failure = 1
    /// The command line was wrong (EX_USAGE).
    case usage = 64
    /// Input records were malformed, or a guest image cannot boot (EX_DATAERR).
    case dataError = 65
    /// An input file is missing or unreadable (EX_NOINPUT).
    case noInput = 66
    /// The feature or resource is not available (EX_UNAVAILABLE).
    case unavailable = 69
    /// The machine met something it does not emulate (EX_SOFTWARE).
    case unsupported = 70
    /// Standard output could not be written: a full disk, a closed descriptor, an I/O error (EX_IOERR). A closed
    /// pipe is not one: a command whose reader went away (`| head`) ends quietly with 0.
    case ioError = 74
    /// The state store stayed busy past its timeout: try again (EX_TEMPFAIL).
    case temporaryFailure = 75
    /// A processor of the machine hit a triple fault.
    case tripleFault = 98
    /// `--timeout` or `--max-instructions` ran out (as timeout(1)).
    case timeout = 124
    /// The machine was turned off from outside, or by a signal.
    case turnedOff = 130
    /// The VM's worker process died without recording how its machine ended (as a shell reports SIGKILL).
    case workerLost = 137

    /// The statuses a management command (not a running machine) ends with.
    public static let commandStatuses: [ExitStatus] = [
        .success, .failure, .usage, .dataError, .noInput, .unavailable, .ioError, .temporaryFailure,
    ]

    /// What the status means to someone reading a tool's --help.
    public var summary: String {
        switch self {
        case .success: "everything was done"
        case .failure: "an object could not be acted on (a rule or a missing object; the others were still done)"
        case .usage: "usage error"
        case .dataError: "malformed input records or a guest image that cannot boot"
        case .noInput: "a missing image or module file"
        case .unavailable: "not available: an External switch, or a state store or VM file that cannot be used"
        case .unsupported: "the guest did something the machine does not emulate"
        case .ioError: "standard output could not be written (a full disk, a closed descriptor)"
        case .temporaryFailure: "the state store stayed busy past its timeout, try again"
        case .tripleFault: "triple fault"
        case .timeout: "--timeout or --max-instructions reached"
        case .turnedOff: "turned off (vmrun stop, or a signal)"
        case .workerLost: "the VM's worker process was killed"
        }
    }
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
    /// A VM's worker process could not be started, or died before its machine ran.
    case workerFailed = "WorkerFailed"
    /// A VM's control socket could not be made, reached or listened on.
    case controlChannelFailed = "ControlChannelFailed"
    /// A file the run needs (the console log) could not be written.
    case fileUnavailable = "FileUnavailable"
    /// The VM runs an image without nestvm's integration service, so its nested VMs cannot be acted on.
    case integrationServiceMissing = "IntegrationServiceMissing"
    /// Not enough free memory in the VM for a nested VM's startup memory.
    case insufficientMemory = "InsufficientMemory"
    /// A hypervisor inside a nested VM (L3) was asked for; nestvm offers two levels.
    case nestedLevelNotOffered = "NestedLevelNotOffered"
    /// The hypervisor inside a VM refused a request, or did not answer it.
    case hypervisorRefused = "HypervisorRefused"
    /// An environment variable the tools read holds a value they cannot use.
    case invalidSetting = "InvalidSetting"
    /// Standard output could not be written.
    case outputFailed = "OutputFailed"

    /// The exit status a failure of this category ends the command with.
    public var exitStatus: ExitStatus {
        switch self {
        case .invalidRecord, .badImage: return .dataError
        case .imageNotFound: return .noInput
        case .storeBusy: return .temporaryFailure
        case .outputFailed: return .ioError
        case .storeUnavailable, .switchTypeNotAvailable, .workerFailed, .controlChannelFailed, .fileUnavailable: return .unavailable
        case .confirmationRequired, .missingTarget, .invalidSetting: return .usage
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
