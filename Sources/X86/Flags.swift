/// Lazy status flags: arithmetic records its operands and result, and a flag is computed only when something
/// reads it (Jcc, SETcc, PUSHF …). Most results are never looked at, which makes this the cheapest path.

struct LazyFlags {
    /// What produced the flags. `.materialized`: they are in `CPU.flagBits`.
    enum Kind: UInt8 {
        case materialized, add, sub, logic, inc, dec, resultOnly
    }

    var kind: Kind = .materialized
    /// Operand width in bits: 8, 16, 32 or 64.
    var bits: UInt64 = 64
    var result: UInt64 = 0
    var source: UInt64 = 0
    var destination: UInt64 = 0
    /// The carry that ADC/SBB added.
    var carryIn: UInt64 = 0

    init() {}
}

let parityTable: [Bool] = (0..<256).map { ($0 as Int).nonzeroBitCount % 2 == 0 }

extension CPU {
    @inline(__always) static func mask(_ bits: UInt64) -> UInt64 { bits == 64 ? ~0 : (1 << bits) &- 1 }
    @inline(__always) static func sign(_ bits: UInt64) -> UInt64 { 1 << (bits &- 1) }

    /// Records an addition (ADD, ADC with `carryIn`, CMPXCHG's compare is a subtraction).
    @inline(__always)
    func setAddFlags(_ dst: UInt64, _ src: UInt64, _ result: UInt64, bits: UInt64, carryIn: UInt64 = 0) {
        lazy.kind = .add; lazy.destination = dst; lazy.source = src; lazy.result = result; lazy.bits = bits; lazy.carryIn = carryIn
    }

    /// Records a subtraction (SUB, SBB with `carryIn`, CMP, NEG as 0 − src).
    @inline(__always)
    func setSubFlags(_ dst: UInt64, _ src: UInt64, _ result: UInt64, bits: UInt64, carryIn: UInt64 = 0) {
        lazy.kind = .sub; lazy.destination = dst; lazy.source = src; lazy.result = result; lazy.bits = bits; lazy.carryIn = carryIn
    }

    /// Records a logical result: CF = OF = 0, AF undefined (0 here).
    @inline(__always)
    func setLogicFlags(_ result: UInt64, bits: UInt64) {
        lazy.kind = .logic; lazy.result = result; lazy.bits = bits
    }

    /// Records INC/DEC: like ADD/SUB of 1 but CF is kept.
    @inline(__always)
    func setIncDecFlags(_ dst: UInt64, _ result: UInt64, bits: UInt64, increment: Bool) {
        materializeCarry()
        lazy.kind = increment ? .inc : .dec; lazy.destination = dst; lazy.source = 1; lazy.result = result; lazy.bits = bits
    }

    /// Records a result whose ZF/SF/PF follow from it, with CF, OF and AF given (shifts, multiplies …).
    @inline(__always)
    func setResultFlags(_ result: UInt64, bits: UInt64, cf: Bool, of: Bool, af: Bool = false) {
        flagBits = (flagBits & ~(Flag.cf | Flag.of | Flag.af)) | (cf ? Flag.cf : 0) | (of ? Flag.of : 0) | (af ? Flag.af : 0)
        lazy.kind = .resultOnly; lazy.result = result; lazy.bits = bits
    }

    /// Makes CF current in `flagBits` (INC/DEC keep it).
    @inline(__always)
    func materializeCarry() {
        if lazy.kind != .materialized && lazy.kind != .inc && lazy.kind != .dec && lazy.kind != .resultOnly {
            flagBits = (flagBits & ~Flag.cf) | (carryFlag ? Flag.cf : 0)
        }
    }

    /// CF.
    var carryFlag: Bool {
        let m = Self.mask(lazy.bits)
        switch lazy.kind {
        case .materialized, .inc, .dec, .resultOnly: return flagBits & Flag.cf != 0
        case .add:
            let r = lazy.result & m, d = lazy.destination & m
            return r < d || (lazy.carryIn != 0 && r == d)
        case .sub:
            let d = lazy.destination & m, s = lazy.source & m
            return d < s || (lazy.carryIn != 0 && d == s)
        case .logic: return false
        }
    }

    /// ZF.
    @inline(__always) var zeroFlag: Bool {
        lazy.kind == .materialized ? flagBits & Flag.zf != 0 : lazy.result & Self.mask(lazy.bits) == 0
    }

    /// SF.
    @inline(__always) var signFlag: Bool {
        lazy.kind == .materialized ? flagBits & Flag.sf != 0 : lazy.result & Self.sign(lazy.bits) != 0
    }

    /// OF.
    var overflowFlag: Bool {
        let s = Self.sign(lazy.bits)
        switch lazy.kind {
        case .materialized, .resultOnly: return flagBits & Flag.of != 0
        case .add: return (lazy.destination ^ lazy.result) & (lazy.source ^ lazy.result) & s != 0
        case .sub: return (lazy.destination ^ lazy.source) & (lazy.destination ^ lazy.result) & s != 0
        case .inc: return lazy.result & Self.mask(lazy.bits) == s
        case .dec: return lazy.result & Self.mask(lazy.bits) == s &- 1
        case .logic: return false
        }
    }

    /// PF: even parity of the low byte.
    var parityFlag: Bool {
        lazy.kind == .materialized ? flagBits & Flag.pf != 0 : parityTable[Int(lazy.result & 0xFF)]
    }

    /// AF: carry out of bit 3.
    var adjustFlag: Bool {
        switch lazy.kind {
        case .materialized, .resultOnly: return flagBits & Flag.af != 0
        case .add, .sub, .inc, .dec: return (lazy.destination ^ lazy.source ^ lazy.result) & 0x10 != 0
        case .logic: return false
        }
    }

    /// RFLAGS as software sees it.
    public var rflags: UInt64 {
        get {
            if lazy.kind == .materialized { return flagBits | Flag.reserved1 }
            var f = flagBits & ~Flag.arithmetic
            if carryFlag { f |= Flag.cf }
            if parityFlag { f |= Flag.pf }
            if adjustFlag { f |= Flag.af }
            if zeroFlag { f |= Flag.zf }
            if signFlag { f |= Flag.sf }
            if overflowFlag { f |= Flag.of }
            return f | Flag.reserved1
        }
        set {
            flagBits = newValue | Flag.reserved1
            lazy.kind = .materialized
        }
    }

    /// Sets CF, PF, AF, ZF, SF and OF to `bits` (the rest of RFLAGS unchanged) without working out their old
    /// values, as an instruction that defines all six does (the VMX instructions' VMsucceed and VMfail).
    public func setArithmeticFlags(_ bits: UInt64) {
        flagBits = flagBits & ~Flag.arithmetic | bits & Flag.arithmetic | Flag.reserved1
        lazy.kind = .materialized
    }

    /// `condition(cc)` with the common cases worked out from the operands of the CMP, SUB or TEST that set the
    /// flags, without computing CF, SF or OF.
    @inline(__always)
    func fastCondition(_ cc: UInt8) -> Bool {
        let holds: Bool
        switch lazy.kind {
        case .sub where lazy.carryIn == 0:
            let m = Self.mask(lazy.bits), d = lazy.destination & m, s = lazy.source & m
            let shift = 64 &- lazy.bits
            let signedLess = Int64(bitPattern: d << shift) < Int64(bitPattern: s << shift)
            switch cc >> 1 {
            case 1: holds = d < s  // B
            case 2: holds = d == s  // E
            case 3: holds = d <= s  // BE
            case 6: holds = signedLess  // L
            case 7: holds = signedLess || d == s  // LE
            default: return condition(cc)
            }
        case .logic:
            let zero = lazy.result & Self.mask(lazy.bits) == 0
            switch cc >> 1 {
            case 0, 1: holds = false  // O, B: OF = CF = 0
            case 2, 3: holds = zero  // E, BE
            case 4, 6: holds = signFlag  // S, L (OF = 0)
            case 7: holds = zero || signFlag  // LE
            default: return condition(cc)
            }
        case .materialized, .add, .inc, .dec, .resultOnly, .sub:
            if cc >> 1 == 2 { holds = zeroFlag } else { return condition(cc) }
        }
        return cc & 1 == 0 ? holds : !holds
    }

    /// Evaluates condition code `cc` (the low nibble of Jcc, SETcc, CMOVcc; SDM vol. 1, "EFLAGS Condition Codes").
    @inline(__always)
    func condition(_ cc: UInt8) -> Bool {
        let holds: Bool
        switch cc >> 1 {
        case 0: holds = overflowFlag
        case 1: holds = carryFlag
        case 2: holds = zeroFlag
        case 3: holds = carryFlag || zeroFlag
        case 4: holds = signFlag
        case 5: holds = parityFlag
        case 6: holds = signFlag != overflowFlag
        default: holds = zeroFlag || (signFlag != overflowFlag)
        }
        return cc & 1 == 0 ? holds : !holds
    }
}
