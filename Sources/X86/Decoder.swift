/// Decodes x86-64 instructions in 64-bit mode (SDM vol. 2, "Instruction Format").
///
/// Handles legacy prefixes (last segment override wins; FS and GS are the ones with meaning in 64-bit mode), REX
/// (which must come last), 66/67 size overrides, the one-byte, 0F, 0F 38 and 0F 3A maps, ModRM/SIB, and
/// RIP-relative addressing. Encodings invalid in 64-bit mode raise #UD.
public enum Decoder {
    /// Decodes the instruction at `bytes`, of which `available` are readable (at most 15 are used).

    /// Decodes the instruction at `bytes`, of which `available` may be read.
    public static func decode(_ bytes: UnsafeRawPointer, available: Int) -> Result<Instruction, DecodeFailure> {
        var inst = Instruction()
        var i = 0
        let limit = min(available, 15)
        @inline(__always) func next() -> UInt8? {
            guard i < limit else { return nil }
            let byte = bytes.load(fromByteOffset: i, as: UInt8.self)
            i += 1
            return byte
        }
        var addressOverride = false
        var byte: UInt8 = 0
        prefixes: while true {
            guard let b = next() else { return .failure(available >= 15 ? .tooLong : .needMoreBytes) }
            switch b {
            case 0x66: inst.hasOperandSizePrefix = true
            case 0x67: addressOverride = true
            case 0xF0: inst.hasLock = true
            case 0xF2, 0xF3: inst.repeatPrefix = b
            case 0x26, 0x2E, 0x36, 0x3E: break  // ES/CS/SS/DS overrides are ignored in 64-bit mode
            case 0x64: inst.segment = UInt8(SegmentRegister.fs.rawValue)
            case 0x65: inst.segment = UInt8(SegmentRegister.gs.rawValue)
            case 0x40...0x4F:
                inst.rex = b
                continue prefixes
            default:
                byte = b
                break prefixes
            }
            inst.rex = 0  // a REX followed by another prefix is ignored
        }
        let rexW = inst.rex & 8 != 0, rexR = inst.rex & 4 != 0, rexX = inst.rex & 2 != 0, rexB = inst.rex & 1 != 0
        inst.operandSize = rexW ? 8 : (inst.hasOperandSizePrefix ? 2 : 4)
        inst.addressSize = addressOverride ? 4 : 8

        var kind: UInt8
        var map: UInt16 = 0
        if byte == 0x0F {
            guard let b2 = next() else { return .failure(.needMoreBytes) }
            if b2 == 0x38 || b2 == 0x3A {
                guard let b3 = next() else { return .failure(.needMoreBytes) }
                map = b2 == 0x38 ? 2 : 3
                byte = b3
                kind = b2 == 0x38 ? UInt8(ascii: "m") : UInt8(ascii: "b")
            } else {
                map = 1
                byte = b2
                kind = OpcodeTable.twoByte[Int(b2)]
            }
        } else {
            kind = OpcodeTable.oneByte[Int(byte)]
        }
        inst.op = map << 8 | UInt16(byte)
        if kind == UInt8(ascii: "X") || kind == UInt8(ascii: "3") || kind == UInt8(ascii: "P") { return .failure(.invalidOpcode) }

        // Near branches, PUSH/POP and a few more default to 64-bit operands in 64-bit mode.
        if map == 0 {
            switch byte {
            case 0x50...0x5F, 0x68, 0x6A, 0x8F, 0x9C, 0x9D, 0xC2, 0xC3, 0xC8, 0xC9, 0xE8, 0xE9, 0xEB, 0x70...0x7F, 0xE0...0xE3:
                inst.operandSize = inst.hasOperandSizePrefix && !rexW ? 2 : 8
            default: break
            }
        } else if map == 1, (0x80...0x8F).contains(byte) || byte == 0xA0 || byte == 0xA1 || byte == 0xA8 || byte == 0xA9 {
            inst.operandSize = inst.hasOperandSizePrefix && !rexW ? 2 : 8
        }
        if map == 0, (0x50...0x5F).contains(byte) || (0xB0...0xBF).contains(byte) || (0x91...0x97).contains(byte) {
            inst.rm = (byte & 7) | (rexB ? 8 : 0)
        }
        if map == 1, (0xC8...0xCF).contains(byte) { inst.rm = (byte & 7) | (rexB ? 8 : 0) }

        let hasModRM = kind == UInt8(ascii: "m") || kind == UInt8(ascii: "b") || kind == UInt8(ascii: "z") || kind == UInt8(ascii: "T")
        if hasModRM {
            guard let modrm = next() else { return .failure(.needMoreBytes) }
            inst.mod = modrm >> 6
            inst.reg = (modrm >> 3 & 7) | (rexR ? 8 : 0)
            let rmLow = modrm & 7
            if inst.mod == 3 {
                inst.rm = rmLow | (rexB ? 8 : 0)
            } else {
                if rmLow == 4 {
                    guard let sib = next() else { return .failure(.needMoreBytes) }
                    inst.scale = sib >> 6
                    let index = (sib >> 3 & 7) | (rexX ? 8 : 0)
                    inst.index = index == 4 ? Instruction.noRegister : index
                    let base = sib & 7
                    if base == 5 && inst.mod == 0 {
                        inst.base = Instruction.noRegister
                        guard let d = readSigned(bytes, &i, limit, 4) else { return .failure(.needMoreBytes) }
                        inst.displacement32 = Int32(truncatingIfNeeded: d)
                    } else {
                        inst.base = base | (rexB ? 8 : 0)
                    }
                } else if rmLow == 5 && inst.mod == 0 {
                    inst.base = Instruction.ripBase
                    guard let d = readSigned(bytes, &i, limit, 4) else { return .failure(.needMoreBytes) }
                    inst.displacement32 = Int32(truncatingIfNeeded: d)
                } else {
                    inst.base = rmLow | (rexB ? 8 : 0)
                }
                if inst.mod == 1 {
                    guard let d = readSigned(bytes, &i, limit, 1) else { return .failure(.needMoreBytes) }
                    inst.displacement32 = Int32(truncatingIfNeeded: d)
                } else if inst.mod == 2 {
                    guard let d = readSigned(bytes, &i, limit, 4) else { return .failure(.needMoreBytes) }
                    inst.displacement32 = Int32(truncatingIfNeeded: d)
                }
            }
        }

        // Immediates.
        var immediateSize = 0
        var signed = true
        switch kind {
        case UInt8(ascii: "b"), UInt8(ascii: "B"): immediateSize = 1
        case UInt8(ascii: "W"): immediateSize = 2; signed = false
        case UInt8(ascii: "z"), UInt8(ascii: "Z"): immediateSize = inst.operandSize == 2 ? 2 : 4
        case UInt8(ascii: "V"): immediateSize = Int(inst.operandSize); signed = false
        case UInt8(ascii: "O"): immediateSize = Int(inst.addressSize); signed = false
        case UInt8(ascii: "T") where inst.reg & 7 < 2: immediateSize = byte == 0xF6 ? 1 : (inst.operandSize == 2 ? 2 : 4)
        case UInt8(ascii: "E"):
            guard let size = readUnsigned(bytes, &i, limit, 2), let level = readUnsigned(bytes, &i, limit, 1) else {
                return .failure(.needMoreBytes)
            }
            inst.immediate = size
            inst.immediate2 = UInt16(level)
        default: break
        }
        // MOV r8, imm8 (B0–B7) takes one byte; the V rows of B8–BF take the operand size.
        if map == 0, (0xB0...0xB7).contains(byte) { immediateSize = 1; signed = false }
        if immediateSize > 0 {
            if signed {
                guard let value = readSigned(bytes, &i, limit, immediateSize) else { return .failure(.needMoreBytes) }
                inst.immediate = UInt64(bitPattern: value)
            } else {
                guard let value = readUnsigned(bytes, &i, limit, immediateSize) else { return .failure(.needMoreBytes) }
                inst.immediate = value
            }
        }
        if i > 15 { return .failure(.tooLong) }
        inst.length = UInt8(i)
        inst.fast = FastForm.classify(inst).rawValue
        return .success(inst)
    }

    @inline(__always)
    static func readUnsigned(_ bytes: UnsafeRawPointer, _ i: inout Int, _ limit: Int, _ size: Int) -> UInt64? {
        guard i + size <= limit else { return nil }
        var value: UInt64 = 0
        for k in 0..<size { value |= UInt64(bytes.load(fromByteOffset: i + k, as: UInt8.self)) << (8 * k) }
        i += size
        return value
    }

    @inline(__always)
    static func readSigned(_ bytes: UnsafeRawPointer, _ i: inout Int, _ limit: Int, _ size: Int) -> Int64? {
        guard let raw = readUnsigned(bytes, &i, limit, size) else { return nil }
        let shift = UInt64(64 - 8 * size)
        return Int64(bitPattern: raw << shift) >> Int64(shift)
    }
}
