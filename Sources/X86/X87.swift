/// The x87 FPU's state (SDM vol. 1, "x87 FPU Execution Environment"), kept so that the state-management
/// instructions work — FNINIT, FLDCW/FNSTCW, FNSTSW, FNCLEX, FNSTENV/FLDENV, FNSAVE/FRSTOR, FXSAVE/FXRSTOR —
/// which is what hypervisors and kernels use around a guest or a context switch. The data registers are kept as
/// their 80-bit images and never computed with: x87 arithmetic and loads are #UD, and CPUID.1:EDX.FPU is clear.
public struct X87State: Equatable, Codable, Sendable {
    /// The control word (FCW). 0x037F after FNINIT: every exception masked, 64-bit precision, round to nearest.
    public var control: UInt16 = 0x037F
    /// The status word (FSW): exception flags (5:0), stack fault (6), error summary (7), C0–C3, TOP (13:11), busy (15).
    public var status: UInt16 = 0
    /// The full tag word (FTW), two bits per physical register: 0 valid, 1 zero, 2 special, 3 empty.
    public var tag: UInt16 = 0xFFFF
    /// The last non-control instruction's opcode (11 bits), instruction pointer and data pointer.
    public var opcode: UInt16 = 0, instructionPointer: UInt64 = 0, dataPointer: UInt64 = 0
    /// R0 … R7, 10 bytes each (64-bit significand, then sign and 15-bit exponent), by physical number.
    public var registers: [UInt8] = Array(repeating: 0, count: 80)

    /// The state FNINIT leaves (SDM "FINIT/FNINIT—Initialize Floating-Point Unit"); the registers keep their bytes.
    mutating func initialize() {
        (control, status, tag, opcode, instructionPointer, dataPointer) = (0x037F, 0, 0xFFFF, 0, 0, 0)
    }

    /// TOP, the physical register that is ST(0).
    var top: Int { Int(status >> 11 & 7) }

    /// Sets FSW.ES and FSW.B from the exception flags the control word leaves unmasked.
    mutating func summarizeErrors() {
        if status & ~control & 0x3F != 0 { status |= 0x8080 } else { status &= ~0x8080 }
    }

    /// The abridged tag FXSAVE stores: bit i set when physical register i is not empty.
    var abridgedTag: UInt8 { (0..<8).reduce(0) { tag >> ($1 * 2) & 3 == 3 ? $0 : $0 | 1 << $1 } }

    /// The full tag of physical register `n` from its contents (SDM "FXRSTOR", table of tag values).
    func tagFromContents(_ n: Int) -> UInt16 {
        let bytes = registers[n * 10..<n * 10 + 10]
        let significand = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[bytes.startIndex + $1]) << (8 * $1) }
        let exponent = (UInt16(bytes[bytes.startIndex + 9]) << 8 | UInt16(bytes[bytes.startIndex + 8])) & 0x7FFF
        if exponent == 0x7FFF { return 2 }
        if exponent == 0 { return significand == 0 ? 1 : 2 }
        return significand >> 63 == 0 ? 2 : 0
    }

    /// The full tag word rebuilt from an abridged one.
    mutating func expandTag(_ abridged: UInt8) {
        tag = (0..<8).reduce(0) { $0 | (abridged >> $1 & 1 == 0 ? 3 : tagFromContents($1)) << UInt16($1 * 2) }
    }
}

extension CPU {
    /// 9B: WAIT/FWAIT. #NM with CR0.MP and CR0.TS both set; #MF for a pending unmasked x87 exception with
    /// CR0.NE (without NE the error would go to FERR#, which this machine does not wire).
    func executeWAIT() throws(Event) {
        if cr0 & (CR0.mp | CR0.ts) == CR0.mp | CR0.ts { throw .fault(Fault(Vector.nm)) }
        if x87.status & 0x80 != 0 && cr0 & CR0.ne != 0 { throw .fault(Fault(Vector.mf)) }
    }

    /// D8–DF: the x87 escape. With CR0.EM or CR0.TS set every one is #NM (SDM vol. 3, "Action Taken By x87 FPU
    /// Instructions for Different Combinations of EM, MP, and TS"); of the rest, the state-management
    /// instructions work and the others are #UD.
    func executeX87(_ i: Instruction) throws(Event) {
        if cr0 & (CR0.em | CR0.ts) != 0 { throw .fault(Fault(Vector.nm)) }
        let reg = i.reg & 7
        if !i.isMemory {
            switch (i.opcode, reg, i.rm & 7) {
            case (0xD9, 2, 0): break  // FNOP
            case (0xDB, 4, 2): x87.status &= 0x7F00  // FNCLEX
            case (0xDB, 4, 3): x87.initialize()  // FNINIT
            case (0xDF, 4, 0): setRegister(0, 2, UInt64(x87.status), rex: 0)  // FNSTSW AX
            default: throw .fault(.invalidOpcode)
            }
            return
        }
        let address = effectiveAddress(i)
        switch (i.opcode, reg) {
        case (0xD9, 5):  // FLDCW m16
            x87.control = UInt16(try read(address, 2))
            x87.summarizeErrors()
        case (0xD9, 7): try write(address, 2, UInt64(x87.control))  // FNSTCW m16
        case (0xDD, 7): try write(address, 2, UInt64(x87.status))  // FNSTSW m16
        case (0xD9, 4): try loadX87State(i, at: address, registers: false)  // FLDENV
        case (0xD9, 6):  // FNSTENV: stores the environment, then masks every exception
            try storeX87Environment(i, at: address)
            x87.control |= 0x3F
        case (0xDD, 4): try loadX87State(i, at: address, registers: true)  // FRSTOR
        case (0xDD, 6):  // FNSAVE: the environment and ST(0) … ST(7), then FNINIT
            _ = try translate(address &+ UInt64((i.operandSize != 2 ? 28 : 14) + 79), .write)
            let size = try storeX87Environment(i, at: address)
            for st in 0..<8 {
                for n in 0..<10 { try write(address &+ UInt64(size + st * 10 + n), 1, UInt64(x87.registers[physical(st) * 10 + n])) }
            }
            x87.initialize()
        default: throw .fault(.invalidOpcode)
        }
    }

    /// The physical register that is ST(`st`).
    func physical(_ st: Int) -> Int { (x87.top + st) & 7 }

    /// The x87 environment's image (SDM vol. 1, "Saving the x87 FPU State with FSTENV/FNSTENV and FSAVE/FNSAVE"):
    /// 28 bytes in the 32-bit format, 14 in the 16-bit one (an operand-size prefix); selectors are stored as 0.
    @discardableResult
    func storeX87Environment(_ i: Instruction, at address: UInt64) throws(Event) -> Int {
        let wide = i.operandSize != 2
        let step = wide ? 4 : 2
        let opcodeAndSelector = UInt64(x87.opcode & 0x7FF) << 16
        let words: [UInt64] = [
            UInt64(x87.control), UInt64(x87.status), UInt64(x87.tag), x87.instructionPointer & 0xFFFF_FFFF,
            wide ? opcodeAndSelector : 0, x87.dataPointer & 0xFFFF_FFFF, 0,
        ]
        _ = try translate(address &+ UInt64(step * 7 - 1), .write)
        for (n, word) in words.enumerated() { try write(address &+ UInt64(n * step), step, word & (wide ? 0xFFFF_FFFF : 0xFFFF)) }
        return step * 7
    }

    /// FLDENV and FRSTOR: the environment `storeX87Environment` stores and, for FRSTOR, ST(0) … ST(7) after it.
    /// Everything is read before anything changes, so a fault leaves the state as it was.
    func loadX87State(_ i: Instruction, at address: UInt64, registers: Bool) throws(Event) {
        let wide = i.operandSize != 2
        let step = wide ? 4 : 2
        var words = [UInt64](repeating: 0, count: 7)
        for n in 0..<7 { words[n] = try read(address &+ UInt64(n * step), step) }
        var bytes = [UInt8]()
        if registers {
            for n in 0..<80 { bytes.append(UInt8(try read(address &+ UInt64(step * 7 + n), 1))) }
        }
        x87.control = UInt16(truncatingIfNeeded: words[0])
        x87.status = UInt16(truncatingIfNeeded: words[1])
        x87.tag = UInt16(truncatingIfNeeded: words[2])
        x87.instructionPointer = words[3]
        x87.opcode = wide ? UInt16(words[4] >> 16 & 0x7FF) : 0
        x87.dataPointer = words[5]
        x87.summarizeErrors()
        for st in 0..<bytes.count / 10 {
            x87.registers.replaceSubrange(physical(st) * 10..<physical(st) * 10 + 10, with: bytes[st * 10..<st * 10 + 10])
        }
    }
}
