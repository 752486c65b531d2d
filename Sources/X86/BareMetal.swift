/// The smallest platform a freestanding program needs, for running one on the processor alone (the benchmark and
/// the compiled-program tests): OUT to port 0x3F8 writes a byte to the console, OUT to port 0xF4 ends the
/// program with the status written, and HLT ends it too. The machine layer's real devices are not involved.
public enum BareMetal {
    /// The console port (COM1's transmit register).
    public static let consolePort: UInt64 = 0x3F8
    /// The exit port.
    public static let exitPort: UInt64 = 0xF4

    /// How a program ended.
    public enum End: Equatable, Sendable {
        /// It wrote its status to the exit port (the low byte of AL).
        case exitPort(UInt8)
        /// It executed HLT.
        case halted
        /// It ran out of instructions.
        case instructionLimit
        /// Anything else exited: an exception, an instruction the controls make exit.
        case unexpected(VMExit)
    }

    /// Sets the controls every run uses: every I/O instruction and HLT exit, and so does every exception.
    public static func prepare(_ cpu: CPU) {
        cpu.controls.primary = ExecutionControls.Primary.unconditionalIOExiting | ExecutionControls.Primary.hltExiting
        cpu.controls.exceptionBitmap = 0xFFFF_FFFF
    }

    /// Runs `cpu` (prepared) until the program ends or `maxInstructions` retire, with the console bytes it wrote.
    public static func run(_ cpu: CPU, maxInstructions: UInt64 = .max) -> (end: End, console: [UInt8]) {
        var console: [UInt8] = []
        let stop = maxInstructions == .max ? .max : cpu.instructionsRetired &+ maxInstructions
        while true {
            let left = stop == .max ? .max : stop &- cpu.instructionsRetired
            guard case .exit(let exit) = cpu.run(maxInstructions: left) else { return (.instructionLimit, console) }
            if exit.reason == .hlt { return (.halted, console) }
            guard exit.reason == .ioInstruction else { return (.unexpected(exit), console) }
            let port = exit.qualification >> 16
            let al = UInt8(truncatingIfNeeded: cpu.gpr[Reg.rax])
            if port == exitPort { return (.exitPort(al), console) }
            if port == consolePort { console.append(al) }
            cpu.rip &+= UInt64(exit.instructionLength)
        }
    }
}
