/// SSE and SSE2 moves and integer operations: the forms compilers emit for copies, zeroing, comparisons and
/// string scans (SDM vol. 2: MOVUPS … PXOR, PCMPEQB, PMOVMSKB, PSHUFD, PUNPCK…, PADD…/PSUB…, shifts), and
/// FXSAVE/FXRSTOR. The floating-point instructions are in Execute+SSEFloat.swift.
extension CPU {
    /// An XMM register as (low, high).
    @inline(__always)
    func xmmValue(_ n: UInt8) -> (UInt64, UInt64) { (xmm[Int(n) * 2], xmm[Int(n) * 2 + 1]) }

    @inline(__always)
    func setXMM(_ n: UInt8, _ value: (UInt64, UInt64)) {
        xmm[Int(n) * 2] = value.0
        xmm[Int(n) * 2 + 1] = value.1
    }

    /// The 128-bit r/m operand; `aligned` requires 16-byte alignment (#GP otherwise).
    @inline(__always)
    func readXMMOperand(_ i: Instruction, aligned: Bool = false) throws(Event) -> (UInt64, UInt64) {
        if !i.isMemory { return xmmValue(i.rm) }
        let address = effectiveAddress(i)
        if aligned && address & 15 != 0 { throw .fault(.generalProtection(0)) }
        return try read128(address)
    }

    @inline(__always)
    func writeXMMOperand(_ i: Instruction, _ value: (UInt64, UInt64), aligned: Bool = false) throws(Event) {
        if !i.isMemory { return setXMM(i.rm, value) }
        let address = effectiveAddress(i)
        if aligned && address & 15 != 0 { throw .fault(.generalProtection(0)) }
        try write128(address, value)
    }

    /// #UD without CR4.OSFXSR or with CR0.EM, #NM with CR0.TS; one test when SSE is usable.
    @inline(__always)
    func checkSSE() throws(Event) {
        if (cr0 & (CR0.em | CR0.ts)) | (~cr4 & CR4.osfxsr) != 0 { try refuseSSE() }
    }

    func refuseSSE() throws(Event) {
        if cr0 & CR0.em != 0 || cr4 & CR4.osfxsr == 0 { throw .fault(.invalidOpcode) }
        if cr0 & CR0.ts != 0 { throw .fault(Fault(Vector.nm)) }
    }

    /// 66 0F 71/72/73 with a valid /r: PSRLW/D/Q (/2), PSRAW/D (/4), PSLLW/D/Q (/6), PSRLDQ and PSLLDQ (73 /3, /7).
    static func isShiftImmediate(_ i: Instruction) -> Bool {
        switch i.reg & 7 {
        case 2, 6: true
        case 4: i.opcode != 0x73
        case 3, 7: i.opcode == 0x73
        default: false
        }
    }

    /// The shift by an immediate of an XMM register (`isShiftImmediate` holds).
    @inline(__always)
    func shiftImmediate(_ i: Instruction) {
        let count = i.immediate & 0xFF, v = xmmValue(i.rm)
        switch i.reg & 7 {
        case 3: setXMM(i.rm, Self.byteShift(v, count: count, left: false))
        case 7: setXMM(i.rm, Self.byteShift(v, count: count, left: true))
        default:  // 71, 72, 73: lanes of 16, 32, 64 bits
            let kind = i.reg & 7 == 2 ? 0 : (i.reg & 7 == 6 ? 1 : 2)
            setXMM(i.rm, Self.laneShift(v, width: UInt64(8) << (i.opcode & 3), count: count, kind: kind))
        }
    }

    func executeSSE(_ i: Instruction) throws(Event) {
        try checkSSE()
        let p66 = i.hasOperandSizePrefix, pF3 = i.repeatPrefix == 0xF3, pF2 = i.repeatPrefix == 0xF2
        let none = !p66 && !pF3 && !pF2
        switch i.opcode {
        case 0x10, 0x11:
            let load = i.opcode == 0x10
            if pF3 || pF2 {
                let size = pF3 ? 4 : 8
                let mask = Self.mask(UInt64(size * 8))
                if load {
                    if i.isMemory {
                        setXMM(i.reg, (try read(effectiveAddress(i), size), 0))
                    } else {
                        var v = xmmValue(i.reg)
                        v.0 = (v.0 & ~mask) | (xmmValue(i.rm).0 & mask)
                        setXMM(i.reg, v)
                    }
                } else if i.isMemory {
                    try write(effectiveAddress(i), size, xmmValue(i.reg).0)
                } else {
                    var v = xmmValue(i.rm)
                    v.0 = (v.0 & ~mask) | (xmmValue(i.reg).0 & mask)
                    setXMM(i.rm, v)
                }
            } else if load {
                setXMM(i.reg, try readXMMOperand(i))
            } else {
                try writeXMMOperand(i, xmmValue(i.reg))
            }
        case 0x12, 0x13, 0x16, 0x17:
            guard !pF3, !pF2 else { throw .fault(.invalidOpcode) }
            let high = i.opcode >= 0x16
            if i.opcode & 1 == 0 {
                var v = xmmValue(i.reg)
                let source = i.isMemory ? try read(effectiveAddress(i), 8) : (high ? xmmValue(i.rm).0 : xmmValue(i.rm).1)
                if high { v.1 = source } else { v.0 = source }
                setXMM(i.reg, v)
            } else {
                guard i.isMemory else { throw .fault(.invalidOpcode) }
                try write(effectiveAddress(i), 8, high ? xmmValue(i.reg).1 : xmmValue(i.reg).0)
            }
        case 0x14, 0x15:
            let a = xmmValue(i.reg), b = try readXMMOperand(i, aligned: true)
            let low = i.opcode == 0x14
            if p66 {
                setXMM(i.reg, low ? (a.0, b.0) : (a.1, b.1))
            } else {
                let x = low ? a.0 : a.1, y = low ? b.0 : b.1
                setXMM(i.reg, ((x & 0xFFFF_FFFF) | (y & 0xFFFF_FFFF) << 32, (x >> 32) | (y >> 32) << 32))
            }
        case 0x28: setXMM(i.reg, try readXMMOperand(i, aligned: true))
        case 0x29, 0x2B: try writeXMMOperand(i, xmmValue(i.reg), aligned: true)
        case 0x50:
            guard !i.isMemory else { throw .fault(.invalidOpcode) }
            let v = xmmValue(i.rm)
            let bits: UInt64 =
                p66
                ? (v.0 >> 63) | (v.1 >> 63) << 1
                : (v.0 >> 31 & 1) | (v.0 >> 63) << 1 | (v.1 >> 31 & 1) << 2 | (v.1 >> 63) << 3
            setRegister(i.reg, 4, bits, rex: i.rex)
        case 0x54, 0x55, 0x56, 0x57, 0xDB, 0xDF, 0xEB, 0xEF:
            guard none || p66 else { throw .fault(.invalidOpcode) }
            setXMM(i.reg, Self.bitwise(i.opcode, xmmValue(i.reg), try readXMMOperand(i, aligned: true)))
        case 0x6E:
            guard p66 else { throw .fault(.invalidOpcode) }
            let size = i.operandSize == 8 ? 8 : 4
            setXMM(i.reg, (try readRM(i, size), 0))
        case 0x7E:
            if pF3 {
                setXMM(i.reg, (i.isMemory ? try read(effectiveAddress(i), 8) : xmmValue(i.rm).0, 0))
            } else {
                guard p66 else { throw .fault(.invalidOpcode) }
                let size = i.operandSize == 8 ? 8 : 4
                try writeRM(i, size, xmmValue(i.reg).0 & Self.mask(UInt64(size * 8)))
            }
        case 0x6F:
            guard p66 || pF3 else { throw .fault(.invalidOpcode) }
            setXMM(i.reg, try readXMMOperand(i, aligned: p66))
        case 0x7F, 0xE7:
            guard p66 || (pF3 && i.opcode == 0x7F) else { throw .fault(.invalidOpcode) }
            try writeXMMOperand(i, xmmValue(i.reg), aligned: p66)
        case 0xD6:
            guard p66 else { throw .fault(.invalidOpcode) }
            if i.isMemory { try write(effectiveAddress(i), 8, xmmValue(i.reg).0) } else { setXMM(i.rm, (xmmValue(i.reg).0, 0)) }
        case 0x70:
            let v = try readXMMOperand(i, aligned: p66)
            let order = i.immediate
            if p66 {
                let d = { (k: UInt64) in Self.doubleword(v, order >> (2 * k) & 3) }
                setXMM(i.reg, (d(0) | d(1) << 32, d(2) | d(3) << 32))
            } else if pF3 || pF2 {
                let half = pF3 ? v.1 : v.0
                var shuffled: UInt64 = 0
                for k: UInt64 in 0..<4 { shuffled |= ((half >> (16 * (order >> (2 * k) & 3))) & 0xFFFF) << (16 * k) }
                setXMM(i.reg, pF3 ? (v.0, shuffled) : (shuffled, v.1))
            } else {
                throw .fault(.invalidOpcode)
            }
        case 0x71, 0x72, 0x73:
            guard p66, !i.isMemory, Self.isShiftImmediate(i) else { throw .fault(.invalidOpcode) }
            shiftImmediate(i)
        case 0xD1, 0xD2, 0xD3, 0xE1, 0xE2, 0xF1, 0xF2, 0xF3:
            guard p66 else { throw .fault(.invalidOpcode) }
            let count = try readXMMOperand(i, aligned: true).0
            let width = UInt64(8) << (i.opcode & 3)
            let kind = i.opcode >= 0xF0 ? 1 : (i.opcode >= 0xE0 ? 2 : 0)
            setXMM(i.reg, Self.laneShift(xmmValue(i.reg), width: width, count: count, kind: kind))
        case 0xC6:
            let a = xmmValue(i.reg), b = try readXMMOperand(i, aligned: true)
            let order = i.immediate
            if p66 {
                setXMM(i.reg, (order & 1 == 0 ? a.0 : a.1, order & 2 == 0 ? b.0 : b.1))
            } else {
                setXMM(
                    i.reg,
                    (
                        Self.doubleword(a, order & 3) | Self.doubleword(a, order >> 2 & 3) << 32,
                        Self.doubleword(b, order >> 4 & 3) | Self.doubleword(b, order >> 6 & 3) << 32
                    ))
            }
        case 0xC4:
            guard p66 else { throw .fault(.invalidOpcode) }  // PINSRW
            let word = try readRM(i, 2) & 0xFFFF
            var v = xmmValue(i.reg)
            let lane = i.immediate & 7, shift = (lane & 3) * 16
            if lane < 4 { v.0 = (v.0 & ~(0xFFFF << shift)) | word << shift } else { v.1 = (v.1 & ~(0xFFFF << shift)) | word << shift }
            setXMM(i.reg, v)
        case 0xC5:
            guard p66, !i.isMemory else { throw .fault(.invalidOpcode) }  // PEXTRW
            let v = xmmValue(i.rm)
            let lane = i.immediate & 7
            setRegister(i.reg, 4, ((lane < 4 ? v.0 : v.1) >> ((lane & 3) * 16)) & 0xFFFF, rex: i.rex)
        case 0xD7:
            guard p66, !i.isMemory else { throw .fault(.invalidOpcode) }
            let v = xmmValue(i.rm)
            var bits: UInt64 = 0
            for k in 0..<8 {
                bits |= ((v.0 >> (8 * UInt64(k) + 7)) & 1) << UInt64(k)
                bits |= ((v.1 >> (8 * UInt64(k) + 7)) & 1) << UInt64(k + 8)
            }
            setRegister(i.reg, 4, bits, rex: i.rex)
        case 0x60...0x6D, 0x74...0x76, 0xD4, 0xD5, 0xD8...0xDA, 0xDC...0xDE, 0xE0, 0xE3...0xE5, 0xE8...0xEA, 0xEC...0xEE, 0xF4...0xF6,
            0xF8...0xFE:
            guard p66 else { throw .fault(.invalidOpcode) }
            let a = xmmValue(i.reg), b = try readXMMOperand(i, aligned: true)
            setXMM(i.reg, try Self.packedInteger(i.opcode, a, b))
        case 0xF7:
            guard p66, !i.isMemory else { throw .fault(.invalidOpcode) }
            try executeMASKMOVDQU(i)
        case 0x77: break  // EMMS
        case 0x2A, 0x2C...0x2F, 0x51...0x53, 0x58...0x5F, 0xC2, 0xE6: try executeSSEFloat(i)
        default: throw .fault(.invalidOpcode)
        }
    }

    /// 66 0F F7: MASKMOVDQU, the bytes of XMM(reg) whose byte in XMM(rm) has its top bit set, stored at
    /// DS:RDI (EDI with a 32-bit address size; a segment prefix overrides DS). Every byte the mask selects is
    /// checked writable before any is stored, so a fault leaves memory unchanged; an all-zero mask accesses
    /// nothing (the SDM leaves faults for it to the implementation). The non-temporal hint changes nothing.
    func executeMASKMOVDQU(_ i: Instruction) throws(Event) {
        let data = xmmValue(i.reg), selector = xmmValue(i.rm)
        var address = i.addressSize == 4 ? gpr[Reg.rdi] & 0xFFFF_FFFF : gpr[Reg.rdi]
        if i.segment != Instruction.noSegment { address &+= segments[Int(i.segment)].base }
        func selected(_ k: UInt64) -> Bool { (k < 8 ? selector.0 >> (8 * k) : selector.1 >> (8 * (k - 8))) & 0x80 != 0 }
        let bytes = (0..<UInt64(16)).filter(selected)
        guard let first = bytes.first, let last = bytes.last else { return }
        try prepareWrite(address &+ first, Int(last - first + 1))
        for k in bytes {
            try write(address &+ k, 1, (k < 8 ? data.0 >> (8 * k) : data.1 >> (8 * (k - 8))) & 0xFF)
        }
    }

    /// NP 0F C3: MOVNTI, a store of a general register (32 bits, 64 with REX.W) with a non-temporal hint that
    /// changes nothing here. Memory destinations only, and no 66, F2 or F3 prefix; it touches no SSE state, so
    /// CR0.TS and CR0.EM do not apply.
    func executeMOVNTI(_ i: Instruction) throws(Event) {
        guard i.isMemory, !i.hasOperandSizePrefix, i.repeatPrefix == 0 else { throw .fault(.invalidOpcode) }
        let size = i.rex & 8 != 0 ? 8 : 4
        try write(effectiveAddress(i), size, gpr[Int(i.reg)])
    }

    func executeSSEThreeByte(_ i: Instruction) throws(Event) {
        throw .fault(.invalidOpcode)
    }

    /// ANDPS/PAND (54, DB), ANDNPS/PANDN (55, DF), ORPS/POR (56, EB), XORPS/PXOR (57, EF).
    @inline(__always)
    static func bitwise(_ opcode: UInt8, _ a: (UInt64, UInt64), _ b: (UInt64, UInt64)) -> (UInt64, UInt64) {
        switch opcode {
        case 0x54, 0xDB: (a.0 & b.0, a.1 & b.1)
        case 0x55, 0xDF: (~a.0 & b.0, ~a.1 & b.1)
        case 0x56, 0xEB: (a.0 | b.0, a.1 | b.1)
        default: (a.0 ^ b.0, a.1 ^ b.1)
        }
    }

    /// Doubleword `k` (0–3) of an XMM value.
    @inline(__always)
    static func doubleword(_ v: (UInt64, UInt64), _ k: UInt64) -> UInt64 { ((k < 2 ? v.0 : v.1) >> (32 * (k & 1))) & 0xFFFF_FFFF }

    /// An XMM value as the lanes of a SIMD vector, and back: the packed operations below work lane-wise on
    /// Swift's SIMD types, which the compiler turns into the host's own vector instructions.
    @inline(__always)
    static func lanes<V: SIMD>(_ v: (UInt64, UInt64), as: V.Type) -> V { unsafeBitCast(SIMD2(v.0, v.1), to: V.self) }

    /// The 128-bit vector back as (low, high); the reinterpretation goes through SIMD2<UInt64>, whose size and
    /// alignment every 128-bit vector type shares.
    @inline(__always)
    static func value<V: SIMD>(_ v: V) -> (UInt64, UInt64) {
        let quadwords = unsafeBitCast(v, to: SIMD2<UInt64>.self)
        return (quadwords[0], quadwords[1])
    }

    /// All ones in the lanes where `mask` holds, zero elsewhere (the result of PCMPEQ/PCMPGT).
    @inline(__always)
    static func select<V: SIMD>(_ mask: SIMDMask<V.MaskStorage>, _: V.Type) -> (UInt64, UInt64) where V.Scalar: FixedWidthInteger {
        value(V(repeating: 0).replacing(with: V(repeating: ~0), where: mask))
    }

    /// PSRL/PSLL/PSRA by `count` on lanes of `width` bits (kind 0 logical right, 1 left, 2 arithmetic right);
    /// a count of the lane width or more clears the lanes, or fills them with the sign for PSRA.
    @inline(__always)
    static func laneShift(_ v: (UInt64, UInt64), width: UInt64, count: UInt64, kind: Int) -> (UInt64, UInt64) {
        @inline(__always)
        func shift<U: SIMD, S: SIMD>(_: U.Type, _: S.Type) -> (UInt64, UInt64)
        where U.Scalar: FixedWidthInteger & UnsignedInteger, S.Scalar: FixedWidthInteger & SignedInteger {
            switch kind {
            case 0: return count >= width ? (0, 0) : value(lanes(v, as: U.self) &>> U(repeating: U.Scalar(count)))
            case 1: return count >= width ? (0, 0) : value(lanes(v, as: U.self) &<< U(repeating: U.Scalar(count)))
            default: return value(lanes(v, as: S.self) &>> S(repeating: S.Scalar(min(count, width - 1))))
            }
        }
        switch width {
        case 16: return shift(SIMD8<UInt16>.self, SIMD8<Int16>.self)
        case 32: return shift(SIMD4<UInt32>.self, SIMD4<Int32>.self)
        default: return shift(SIMD2<UInt64>.self, SIMD2<Int64>.self)
        }
    }

    /// PSRLDQ/PSLLDQ: whole-register byte shifts.
    static func byteShift(_ v: (UInt64, UInt64), count: UInt64, left: Bool) -> (UInt64, UInt64) {
        let n = min(count, 16) * 8
        if n == 0 { return v }
        if n >= 128 { return (0, 0) }
        if left {
            return n >= 64 ? (0, v.0 << (n - 64)) : (v.0 << n, (v.1 << n) | (v.0 >> (64 - n)))
        }
        return n >= 64 ? (v.1 >> (n - 64), 0) : ((v.0 >> n) | (v.1 << (64 - n)), v.1 >> n)
    }

    /// The lane-wise packed-integer operations of the 66 0F map.
    static func packedInteger(_ opcode: UInt8, _ a: (UInt64, UInt64), _ b: (UInt64, UInt64)) throws(Event) -> (UInt64, UInt64) {
        typealias U8 = SIMD16<UInt8>
        typealias S8 = SIMD16<Int8>
        typealias U16 = SIMD8<UInt16>
        typealias S16 = SIMD8<Int16>
        typealias U32 = SIMD4<UInt32>
        typealias S32 = SIMD4<Int32>
        typealias U64 = SIMD2<UInt64>
        @inline(__always) func lanewise<V: SIMD>(_: V.Type, _ f: (V, V) -> V) -> (UInt64, UInt64) {
            value(f(lanes(a, as: V.self), lanes(b, as: V.self)))
        }
        @inline(__always) func compare<V: SIMD>(_: V.Type, _ f: (V, V) -> SIMDMask<V.MaskStorage>) -> (UInt64, UInt64)
        where V.Scalar: FixedWidthInteger {
            select(f(lanes(a, as: V.self), lanes(b, as: V.self)), V.self)
        }
        func interleave(_ x: UInt64, _ y: UInt64, _ w: UInt64) -> (UInt64, UInt64) {
            // Interleave the lanes of two 64-bit halves: x0 y0 x1 y1 …
            var low: UInt64 = 0, high: UInt64 = 0
            let n = 64 / w, mask = CPU.mask(w)
            for k in 0..<n {
                let xi = (x >> (k * w)) & mask, yi = (y >> (k * w)) & mask
                let position = 2 * k * w
                if position < 64 {
                    low |= xi << position | yi << (position + w)
                } else {
                    high |= xi << (position - 64) | yi << (position - 64 + w)
                }
            }
            return (low, high)
        }
        func saturate(_ v: Int64, _ w: UInt64, unsigned: Bool) -> UInt64 {
            if unsigned { return UInt64(max(0, min(v, Int64(CPU.mask(w))))) }
            let limit = Int64(1) << (w - 1)
            return UInt64(bitPattern: max(-limit, min(v, limit - 1))) & CPU.mask(w)
        }
        func pack(_ w: UInt64, unsigned: Bool) -> (UInt64, UInt64) {
            // Each source quadword gives a quarter of the result: a.0, a.1, b.0, b.1 in order.
            let narrow = w / 2
            func quarter(_ q: UInt64) -> UInt64 {
                var out: UInt64 = 0
                for k in stride(from: 0, to: 64, by: Int(w)) {
                    out |= saturate(CPU.signExtend((q >> UInt64(k)) & CPU.mask(w), bits: w), narrow, unsigned: unsigned) << (UInt64(k) / 2)
                }
                return out
            }
            return (quarter(a.0) | quarter(a.1) << 32, quarter(b.0) | quarter(b.1) << 32)
        }
        switch opcode {
        case 0x60: return interleave(a.0, b.0, 8)
        case 0x61: return interleave(a.0, b.0, 16)
        case 0x62: return interleave(a.0, b.0, 32)
        case 0x68: return interleave(a.1, b.1, 8)
        case 0x69: return interleave(a.1, b.1, 16)
        case 0x6A: return interleave(a.1, b.1, 32)
        case 0x6C: return (a.0, b.0)
        case 0x6D: return (a.1, b.1)
        case 0x63: return pack(16, unsigned: false)
        case 0x67: return pack(16, unsigned: true)
        case 0x6B: return pack(32, unsigned: false)
        case 0x64: return compare(S8.self) { $0 .> $1 }
        case 0x65: return compare(S16.self) { $0 .> $1 }
        case 0x66: return compare(S32.self) { $0 .> $1 }
        case 0x74: return compare(U8.self) { $0 .== $1 }
        case 0x75: return compare(U16.self) { $0 .== $1 }
        case 0x76: return compare(U32.self) { $0 .== $1 }
        case 0xD4: return lanewise(U64.self) { $0 &+ $1 }
        case 0xFB: return lanewise(U64.self) { $0 &- $1 }
        case 0xFC: return lanewise(U8.self) { $0 &+ $1 }
        case 0xFD: return lanewise(U16.self) { $0 &+ $1 }
        case 0xFE: return lanewise(U32.self) { $0 &+ $1 }
        case 0xF8: return lanewise(U8.self) { $0 &- $1 }
        case 0xF9: return lanewise(U16.self) { $0 &- $1 }
        case 0xFA: return lanewise(U32.self) { $0 &- $1 }
        case 0xD5: return lanewise(U16.self) { $0 &* $1 }
        case 0xE5:  // PMULHW: the high halves of the signed 32-bit products
            let x = SIMD8<Int32>(truncatingIfNeeded: lanes(a, as: S16.self)), y = SIMD8<Int32>(truncatingIfNeeded: lanes(b, as: S16.self))
            return value(S16(truncatingIfNeeded: (x &* y) &>> 16))
        case 0xE4:  // PMULHUW
            let x = SIMD8<UInt32>(truncatingIfNeeded: lanes(a, as: U16.self)), y = SIMD8<UInt32>(truncatingIfNeeded: lanes(b, as: U16.self))
            return value(U16(truncatingIfNeeded: (x &* y) &>> 16))
        case 0xF4: return ((a.0 & 0xFFFF_FFFF) &* (b.0 & 0xFFFF_FFFF), (a.1 & 0xFFFF_FFFF) &* (b.1 & 0xFFFF_FFFF))
        case 0xF5:  // PMADDWD: signed word products, each adjacent pair summed into a doubleword (wrapping)
            let x = SIMD8<Int32>(truncatingIfNeeded: lanes(a, as: S16.self)), y = SIMD8<Int32>(truncatingIfNeeded: lanes(b, as: S16.self))
            let products = x &* y
            return value(products.evenHalf &+ products.oddHalf)
        case 0xD8: return lanewise(U8.self) { ($0 &- $1).replacing(with: 0, where: $0 .< $1) }
        case 0xD9: return lanewise(U16.self) { ($0 &- $1).replacing(with: 0, where: $0 .< $1) }
        case 0xDC: return lanewise(U8.self) { ($0 &+ $1).replacing(with: .max, where: $0 .> ~$1) }
        case 0xDD: return lanewise(U16.self) { ($0 &+ $1).replacing(with: .max, where: $0 .> ~$1) }
        case 0xE8, 0xEC:  // PSUBSB, PADDSB: in 16-bit lanes, clamped to the byte range
            let x = SIMD16<Int16>(truncatingIfNeeded: lanes(a, as: S8.self)), y = SIMD16<Int16>(truncatingIfNeeded: lanes(b, as: S8.self))
            let r = (opcode == 0xE8 ? x &- y : x &+ y).clamped(lowerBound: .init(repeating: -0x80), upperBound: .init(repeating: 0x7F))
            return value(S8(truncatingIfNeeded: r))
        case 0xE9, 0xED:  // PSUBSW, PADDSW
            let x = SIMD8<Int32>(truncatingIfNeeded: lanes(a, as: S16.self)), y = SIMD8<Int32>(truncatingIfNeeded: lanes(b, as: S16.self))
            let r = (opcode == 0xE9 ? x &- y : x &+ y).clamped(lowerBound: .init(repeating: -0x8000), upperBound: .init(repeating: 0x7FFF))
            return value(S16(truncatingIfNeeded: r))
        case 0xDA: return lanewise(U8.self) { $0.replacing(with: $1, where: $1 .< $0) }
        case 0xDE: return lanewise(U8.self) { $0.replacing(with: $1, where: $1 .> $0) }
        case 0xEA: return lanewise(S16.self) { $0.replacing(with: $1, where: $1 .< $0) }
        case 0xEE: return lanewise(S16.self) { $0.replacing(with: $1, where: $1 .> $0) }
        case 0xE0:  // PAVGB: (a + b + 1) >> 1 without overflow
            return lanewise(U8.self) { ($0 | $1) &- (($0 ^ $1) &>> 1) }
        case 0xE3: return lanewise(U16.self) { ($0 | $1) &- (($0 ^ $1) &>> 1) }
        case 0xF6:
            func sad(_ x: UInt64, _ y: UInt64) -> UInt64 {
                (0..<8).reduce(0) { sum, k in
                    let p = (x >> (8 * UInt64(k))) & 0xFF, q = (y >> (8 * UInt64(k))) & 0xFF
                    return sum + (p > q ? p - q : q - p)
                }
            }
            return (sad(a.0, b.0), sad(a.1, b.1))
        default: throw .fault(.invalidOpcode)
        }
    }

    /// 0F AE /0 and /1: FXSAVE and FXRSTOR of the x87 and SSE state (SDM "FXSAVE—Save x87 FPU, MMX Technology, and
    /// SSE State"): #NM with CR0.EM or CR0.TS; with REX.W (FXSAVE64) the x87 pointers are 64 bits, otherwise an
    /// offset and a selector (stored as 0). FXRSTOR reads everything before it changes anything.
    func executeFXSAVE(_ i: Instruction, restore: Bool) throws(Event) {
        if cr0 & (CR0.em | CR0.ts) != 0 { throw .fault(Fault(Vector.nm)) }
        let address = effectiveAddress(i)
        guard address & 15 == 0 else { throw .fault(.generalProtection(0)) }
        let wide = i.rex & 8 != 0
        let pointerMask: UInt64 = wide ? ~0 : 0xFFFF_FFFF
        if restore {
            let header = try read(address, 8)
            let instructionPointer = try read(address &+ 8, 8) & pointerMask
            let dataPointer = try read(address &+ 16, 8) & pointerMask
            let newMXCSR = UInt32(truncatingIfNeeded: try read(address &+ 24, 4))
            guard newMXCSR & 0xFFFF_0000 == 0 else { throw .fault(.generalProtection(0)) }
            var registers = [UInt8](repeating: 0, count: 80)
            for st in 0..<8 {
                for n in 0..<10 { registers[st * 10 + n] = UInt8(try read(address &+ UInt64(32 + st * 16 + n), 1)) }
            }
            var newXMM = [UInt64](repeating: 0, count: 32)
            for n in 0..<32 { newXMM[n] = try read(address &+ 160 &+ UInt64(n * 8), 8) }
            x87.control = UInt16(truncatingIfNeeded: header)
            x87.status = UInt16(truncatingIfNeeded: header >> 16)
            x87.opcode = UInt16(truncatingIfNeeded: header >> 48) & 0x7FF
            (x87.instructionPointer, x87.dataPointer) = (instructionPointer, dataPointer)
            for st in 0..<8 {
                x87.registers.replaceSubrange(physical(st) * 10..<physical(st) * 10 + 10, with: registers[st * 10..<st * 10 + 10])
            }
            x87.expandTag(UInt8(truncatingIfNeeded: header >> 32))
            x87.summarizeErrors()
            mxcsr = newMXCSR
            for n in 0..<32 { xmm[n] = newXMM[n] }
        } else {
            _ = try translate(address &+ 511, .write)
            let header =
                UInt64(x87.control) | UInt64(x87.status) << 16 | UInt64(x87.abridgedTag) << 32 | UInt64(x87.opcode) << 48
            try write(address, 8, header)
            try write(address &+ 8, 8, x87.instructionPointer & pointerMask)
            try write(address &+ 16, 8, x87.dataPointer & pointerMask)
            try write(address &+ 24, 4, UInt64(mxcsr))
            try write(address &+ 28, 4, 0xFFFF)  // MXCSR_MASK
            for st in 0..<8 {
                for n in 0..<16 {
                    let byte = n < 10 ? x87.registers[physical(st) * 10 + n] : 0
                    try write(address &+ UInt64(32 + st * 16 + n), 1, UInt64(byte))
                }
            }
            for n in 0..<16 {
                try write(address &+ 160 &+ UInt64(n * 16), 8, xmm[n * 2])
                try write(address &+ 168 &+ UInt64(n * 16), 8, xmm[n * 2 + 1])
            }
        }
    }
}
