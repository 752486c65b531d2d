/// An event injected at VM entry (SDM vol. 3, "Event Injection").
public struct InjectedEvent: Equatable, Sendable {
    /// Interruption types.
    public enum Kind: UInt8, Sendable {
        case externalInterrupt = 0, nmi = 2, hardwareException = 3, softwareInterrupt = 4
        case privilegedSoftwareException = 5, softwareException = 6
    }
    public var vector: UInt8
    public var kind: Kind
    public var errorCode: UInt32?
    /// For software interrupts and exceptions: the length of the instruction that raised it.
    public var instructionLength: UInt8 = 0

    public init(vector: UInt8, kind: Kind, errorCode: UInt32? = nil, instructionLength: UInt8 = 0) {
        self.vector = vector
        self.kind = kind
        self.errorCode = errorCode
        self.instructionLength = instructionLength
    }
}
