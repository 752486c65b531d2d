import Foundation
import Testing
import TestSupport
import X86NativeHarness
@testable import X86

/// Differential testing against the real processor: random unprivileged instructions with edge-weighted
/// operands run natively (through the C harness) and on the emulated processor, and every register, the status
/// flags the SDM defines for that instruction, the shared data page, and any fault must agree.
///
/// `make test` runs a fixed seed and a modest count; `NESTVM_DIFFERENTIAL_COUNT` and `NESTVM_DIFFERENTIAL_SEED`
/// (as `make test-long` sets them) run more.
@Suite("Differential: emulated vs. native")
struct DifferentialTests {
    struct Generated {
        var bytes: [UInt8]
        var name: String
        /// Flags whose value the SDM defines for this instance.
        var definedFlags: UInt64
        /// A register whose result is undefined for this instance (BSF/BSR of zero), or nil.
        var undefinedRegister: Int? = nil
    }

    /// The deterministic generator of the cases, with the choices they make.
    struct Random {
        var generator: SplitMix64
        init(state: UInt64) { generator = SplitMix64(seed: state) }
        mutating func next() -> UInt64 { generator.next() }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
        /// An operand value, with edge values weighted.
        mutating func operand() -> UInt64 {
            switch below(10) {
            case 0: return 0
            case 1: return [1, 2, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF][below(8)]
            case 2: return [0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000][below(4)]
            case 3: return [UInt64(Int64.max), 1 << 63, ~0, ~1][below(4)]
            case 4: return next() & 0xFF
            case 5: return next() & 0xFFFF
            default: return next()
            }
        }
    }

    static let all = Flag.arithmetic
    static let logic = CF | OF | SF | ZF | PF

    /// Encodes an instruction: prefixes, REX, opcode, ModRM for `reg` and `rm` (a register, or [rsi+disp8] when
    /// `memory`), and an immediate.
    static func encode(
        _ r: inout Random, size: Int, opcode: [UInt8], reg: Int, rm: Int, memory: Bool, immediate: [UInt8] = [], mandatory: UInt8? = nil
    ) -> [UInt8] {
        var bytes: [UInt8] = []
        if size == 2 { bytes.append(0x66) }
        if let mandatory { bytes.append(mandatory) }
        var rex: UInt8 = size == 8 ? 0x48 : 0
        if reg >= 8 { rex |= 0x44 }
        if !memory && rm >= 8 { rex |= 0x41 }
        if rex == 0 && size == 1 && r.chance(30) { rex = 0x40 }
        if rex != 0 { bytes.append(rex) }
        bytes += opcode
        if memory {
            bytes.append(0x40 | UInt8(reg & 7) << 3 | 6)
            bytes.append(UInt8(r.below(15) * 8))
        } else {
            bytes.append(0xC0 | UInt8(reg & 7) << 3 | UInt8(rm & 7))
        }
        return bytes + immediate
    }

    /// A register for an operand: anything but RSP, and but RSI (the data pointer) when it would be written.
    static func register(_ r: inout Random) -> Int {
        while true {
            let n = r.below(16)
            if n != 4 && n != 6 { return n }
        }
    }

    static func immediate(_ r: inout Random, _ size: Int) -> [UInt8] {
        let v = r.operand()
        return (0..<size).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) }
    }

    static func generate(_ r: inout Random, registers: [UInt64]) -> Generated {
        let size = [1, 2, 4, 8][r.below(4)]
        let wide = size == 1 ? [2, 4, 8][r.below(3)] : size
        let reg = register(&r), rm = register(&r)
        let memory = r.chance(25)
        let byteBit: UInt8 = size == 1 ? 0 : 1
        switch r.below(18) {
        case 0:  // ALU, both directions
            let op = UInt8(r.below(8))
            let direction: UInt8 = r.chance(50) ? 2 : 0
            let name = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"][Int(op)]
            return Generated(
                bytes: encode(&r, size: size, opcode: [op << 3 | direction | byteBit], reg: reg, rm: rm, memory: memory),
                name: name, definedFlags: [1, 4, 6].contains(op) ? logic : all)
        case 1:  // group 1 with immediates
            let op = UInt8(r.below(8))
            let form = size == 1 ? 0x80 : (r.chance(50) ? 0x83 : 0x81)
            let imm = immediate(&r, form == 0x81 ? min(size, 4) : 1)
            return Generated(
                bytes: encode(&r, size: size, opcode: [UInt8(form)], reg: Int(op), rm: rm, memory: memory, immediate: imm),
                name: "group1", definedFlags: [1, 4, 6].contains(op) ? logic : all)
        case 2:  // INC, DEC, NEG, NOT, TEST
            let kind = r.below(5)
            switch kind {
            case 0, 1:
                return Generated(
                    bytes: encode(&r, size: size, opcode: [0xFE | byteBit], reg: kind, rm: rm, memory: memory), name: "incdec",
                    definedFlags: all)
            case 2, 3:
                return Generated(
                    bytes: encode(&r, size: size, opcode: [0xF6 | byteBit], reg: kind, rm: rm, memory: memory), name: "notneg",
                    definedFlags: all)
            default:
                return Generated(
                    bytes: encode(&r, size: size, opcode: [0x84 | byteBit], reg: reg, rm: rm, memory: memory), name: "test",
                    definedFlags: logic)
            }
        case 3:  // MUL, IMUL, DIV, IDIV (one operand)
            let op = 4 + r.below(4)
            return Generated(
                bytes: encode(&r, size: size, opcode: [0xF6 | byteBit], reg: op, rm: rm, memory: memory), name: "muldiv\(op)",
                definedFlags: op < 6 ? CF | OF : 0)
        case 4:  // IMUL two and three operands
            let form = r.below(3)
            let opcode: [UInt8] = form == 0 ? [0x0F, 0xAF] : (form == 1 ? [0x6B] : [0x69])
            let imm = form == 0 ? [] : immediate(&r, form == 1 ? 1 : min(wide, 4))
            return Generated(
                bytes: encode(&r, size: wide, opcode: opcode, reg: reg, rm: rm, memory: memory, immediate: imm), name: "imul",
                definedFlags: CF | OF)
        case 5:  // shifts and rotates
            let op = [0, 1, 2, 3, 4, 5, 7][r.below(7)]
            let form = r.below(3)  // 0: by 1, 1: by CL, 2: by imm8
            let count = form == 0 ? 1 : (form == 1 ? registers[1] : UInt64(r.below(70)))
            let opcode: UInt8 = form == 0 ? 0xD0 : (form == 1 ? 0xD2 : 0xC0)
            let imm: [UInt8] = form == 2 ? [UInt8(count)] : []
            let masked = count & (size == 8 ? 0x3F : 0x1F)
            var defined: UInt64
            if masked == 0 {
                defined = all
            } else if op < 4 {
                defined = all & ~(masked == 1 ? 0 : OF)
            } else {
                defined = CF | SF | ZF | PF | (masked == 1 ? OF : 0)
                if masked > UInt64(size * 8) { defined &= ~CF }
            }
            return Generated(
                bytes: encode(&r, size: size, opcode: [opcode | byteBit], reg: op, rm: rm, memory: memory, immediate: imm),
                name: "shift\(op)", definedFlags: defined)
        case 6:  // SHLD, SHRD
            let size = [2, 4, 8][r.below(3)]
            let byCL = r.chance(50)
            let count = byCL ? registers[1] : UInt64(r.below(64))
            let masked = count & (size == 8 ? 0x3F : 0x1F)
            let left = r.chance(50)
            let opcode: [UInt8] = [0x0F, (left ? 0xA4 : 0xAC) | (byCL ? 1 : 0)]
            var generated = Generated(
                bytes: encode(&r, size: size, opcode: opcode, reg: reg, rm: rm, memory: memory, immediate: byCL ? [] : [UInt8(count)]),
                name: "shxd", definedFlags: masked == 0 ? all : CF | SF | ZF | PF | (masked == 1 ? OF : 0))
            if size == 2 && masked > 16 { generated.definedFlags = 0; generated.undefinedRegister = memory ? nil : rm }
            if size == 2 && masked > 16 && memory { return generate(&r, registers: registers) }
            return generated
        case 7:  // BT, BTS, BTR, BTC
            let op = r.below(4)
            if r.chance(50) {
                return Generated(
                    bytes: encode(
                        &r, size: wide == 2 ? 4 : wide, opcode: [0x0F, 0xBA], reg: 4 + op, rm: rm, memory: memory,
                        immediate: [UInt8(r.below(256))]),
                    name: "btimm", definedFlags: CF | ZF)
            }
            // Register bit offsets with memory operands reach far: keep those register-only.
            return Generated(
                bytes: encode(&r, size: wide == 2 ? 4 : wide, opcode: [0x0F, UInt8(0xA3 + op * 8)], reg: reg, rm: rm, memory: false),
                name: "bt", definedFlags: CF | ZF)
        case 8:  // BSF, BSR, TZCNT, LZCNT, POPCNT
            let kind = r.below(5)
            let opcode: [UInt8] = [0x0F, kind == 4 ? 0xB8 : (kind % 2 == 0 ? 0xBC : 0xBD)]
            let prefix: UInt8? = kind >= 2 ? 0xF3 : nil
            let source = memory ? nil : registers[rm] & CPU.mask(UInt64(wide * 8))
            return Generated(
                bytes: encode(&r, size: wide, opcode: opcode, reg: reg, rm: rm, memory: memory, mandatory: prefix),
                name: "bitscan\(kind)", definedFlags: kind < 2 ? ZF : (kind < 4 ? CF | ZF : all),
                undefinedRegister: kind < 2 && (source == 0 || memory) ? reg : nil)
        case 9:  // MOVZX, MOVSX, MOVSXD
            let kind = r.below(5)
            if kind == 4 {
                return Generated(
                    bytes: encode(&r, size: 8, opcode: [0x63], reg: reg, rm: rm, memory: memory), name: "movsxd", definedFlags: all)
            }
            let opcode: [UInt8] = [0x0F, [0xB6, 0xB7, 0xBE, 0xBF][kind]]
            return Generated(
                bytes: encode(&r, size: wide, opcode: opcode, reg: reg, rm: rm, memory: memory), name: "movx", definedFlags: all)
        case 10:  // CMOVcc, SETcc
            let cc = UInt8(r.below(16))
            if r.chance(50) {
                return Generated(
                    bytes: encode(&r, size: wide, opcode: [0x0F, 0x40 | cc], reg: reg, rm: rm, memory: memory), name: "cmov",
                    definedFlags: all)
            }
            return Generated(
                bytes: encode(&r, size: 1, opcode: [0x0F, 0x90 | cc], reg: 0, rm: rm, memory: memory), name: "setcc", definedFlags: all)
        case 11:  // XCHG, XADD, CMPXCHG
            let kind = r.below(3)
            let opcode: [UInt8] = kind == 0 ? [0x86 | byteBit] : (kind == 1 ? [0x0F, 0xC0 | byteBit] : [0x0F, 0xB0 | byteBit])
            return Generated(
                bytes: encode(&r, size: size, opcode: opcode, reg: reg, rm: rm, memory: memory), name: "xchg\(kind)", definedFlags: all)
        case 12:  // MOV forms
            let direction: UInt8 = r.chance(50) ? 2 : 0
            return Generated(
                bytes: encode(&r, size: size, opcode: [0x88 | direction | byteBit], reg: reg, rm: rm, memory: memory), name: "mov",
                definedFlags: all)
        case 13:  // accumulator sign extensions, flag instructions
            let choices: [[UInt8]] = [
                [0x98], [0x66, 0x98], [0x48, 0x98], [0x99], [0x66, 0x99], [0x48, 0x99], [0x9E], [0x9F], [0xF5], [0xF8], [0xF9],
            ]
            return Generated(bytes: choices[r.below(choices.count)], name: "misc", definedFlags: all)
        case 14:  // BSWAP, LEA
            if r.chance(50) {
                let size = r.chance(50) ? 8 : 4
                let rex: UInt8 = (size == 8 ? 0x48 : 0) | (rm >= 8 ? 0x41 : 0)
                return Generated(bytes: (rex != 0 ? [rex] : []) + [0x0F, 0xC8 | UInt8(rm & 7)], name: "bswap", definedFlags: all)
            }
            return Generated(bytes: encode(&r, size: wide, opcode: [0x8D], reg: reg, rm: rm, memory: true), name: "lea", definedFlags: all)
        case 15:  // ADC/SBB chains after a carry-setting instruction
            let setCarry: [UInt8] = r.chance(50) ? [0xF9] : [0xF8]
            let op: UInt8 = r.chance(50) ? 2 : 3
            return Generated(
                bytes: setCarry + encode(&r, size: size, opcode: [op << 3 | byteBit], reg: reg, rm: rm, memory: memory), name: "carrychain",
                definedFlags: all)
        case 16:
            return generateSSE(&r)
        default:  // MOVBE is left out (not on every host); ROL/ROR by large immediates on bytes
            let op = r.below(2)
            let count = UInt8(r.below(40))
            let masked = UInt64(count & 0x1F)
            return Generated(
                bytes: encode(&r, size: 1, opcode: [0xC0], reg: op, rm: rm, memory: memory, immediate: [count]),
                name: "rotbyte", definedFlags: masked == 1 || masked == 0 ? all : all & ~OF)
        }
    }

    /// An SSE2 integer instruction between two loads and a store of XMM registers through the data page (whose
    /// bytes are compared): XMMa and XMMb from [RSI] and [RSI+16], the instruction on them (or on XMMa and
    /// [RSI+32]), XMMa stored at [RSI+48]. Forms that write a general register compare it as well.
    static func generateSSE(_ r: inout Random) -> Generated {
        let a = r.below(16), b = r.below(16)
        func load(_ x: Int, _ displacement: UInt8) -> [UInt8] {
            [0xF3] + (x >= 8 ? [0x44] : []) + [0x0F, 0x6F, 0x46 | UInt8(x & 7) << 3, displacement]
        }
        let store = [0xF3] + (a >= 8 ? [0x44] : []) + [0x0F, 0x7F, 0x46 | UInt8(a & 7) << 3, 48]
        /// 66 [REX] 0F op with XMMa in reg and XMMb (or [RSI+32]) in r/m.
        func binary(_ op: UInt8, memory: Bool, immediate: [UInt8] = []) -> [UInt8] {
            let rex: UInt8 = (a >= 8 ? 0x44 : 0) | (!memory && b >= 8 ? 0x41 : 0)
            let modrm: [UInt8] = memory ? [0x46 | UInt8(a & 7) << 3, 32] : [0xC0 | UInt8(a & 7) << 3 | UInt8(b & 7)]
            return [0x66] + (rex != 0 ? [rex] : []) + [0x0F, op] + modrm + immediate
        }
        let memory = r.chance(30)
        let packed: [UInt8] = [
            0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x74, 0x75, 0x76,
            0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF, 0xE0, 0xE1, 0xE2,
            0xE3, 0xE4, 0xE5, 0xE8, 0xE9, 0xEA, 0xEB, 0xEC, 0xED, 0xEE, 0xEF, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6,
            0xF8, 0xF9, 0xFA, 0xFB, 0xFC, 0xFD, 0xFE,
        ]
        var op: [UInt8]
        var name = "sse"
        switch r.below(7) {
        case 4, 5:  // floating point: arithmetic, compares, conversions, under each mandatory prefix
            let forms: [(UInt8, [UInt8?])] = [
                (0x51, [nil, 0x66, 0xF3, 0xF2]), (0x58, [nil, 0x66, 0xF3, 0xF2]), (0x59, [nil, 0x66, 0xF3, 0xF2]),
                (0x5A, [nil, 0x66, 0xF3, 0xF2]), (0x5B, [nil, 0x66, 0xF3]), (0x5C, [nil, 0x66, 0xF3, 0xF2]),
                (0x5D, [nil, 0x66, 0xF3, 0xF2]), (0x5E, [nil, 0x66, 0xF3, 0xF2]), (0x5F, [nil, 0x66, 0xF3, 0xF2]),
                (0xC2, [nil, 0x66, 0xF3, 0xF2]), (0xE6, [0x66, 0xF3, 0xF2]), (0x2E, [nil, 0x66]), (0x2F, [nil, 0x66]),
            ]
            if r.chance(25) {  // to and from a general register (RAX): CVT(T)SS2SI, CVT(T)SD2SI, CVTSI2SS/SD
                let prefix: UInt8 = r.chance(50) ? 0xF3 : 0xF2, wide = r.chance(50)
                let code: UInt8 = [0x2A, 0x2C, 0x2D][r.below(3)]
                let x = code == 0x2A ? a : b
                let rex: UInt8 = (wide ? 0x48 : 0) | (x >= 8 ? (code == 0x2A ? 0x44 : 0x41) : 0)
                let modrm: UInt8 = code == 0x2A ? 0xC0 | UInt8(a & 7) << 3 : 0xC0 | UInt8(b & 7)
                op = [prefix] + (rex != 0 ? [rex] : []) + [0x0F, code, modrm]
                name = "ssefloat\(String(code, radix: 16))/\(String(prefix, radix: 16))\(wide ? "w" : "")"
                break
            }
            let (code, prefixes) = forms[r.below(forms.count)]
            let prefix = prefixes[r.below(prefixes.count)]
            var bytes = binary(code, memory: memory, immediate: code == 0xC2 ? [UInt8(r.below(8))] : [])
            if let prefix { bytes[0] = prefix } else { bytes.removeFirst() }
            op = bytes
            name = "ssefloat\(String(code, radix: 16))/\(prefix.map { String($0, radix: 16) } ?? "none")"
        case 0, 1:
            let code = packed[r.below(packed.count)]
            op = binary(code, memory: memory)
            name = "sse\(String(code, radix: 16))"
        case 2:  // shifts by an immediate: 71/72/73 with /2, /4, /6 and 73 /3, /7
            let group = [(0x71, 2), (0x71, 4), (0x71, 6), (0x72, 2), (0x72, 4), (0x72, 6), (0x73, 2), (0x73, 6), (0x73, 3), (0x73, 7)][
                r.below(10)]
            let count = UInt8([0, 1, 3, 7, 8, 15, 16, 17, 31, 32, 63, 64, 200][r.below(13)])
            op = [0x66] + (b >= 8 ? [0x41] : []) + [0x0F, UInt8(group.0), 0xC0 | UInt8(group.1) << 3 | UInt8(b & 7), count]
            name = "sseshift\(String(group.0, radix: 16))/\(group.1)"
        case 3:  // shuffles and logic in the no-prefix and F2/F3 forms
            let form = r.below(4)
            let order = UInt8(r.below(256))
            var bytes = binary([0x70, 0x70, 0x70, 0x57][form], memory: memory, immediate: form == 3 ? [] : [order])
            if form == 1 { bytes[0] = 0xF3 } else if form == 2 { bytes[0] = 0xF2 } else if form == 3 { bytes.removeFirst() }
            op = bytes
            name = ["pshufd", "pshufhw", "pshuflw", "xorps"][form]
        default:  // PMOVMSKB into a general register (RAX), and MOVD out of an XMM register
            op =
                r.chance(50)
                ? [0x66] + (b >= 8 ? [0x41] : []) + [0x0F, 0xD7, 0xC0 | UInt8(b & 7)]
                : [0x66] + (b >= 8 ? [0x44] : []) + [0x0F, 0x7E, 0xC0 | UInt8(b & 7) << 3]
            name = "ssetogpr"
        }
        return Generated(bytes: load(a, 0) + load(b, 16) + op + store, name: name, definedFlags: all)
    }

    /// The native signal a fault vector corresponds to.
    static func signal(for outcome: RunOutcome) -> Int32 {
        guard case .exit(let exit) = outcome, exit.reason == ExitReason.exceptionOrNMI else { return 0 }
        switch exit.interruptionInfo & 0xFF {
        case UInt32(Vector.de): return SIGFPE
        case UInt32(Vector.ud): return SIGILL
        default: return SIGSEGV
        }
    }

    @Test("Random instructions agree with the real processor")
    func randomInstructions() throws {
        let dataAddress = x86_native_data_address()
        try #require(dataAddress != 0, "could not map the shared data page")
        let environment = ProcessInfo.processInfo.environment
        let count = Int(environment["NESTVM_DIFFERENTIAL_COUNT"] ?? "") ?? 4000
        var random = Random(state: UInt64(environment["NESTVM_DIFFERENTIAL_SEED"] ?? "") ?? 0x6E65_7374_766D)
        let dataSize = x86_native_data_size()
        let native = UnsafeMutableRawPointer(bitPattern: UInt(dataAddress))!
        let machine = TestMachine()
        machine.cpu.controls.exceptionBitmap = 0xFFFF_FFFF
        var mismatches: [String] = []
        for iteration in 0..<count {
            var registers = (0..<16).map { _ in random.operand() }
            registers[Reg.rsp] = 0
            registers[Reg.rsi] = dataAddress
            let flags = random.next() & Flag.arithmetic
            let generated = Self.generate(&random, registers: registers)
            var data = [UInt8](repeating: 0, count: dataSize)
            for k in 0..<dataSize { data[k] = UInt8(truncatingIfNeeded: random.next()) }

            // Native.
            data.withUnsafeBytes { native.copyMemory(from: $0.baseAddress!, byteCount: dataSize) }
            var state = x86_native_state()
            withUnsafeMutableBytes(of: &state.gpr) { raw in
                for k in 0..<16 { raw.storeBytes(of: registers[k], toByteOffset: 8 * k, as: UInt64.self) }
            }
            state.rflags = flags | 0x202
            let nativeSignal = generated.bytes.withUnsafeBufferPointer { x86_native_run($0.baseAddress, $0.count, &state) }
            let nativeRegisters = withUnsafeBytes(of: state.gpr) { raw in (0..<16).map { raw.load(fromByteOffset: 8 * $0, as: UInt64.self) }
            }

            // Emulated.
            let cpu = machine.cpu
            machine.memory.load(data, at: dataAddress)
            for k in 0..<16 { cpu.gpr[k] = registers[k] }
            cpu.gpr[Reg.rsp] = TestMachine.stackTop
            cpu.rflags = flags | 0x202
            let outcome = machine.run(generated.bytes)
            let emulatedSignal = Self.signal(for: outcome)

            var problems: [String] = []
            if nativeSignal != emulatedSignal { problems.append("fault: native signal \(nativeSignal), emulated \(outcome)") }
            if nativeSignal == 0 && emulatedSignal == 0 {
                for k in 0..<16 where k != Reg.rsp && k != generated.undefinedRegister && nativeRegisters[k] != cpu.gpr[k] {
                    problems.append("r\(k): native \(String(nativeRegisters[k], radix: 16)) emulated \(String(cpu.gpr[k], radix: 16))")
                }
                let mask = generated.definedFlags
                if state.rflags & mask != cpu.rflags & mask {
                    problems.append(
                        "flags: native \(String(state.rflags & mask, radix: 16)) emulated \(String(cpu.rflags & mask, radix: 16)) (mask \(String(mask, radix: 16)))"
                    )
                }
                for k in 0..<dataSize
                where native.load(fromByteOffset: k, as: UInt8.self) != UInt8(machine.memory.read(dataAddress + UInt64(k), size: 1)) {
                    problems.append("data byte \(k) differs")
                    break
                }
            }
            if !problems.isEmpty {
                let hex = generated.bytes.map { String(format: "%02x", $0) }.joined(separator: " ")
                mismatches.append(
                    "#\(iteration) \(generated.name) [\(hex)] in: \(registers.map { String($0, radix: 16) }) flags \(String(flags, radix: 16)): \(problems.joined(separator: "; "))"
                )
                if mismatches.count >= 12 { break }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches:\n\(mismatches.joined(separator: "\n"))")
    }
}
