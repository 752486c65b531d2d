/// An event injected at VM entry (SDM vol. 3, "Event Injection").
public struct InjectedEvent: Equatable, Sendable {
    /// Interruption types.
    public enum Kind: UInt8, Sendable {
        case externalInterrupt = 0, nmi = 2, hardwareException = 3, softwareInterrupt = 4
        case privilegedSoftwareException = 5, softwareException = 6
    }
    /// The vector.
    public var vector: UInt8
    /// How the event is delivered.
    public var kind: Kind
    /// The error code pushed, for exceptions that have one.
    public var errorCode: UInt32?
    /// For software interrupts and exceptions: the length of the instruction that raised it.
    public var instructionLength: UInt8 = 0

    /// An event to inject; `instructionLength` is the length of a software event's instruction.
    public init(vector: UInt8, kind: Kind, errorCode: UInt32? = nil, instructionLength: UInt8 = 0) {
        self.vector = vector
        self.kind = kind
        self.errorCode = errorCode
        self.instructionLength = instructionLength
    }
}
