import X86Float

/// The SSE and SSE2 floating-point instructions (SDM vol. 2: ADDPS … MAXSD, SQRT, RCP/RSQRT, CMPPS …, COMISS
/// and UCOMISS, and the conversions between single, double and integers). The arithmetic itself is the host's
/// SSE unit running the same instruction under the guest's MXCSR (x86_float.c), so results, rounding, DAZ/FTZ
/// and exception flags are the architecture's bit for bit (RCPPS and RSQRTPS give the host processor's
/// approximation). Here: operands, alignment, and MXCSR's exception masks (SDM vol. 1, "SIMD Floating-Point
/// Exceptions"): raised flags are recorded in MXCSR, and one whose mask is clear is #XM with CR4.OSXMMEXCPT
/// (#UD without) and leaves the destination unchanged.
extension CPU {
    func executeSSEFloat(_ i: Instruction) throws(Event) {
        let prefix: UInt32 = i.hasOperandSizePrefix ? 1 : i.repeatPrefix == 0xF3 ? 2 : i.repeatPrefix == 0xF2 ? 3 : 0
        let op = UInt32(i.opcode) | prefix << 8
        let scalar = prefix >= 2
        switch i.opcode {
        case 0x2A:  // CVTSI2SS, CVTSI2SD xmm, r/m32 or r/m64
            guard scalar else { throw .fault(.invalidOpcode) }
            let wide = i.operandSize == 8
            let value = try readRM(i, wide ? 8 : 4)
            var a = nvXMM(xmmValue(i.reg))
            let integer = wide ? Int64(bitPattern: value) : Int64(Int32(truncatingIfNeeded: value))
            try finish(nv_float_from_integer(op, mxcsr, &a, integer, wide ? 1 : 0)) { setXMM(i.reg, (a.low, a.high)) }
        case 0x2C, 0x2D:  // CVT(T)SS2SI, CVT(T)SD2SI r32 or r64, xmm/m32 or m64
            guard scalar else { throw .fault(.invalidOpcode) }
            let b = try scalarOperand(i, single: prefix == 2)
            let wide = i.operandSize == 8
            var result: Int64 = 0
            try finish(nv_float_to_integer(op, mxcsr, b, wide ? 1 : 0, &result)) {
                setRegister(i.reg, wide ? 8 : 4, UInt64(bitPattern: result), rex: i.rex)
            }
        case 0x2E, 0x2F:  // UCOMISS, COMISS, UCOMISD, COMISD: ZF, PF, CF; OF, SF and AF cleared
            guard prefix <= 1 else { throw .fault(.invalidOpcode) }
            let b = try scalarOperand(i, single: prefix == 0)
            var flags: UInt32 = 0
            try finish(nv_float_compare(op, mxcsr, nvXMM(xmmValue(i.reg)), b, &flags)) {
                let zf = UInt64(flags & 1) << 6, pf = UInt64(flags >> 1 & 1) << 2, cf = UInt64(flags >> 2 & 1)
                rflags = rflags & ~Flag.arithmetic | zf | pf | cf
            }
        default:
            guard let width = Self.sourceWidth(i.opcode, prefix: prefix) else { throw .fault(.invalidOpcode) }
            let b: nv_xmm
            switch width {
            case 16: b = nvXMM(try readXMMOperand(i, aligned: true))
            default: b = try scalarOperand(i, single: width == 4)
            }
            var a = nvXMM(xmmValue(i.reg))
            let imm = UInt8(truncatingIfNeeded: i.immediate)
            try finish(nv_float_xmm(op, mxcsr, &a, b, imm)) { setXMM(i.reg, (a.low, a.high)) }
        }
    }

    /// The bytes the second operand of an xmm-to-xmm form reads from memory (16, 8 or 4), or nil for an
    /// encoding that is #UD.
    static func sourceWidth(_ opcode: UInt8, prefix: UInt32) -> Int? {
        let scalarWidth = prefix == 2 ? 4 : 8
        switch opcode {
        case 0x51, 0x58, 0x59, 0x5C...0x5F, 0xC2: return prefix >= 2 ? scalarWidth : 16
        case 0x52, 0x53: return prefix == 0 ? 16 : prefix == 2 ? 4 : nil  // RSQRT, RCP: PS and SS only
        case 0x5A: return [8, 16, 4, 8][Int(prefix)]  // CVTPS2PD m64, CVTPD2PS m128, CVTSS2SD m32, CVTSD2SS m64
        case 0x5B: return prefix == 3 ? nil : 16  // CVTDQ2PS, CVTPS2DQ, CVTTPS2DQ
        case 0xE6: return [nil, 16, 8, 16][Int(prefix)]  // CVTTPD2DQ, CVTDQ2PD m64, CVTPD2DQ
        default: return nil
        }
    }

    /// A register operand, or `single` 4 or else 8 bytes of memory with the rest zero (no alignment rule).
    func scalarOperand(_ i: Instruction, single: Bool) throws(Event) -> nv_xmm {
        if !i.isMemory { return nvXMM(xmmValue(i.rm)) }
        return nv_xmm(low: try read(effectiveAddress(i), single ? 4 : 8), high: 0)
    }

    /// Applies an instruction's result: records the raised exception flags in MXCSR, then raises #XM (or #UD
    /// without CR4.OSXMMEXCPT) for an unmasked one, or else writes the destination.
    func finish(_ raised: UInt32, write: () -> Void) throws(Event) {
        precondition(raised != .max, "an SSE floating-point encoding without an implementation")
        mxcsr |= raised
        if raised & ~(mxcsr >> 7) & 0x3F != 0 {
            throw .fault(cr4 & CR4.osxmmexcpt != 0 ? Fault(Vector.xm) : .invalidOpcode)
        }
        write()
    }

    func nvXMM(_ v: (UInt64, UInt64)) -> nv_xmm { nv_xmm(low: v.0, high: v.1) }
}
