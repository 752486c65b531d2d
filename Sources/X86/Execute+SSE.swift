/// SSE and SSE2 moves and integer operations: the forms compilers emit for copies, zeroing, comparisons and
/// string scans (SDM vol. 2: MOVUPS … PXOR, PCMPEQB, PMOVMSKB, PSHUFD, PUNPCK…, PADD…/PSUB…, shifts), and
/// FXSAVE/FXRSTOR. Floating-point arithmetic (ADDPS, MULSD …) is outside this set and raises #UD.
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
    func readXMMOperand(_ i: Instruction, aligned: Bool = false) throws(Event) -> (UInt64, UInt64) {
        if !i.isMemory { return xmmValue(i.rm) }
        let address = effectiveAddress(i)
        if aligned && address & 15 != 0 { throw .fault(.generalProtection(0)) }
        return (try read(address, 8), try read(address &+ 8, 8))
    }

    func writeXMMOperand(_ i: Instruction, _ value: (UInt64, UInt64), aligned: Bool = false) throws(Event) {
        if !i.isMemory { return setXMM(i.rm, value) }
        let address = effectiveAddress(i)
        if aligned && address & 15 != 0 { throw .fault(.generalProtection(0)) }
        _ = try translate(address &+ 15, .write)
        try write(address, 8, value.0)
        try write(address &+ 8, 8, value.1)
    }

    func checkSSE() throws(Event) {
        if cr0 & CR0.em != 0 || cr4 & CR4.osfxsr == 0 { throw .fault(.invalidOpcode) }
        if cr0 & CR0.ts != 0 { throw .fault(Fault(Vector.nm)) }
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
            let bits: UInt64 = p66 ? (v.0 >> 63) | (v.1 >> 63) << 1
                : (v.0 >> 31 & 1) | (v.0 >> 63) << 1 | (v.1 >> 31 & 1) << 2 | (v.1 >> 63) << 3
            setRegister(i.reg, 4, bits, rex: i.rex)
        case 0x54, 0x55, 0x56, 0x57, 0xDB, 0xDF, 0xEB, 0xEF:
            guard none || p66 else { throw .fault(.invalidOpcode) }
            let a = xmmValue(i.reg), b = try readXMMOperand(i, aligned: true)
            switch i.opcode {
            case 0x54, 0xDB: setXMM(i.reg, (a.0 & b.0, a.1 & b.1))
            case 0x55, 0xDF: setXMM(i.reg, (~a.0 & b.0, ~a.1 & b.1))
            case 0x56, 0xEB: setXMM(i.reg, (a.0 | b.0, a.1 | b.1))
            default: setXMM(i.reg, (a.0 ^ b.0, a.1 ^ b.1))
            }
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
                let d = [v.0 & 0xFFFF_FFFF, v.0 >> 32, v.1 & 0xFFFF_FFFF, v.1 >> 32]
                setXMM(i.reg, (d[Int(order & 3)] | d[Int(order >> 2 & 3)] << 32, d[Int(order >> 4 & 3)] | d[Int(order >> 6 & 3)] << 32))
            } else if pF3 || pF2 {
                let half = pF3 ? v.1 : v.0
                let w = (0..<4).map { (half >> (16 * UInt64($0))) & 0xFFFF }
                var shuffled: UInt64 = 0
                for k in 0..<4 { shuffled |= w[Int(order >> (2 * UInt64(k)) & 3)] << (16 * UInt64(k)) }
                setXMM(i.reg, pF3 ? (v.0, shuffled) : (shuffled, v.1))
            } else {
                throw .fault(.invalidOpcode)
            }
        case 0x71, 0x72, 0x73:
            guard p66, !i.isMemory else { throw .fault(.invalidOpcode) }
            let count = i.immediate & 0xFF
            let v = xmmValue(i.rm)
            let width: UInt64 = i.opcode == 0x71 ? 16 : (i.opcode == 0x72 ? 32 : 64)
            switch (i.opcode, i.reg & 7) {
            case (_, 2): setXMM(i.rm, Self.laneShift(v, width: width, count: count, kind: 0))
            case (0x71, 4), (0x72, 4): setXMM(i.rm, Self.laneShift(v, width: width, count: count, kind: 2))
            case (_, 6): setXMM(i.rm, Self.laneShift(v, width: width, count: count, kind: 1))
            case (0x73, 3): setXMM(i.rm, Self.byteShift(v, count: count, left: false))
            case (0x73, 7): setXMM(i.rm, Self.byteShift(v, count: count, left: true))
            default: throw .fault(.invalidOpcode)
            }
        case 0xD1, 0xD2, 0xD3, 0xE1, 0xE2, 0xF1, 0xF2, 0xF3:
            guard p66 else { throw .fault(.invalidOpcode) }
            let count = try readXMMOperand(i, aligned: true).0
            let width: UInt64 = [1: 16, 2: 32, 3: 64][Int(i.opcode & 3)] ?? 16
            let kind = i.opcode >= 0xF0 ? 1 : (i.opcode >= 0xE0 ? 2 : 0)
            setXMM(i.reg, Self.laneShift(xmmValue(i.reg), width: width, count: count, kind: kind))
        case 0xC6:
            let a = xmmValue(i.reg), b = try readXMMOperand(i, aligned: true)
            let order = i.immediate
            if p66 {
                setXMM(i.reg, (order & 1 == 0 ? a.0 : a.1, order & 2 == 0 ? b.0 : b.1))
            } else {
                let da = [a.0 & 0xFFFF_FFFF, a.0 >> 32, a.1 & 0xFFFF_FFFF, a.1 >> 32]
                let db = [b.0 & 0xFFFF_FFFF, b.0 >> 32, b.1 & 0xFFFF_FFFF, b.1 >> 32]
                setXMM(i.reg, (da[Int(order & 3)] | da[Int(order >> 2 & 3)] << 32, db[Int(order >> 4 & 3)] | db[Int(order >> 6 & 3)] << 32))
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
        case 0x60...0x6D, 0x74...0x76, 0xD4, 0xD5, 0xD8...0xDA, 0xDC...0xDE, 0xE0, 0xE3...0xE5, 0xE8...0xEA, 0xEC...0xEE, 0xF4, 0xF6, 0xF8...0xFE:
            guard p66 else { throw .fault(.invalidOpcode) }
            let a = xmmValue(i.reg), b = try readXMMOperand(i, aligned: true)
            setXMM(i.reg, try Self.packedInteger(i.opcode, a, b))
        case 0x77: break  // EMMS
        default: throw .fault(.invalidOpcode)
        }
    }

    func executeSSEThreeByte(_ i: Instruction) throws(Event) {
        throw .fault(.invalidOpcode)
    }

    /// Lane-wise shifts: kind 0 logical right, 1 left, 2 arithmetic right; counts past the width clear the lane
    /// (or fill it with the sign).
    static func laneShift(_ v: (UInt64, UInt64), width: UInt64, count: UInt64, kind: Int) -> (UInt64, UInt64) {
        func shift(_ q: UInt64) -> UInt64 {
            var out: UInt64 = 0
            let mask = CPU.mask(width)
            for k in stride(from: 0, to: 64, by: Int(width)) {
                let lane = (q >> UInt64(k)) & mask
                let shifted: UInt64
                switch kind {
                case 0: shifted = count >= width ? 0 : lane >> count
                case 1: shifted = count >= width ? 0 : (lane << count) & mask
                default: shifted = UInt64(bitPattern: CPU.signExtend(lane, bits: width) >> Int64(min(count, width - 1))) & mask
                }
                out |= shifted << UInt64(k)
            }
            return out
        }
        return (shift(v.0), shift(v.1))
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
        func lanes(_ width: UInt64, _ f: (UInt64, UInt64) -> UInt64) -> (UInt64, UInt64) {
            func one(_ x: UInt64, _ y: UInt64) -> UInt64 {
                var out: UInt64 = 0
                let mask = CPU.mask(width)
                for k in stride(from: 0, to: 64, by: Int(width)) {
                    out |= (f((x >> UInt64(k)) & mask, (y >> UInt64(k)) & mask) & mask) << UInt64(k)
                }
                return out
            }
            return (one(a.0, b.0), one(a.1, b.1))
        }
        func signed(_ v: UInt64, _ w: UInt64) -> Int64 { CPU.signExtend(v, bits: w) }
        func saturate(_ v: Int64, _ w: UInt64, unsigned: Bool) -> UInt64 {
            if unsigned { return UInt64(max(0, min(v, Int64(CPU.mask(w))))) }
            let limit = Int64(1) << (w - 1)
            return UInt64(bitPattern: max(-limit, min(v, limit - 1))) & CPU.mask(w)
        }
        func interleave(_ x: UInt64, _ y: UInt64, _ w: UInt64) -> (UInt64, UInt64) {
            // Interleave the lanes of two 64-bit halves: x0 y0 x1 y1 …
            var low: UInt64 = 0, high: UInt64 = 0
            let n = 64 / w, mask = CPU.mask(w)
            for k in 0..<n {
                let xi = (x >> (k * w)) & mask, yi = (y >> (k * w)) & mask
                let position = 2 * k * w
                if position < 64 { low |= xi << position | yi << (position + w) } else { high |= xi << (position - 64) | yi << (position - 64 + w) }
            }
            return (low, high)
        }
        func pack(_ w: UInt64, unsigned: Bool) -> (UInt64, UInt64) {
            var out = [UInt64](repeating: 0, count: 2)
            let narrow = w / 2
            var position: UInt64 = 0
            for q in [a.0, a.1, b.0, b.1] {
                for k in stride(from: 0, to: 64, by: Int(w)) {
                    let value = saturate(signed((q >> UInt64(k)) & CPU.mask(w), w), narrow, unsigned: unsigned)
                    out[Int(position / 64)] |= value << (position % 64)
                    position += narrow
                }
            }
            return (out[0], out[1])
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
        case 0x64: return lanes(8) { signed($0, 8) > signed($1, 8) ? ~0 : 0 }
        case 0x65: return lanes(16) { signed($0, 16) > signed($1, 16) ? ~0 : 0 }
        case 0x66: return lanes(32) { signed($0, 32) > signed($1, 32) ? ~0 : 0 }
        case 0x74: return lanes(8) { $0 == $1 ? ~0 : 0 }
        case 0x75: return lanes(16) { $0 == $1 ? ~0 : 0 }
        case 0x76: return lanes(32) { $0 == $1 ? ~0 : 0 }
        case 0xD4: return (a.0 &+ b.0, a.1 &+ b.1)
        case 0xFB: return (a.0 &- b.0, a.1 &- b.1)
        case 0xFC: return lanes(8) { $0 &+ $1 }
        case 0xFD: return lanes(16) { $0 &+ $1 }
        case 0xFE: return lanes(32) { $0 &+ $1 }
        case 0xF8: return lanes(8) { $0 &- $1 }
        case 0xF9: return lanes(16) { $0 &- $1 }
        case 0xFA: return lanes(32) { $0 &- $1 }
        case 0xD5: return lanes(16) { $0 &* $1 }
        case 0xE5: return lanes(16) { UInt64(bitPattern: (signed($0, 16) * signed($1, 16)) >> 16) }
        case 0xE4: return lanes(16) { ($0 * $1) >> 16 }
        case 0xF4: return ((a.0 & 0xFFFF_FFFF) &* (b.0 & 0xFFFF_FFFF), (a.1 & 0xFFFF_FFFF) &* (b.1 & 0xFFFF_FFFF))
        case 0xD8: return lanes(8) { $0 > $1 ? $0 - $1 : 0 }
        case 0xD9: return lanes(16) { $0 > $1 ? $0 - $1 : 0 }
        case 0xDC: return lanes(8) { saturate(Int64($0 + $1), 8, unsigned: true) }
        case 0xDD: return lanes(16) { saturate(Int64($0 + $1), 16, unsigned: true) }
        case 0xE8: return lanes(8) { saturate(signed($0, 8) - signed($1, 8), 8, unsigned: false) }
        case 0xE9: return lanes(16) { saturate(signed($0, 16) - signed($1, 16), 16, unsigned: false) }
        case 0xEC: return lanes(8) { saturate(signed($0, 8) + signed($1, 8), 8, unsigned: false) }
        case 0xED: return lanes(16) { saturate(signed($0, 16) + signed($1, 16), 16, unsigned: false) }
        case 0xDA: return lanes(8) { min($0, $1) }
        case 0xDE: return lanes(8) { max($0, $1) }
        case 0xEA: return lanes(16) { signed($0, 16) < signed($1, 16) ? $0 : $1 }
        case 0xEE: return lanes(16) { signed($0, 16) > signed($1, 16) ? $0 : $1 }
        case 0xE0: return lanes(8) { ($0 + $1 + 1) >> 1 }
        case 0xE3: return lanes(16) { ($0 + $1 + 1) >> 1 }
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

    /// 0F AE /0 and /1: FXSAVE and FXRSTOR of the SSE state (the x87 part is saved as its reset state).
    func executeFXSAVE(_ i: Instruction, restore: Bool) throws(Event) {
        try checkSSE()
        let address = effectiveAddress(i)
        guard address & 15 == 0 else { throw .fault(.generalProtection(0)) }
        if restore {
            let newMXCSR = UInt32(truncatingIfNeeded: try read(address &+ 24, 4))
            guard newMXCSR & 0xFFFF_0000 == 0 else { throw .fault(.generalProtection(0)) }
            for n in 0..<16 {
                xmm[n * 2] = try read(address &+ 160 &+ UInt64(n * 16), 8)
                xmm[n * 2 + 1] = try read(address &+ 168 &+ UInt64(n * 16), 8)
            }
            mxcsr = newMXCSR
        } else {
            _ = try translate(address &+ 511, .write)
            try write(address, 2, 0x037F)  // FCW
            try write(address &+ 24, 4, UInt64(mxcsr))
            try write(address &+ 28, 4, 0xFFFF)  // MXCSR_MASK
            for n in 0..<16 {
                try write(address &+ 160 &+ UInt64(n * 16), 8, xmm[n * 2])
                try write(address &+ 168 &+ UInt64(n * 16), 8, xmm[n * 2 + 1])
            }
        }
    }
}
