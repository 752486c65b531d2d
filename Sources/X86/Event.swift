/// Exception vectors (SDM vol. 3, "Exception and Interrupt Reference").
public enum Vector {
    public static let de: UInt8 = 0, db: UInt8 = 1, nmi: UInt8 = 2, bp: UInt8 = 3, of: UInt8 = 4, br: UInt8 = 5
    public static let ud: UInt8 = 6, nm: UInt8 = 7, df: UInt8 = 8, ts: UInt8 = 10, np: UInt8 = 11, ss: UInt8 = 12
    public static let gp: UInt8 = 13, pf: UInt8 = 14, mf: UInt8 = 16, ac: UInt8 = 17, mc: UInt8 = 18, xm: UInt8 = 19

    /// Whether the exception pushes an error code.
    public static func hasErrorCode(_ vector: UInt8) -> Bool {
        switch vector {
        case df, ts, np, ss, gp, pf, ac: return true
        default: return false
        }
    }

    /// The class for double-fault detection (SDM, "Interrupt 8—Double Fault Exception (#DF)"):
    /// 0 benign, 1 contributory, 2 page fault.
    static func faultClass(_ vector: UInt8) -> Int {
        switch vector {
        case de, ts, np, ss, gp: return 1
        case pf: return 2
        default: return 0
        }
    }
}

/// An exception raised while executing an instruction.
public struct Fault: Error, Equatable, Sendable {
    /// The vector.
    public var vector: UInt8
    /// The error code, for exceptions that push one.
    public var errorCode: UInt32?
    /// For #PF: the linear address, which goes to CR2 when the fault is delivered (not when it exits).
    public var address: UInt64 = 0

    /// A fault of `vector`, with its error code and, for #PF, the faulting linear address.
    public init(_ vector: UInt8, errorCode: UInt32? = nil, address: UInt64 = 0) {
        self.vector = vector
        self.errorCode = errorCode
        self.address = address
    }

    /// #UD.
    public static let invalidOpcode = Fault(Vector.ud)
    /// #GP with error code `code`.
    public static func generalProtection(_ code: UInt32 = 0) -> Fault { Fault(Vector.gp, errorCode: code) }
    /// #DE.
    public static let divideError = Fault(Vector.de)
}

/// What interrupts the execution of an instruction: an exception, or a VM exit the instruction causes.
public enum Event: Error, Sendable {
    case fault(Fault)
    case exit(VMExit)
}
