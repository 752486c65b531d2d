/// One decoded instruction: everything execution needs, so handlers never look at bytes again.
public struct Instruction: Sendable {
    // Four 64-bit words: the instruction is copied and passed for every instruction executed, and four words travel
    // in registers where twenty small fields would be spread out and packed again at every call.
    /// The immediate (sign- or zero-extended as the form defines), or a relative branch displacement.
    public var immediate: UInt64 = 0
    /// displacement (31:0), immediate2 (47:32), op (63:48).
    var word1: UInt64 = 0
    /// length, operandSize, addressSize, reg, rm, mod, base, index: a byte each.
    var word2: UInt64 = 0xFFFF030000080400
    /// scale, segment, rex, repeatPrefix, flags (operand-size prefix 0, LOCK 1), fast: a byte each.
    var word3: UInt64 = 0xFF00

    /// Memory displacement (at most 32 bits in every encoding).
    public var displacement32: Int32 {
        @inline(__always) get { Int32(truncatingIfNeeded: word1) }
        @inline(__always) set { word1 = (word1 & ~0xFFFF_FFFF) | UInt64(UInt32(bitPattern: newValue)) }
    }
    /// A second immediate (ENTER's nesting level).
    public var immediate2: UInt16 {
        @inline(__always) get { UInt16(truncatingIfNeeded: word1 >> 32) }
        @inline(__always) set { word1 = (word1 & ~(0xFFFF << 32)) | UInt64(newValue) << 32 }
    }
    /// `map << 8 | opcode`: map 0 one-byte, 1 `0F`, 2 `0F 38`, 3 `0F 3A`.
    public var op: UInt16 {
        @inline(__always) get { UInt16(truncatingIfNeeded: word1 >> 48) }
        @inline(__always) set { word1 = (word1 & ~(0xFFFF << 48)) | UInt64(newValue) << 48 }
    }
    /// Length in bytes, prefixes included.
    public var length: UInt8 {
        @inline(__always) get { UInt8(truncatingIfNeeded: word2 >> 0) }
        @inline(__always) set { word2 = (word2 & ~(0xFF << 0)) | UInt64(newValue) << 0 }
    }
    /// Operand size in bytes for non-byte forms: 2, 4 or 8.
    public var operandSize: UInt8 {
        @inline(__always) get { UInt8(truncatingIfNeeded: word2 >> 8) }
        @inline(__always) set { word2 = (word2 & ~(0xFF << 8)) | UInt64(newValue) << 8 }
    }
    /// Address size in bytes: 4 or 8 in 64-bit mode.
    public var addressSize: UInt8 {
        @inline(__always) get { UInt8(truncatingIfNeeded: word2 >> 16) }
        @inline(__always) set { word2 = (word2 & ~(0xFF << 16)) | UInt64(newValue) << 16 }
    }
    /// ModRM.reg, extended by REX.R (also the opcode extension of group instructions, 0–7 then).
    public var reg: UInt8 {
        @inline(__always) get { UInt8(truncatingIfNeeded: word2 >> 24) }
        @inline(__always) set { word2 = (word2 & ~(0xFF << 24)) | UInt64(newValue) << 24 }
    }
    /// ModRM.rm extended by REX.B, or the register in the low opcode bits extended by REX.B.
    public var rm: UInt8 {
        @inline(__always) get { UInt8(truncatingIfNeeded: word2 >> 32) }
        @inline(__always) set { word2 = (word2 & ~(0xFF << 32)) | UInt64(newValue) << 32 }
    }
    /// ModRM.mod (3 means a register operand).
    public var mod: UInt8 {
        @inline(__always) get { UInt8(truncatingIfNeeded: word2 >> 40) }
        @inline(__always) set { word2 = (word2 & ~(0xFF << 40)) | UInt64(newValue) << 40 }
    }
    /// Base register of a memory operand: 0–15, `Instruction.noRegister`, or `Instruction.ripBase`.
    public var base: UInt8 {
        @inline(__always) get { UInt8(truncatingIfNeeded: word2 >> 48) }
        @inline(__always) set { word2 = (word2 & ~(0xFF << 48)) | UInt64(newValue) << 48 }
    }
    /// Index register of a memory operand, or `Instruction.noRegister`.
    public var index: UInt8 {
        @inline(__always) get { UInt8(truncatingIfNeeded: word2 >> 56) }
        @inline(__always) set { word2 = (word2 & ~(0xFF << 56)) | UInt64(newValue) << 56 }
    }
    /// log2 of the scale.
    public var scale: UInt8 {
        @inline(__always) get { UInt8(truncatingIfNeeded: word3 >> 0) }
        @inline(__always) set { word3 = (word3 & ~(0xFF << 0)) | UInt64(newValue) << 0 }
    }
    /// Segment override (`SegmentRegister` raw value), or `Instruction.noSegment`.
    public var segment: UInt8 {
        @inline(__always) get { UInt8(truncatingIfNeeded: word3 >> 8) }
        @inline(__always) set { word3 = (word3 & ~(0xFF << 8)) | UInt64(newValue) << 8 }
    }
    /// The REX prefix byte, or 0 when there was none (byte registers 4–7 then mean AH–BH).
    public var rex: UInt8 {
        @inline(__always) get { UInt8(truncatingIfNeeded: word3 >> 16) }
        @inline(__always) set { word3 = (word3 & ~(0xFF << 16)) | UInt64(newValue) << 16 }
    }
    /// 0xF3 (REP/REPE), 0xF2 (REPNE), or 0.
    public var repeatPrefix: UInt8 {
        @inline(__always) get { UInt8(truncatingIfNeeded: word3 >> 24) }
        @inline(__always) set { word3 = (word3 & ~(0xFF << 24)) | UInt64(newValue) << 24 }
    }
    /// Whether 0x66 was present (it selects SSE forms as well as the operand size).
    public var hasOperandSizePrefix: Bool {
        @inline(__always) get { word3 & 1 << 32 != 0 }
        @inline(__always) set { word3 = newValue ? word3 | 1 << 32 : word3 & ~(1 << 32) }
    }
    /// Whether LOCK was present.
    public var hasLock: Bool {
        @inline(__always) get { word3 & 1 << 33 != 0 }
        @inline(__always) set { word3 = newValue ? word3 | 1 << 33 : word3 & ~(1 << 33) }
    }
    /// A specialised form the run loop executes inline (`FastForm`), or 0 for the general dispatch.
    public var fast: UInt8 {
        @inline(__always) get { UInt8(truncatingIfNeeded: word3 >> 40) }
        @inline(__always) set { word3 = (word3 & ~(0xFF << 40)) | UInt64(newValue) << 40 }
    }

    /// The displacement sign-extended to 64 bits.
    @inline(__always) public var displacement: Int64 { Int64(displacement32) }

    /// An empty instruction (length 0 marks an undecoded cache entry).
    public init() {}

    /// No register: the operand has no base or index.
    public static let noRegister: UInt8 = 0xFF
    /// The base is RIP (RIP-relative addressing).
    public static let ripBase: UInt8 = 0xFE
    /// No segment override prefix.
    public static let noSegment: UInt8 = 0xFF

    /// Whether the ModRM operand is memory.
    @inline(__always) public var isMemory: Bool { mod != 3 }
    /// The opcode byte without its map.
    @inline(__always) public var opcode: UInt8 { UInt8(truncatingIfNeeded: op) }
}

/// Why bytes did not decode.
public enum DecodeFailure: Error, Sendable, Equatable {
    /// An undefined or, in this mode, invalid encoding (#UD).
    case invalidOpcode
    /// More than 15 bytes (#GP).
    case tooLong
    /// The bytes ran out before the instruction did (the caller fetches more and tries again).
    case needMoreBytes
}
