/// One decoded instruction: everything execution needs, so handlers never look at bytes again.
public struct Instruction: Sendable {
    // Laid out widest first so the struct packs into 32 bytes: it is copied for every instruction executed.
    /// The immediate (sign- or zero-extended as the form defines), or a relative branch displacement.
    public var immediate: UInt64 = 0
    /// Memory displacement (at most 32 bits in every encoding; sign-extended when used).
    public var displacement32: Int32 = 0
    /// A second immediate (ENTER's nesting level).
    public var immediate2: UInt16 = 0
    /// `map << 8 | opcode`: map 0 one-byte, 1 `0F`, 2 `0F 38`, 3 `0F 3A`.
    public var op: UInt16 = 0
    /// Length in bytes, prefixes included.
    public var length: UInt8 = 0
    /// Operand size in bytes for non-byte forms: 2, 4 or 8.
    public var operandSize: UInt8 = 4
    /// Address size in bytes: 4 or 8 in 64-bit mode.
    public var addressSize: UInt8 = 8
    /// ModRM.reg, extended by REX.R (also the opcode extension of group instructions, 0–7 then).
    public var reg: UInt8 = 0
    /// ModRM.rm extended by REX.B, or the register in the low opcode bits extended by REX.B.
    public var rm: UInt8 = 0
    /// ModRM.mod (3 means a register operand).
    public var mod: UInt8 = 3
    /// Base register of a memory operand: 0–15, `Instruction.noRegister`, or `Instruction.ripBase`.
    public var base: UInt8 = Instruction.noRegister
    /// Index register of a memory operand, or `Instruction.noRegister`.
    public var index: UInt8 = Instruction.noRegister
    /// log2 of the scale.
    public var scale: UInt8 = 0
    /// Segment override (`SegmentRegister` raw value), or `Instruction.noSegment`.
    public var segment: UInt8 = Instruction.noSegment
    /// The REX prefix byte, or 0 when there was none (byte registers 4–7 then mean AH–BH).
    public var rex: UInt8 = 0
    /// 0xF3 (REP/REPE), 0xF2 (REPNE), or 0.
    public var repeatPrefix: UInt8 = 0
    /// Whether 0x66 was present (it selects SSE forms as well as the operand size).
    public var hasOperandSizePrefix = false
    /// Whether LOCK was present.
    public var hasLock = false

    /// The displacement sign-extended to 64 bits.
    @inline(__always) public var displacement: Int64 { Int64(displacement32) }

    public static let noRegister: UInt8 = 0xFF
    public static let ripBase: UInt8 = 0xFE
    public static let noSegment: UInt8 = 0xFF

    /// Whether the ModRM operand is memory.
    public var isMemory: Bool { mod != 3 }
    /// The opcode byte without its map.
    public var opcode: UInt8 { UInt8(truncatingIfNeeded: op) }
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
