/// The address-range monitor MONITOR arms: a 64-byte line of memory and what it held then (SDM vol. 2,
/// "MONITOR—Set Up Monitor Address" and "MWAIT—Monitor Wait"). The processor never waits in MWAIT itself — an
/// MWAIT that does not exit wakes at once, which the SDM allows (a processor may leave the wait for
/// implementation-specific events) — so a platform that wants a waiting processor to cost nothing sets MWAIT
/// exiting and waits for the line to change (`hasChanged`), or for an interrupt.
public struct MonitoredLine: Equatable, Sendable {
    /// The line's size in bytes (CPUID leaf 5, EAX and EBX).
    public static let size: UInt64 = 64

    /// Host address of the line's first byte.
    public let address: UInt64
    /// The line's contents when it was armed, eight little-endian words.
    public let contents: [UInt64]

    /// Arms the line holding host address `address` in `memory`.
    public init(containing address: UInt64, in memory: PhysicalMemory) {
        self.address = address & ~(Self.size - 1)
        contents = Self.read(self.address, memory)
    }

    /// Whether a store changed the line since it was armed. A store of the value the line already held goes
    /// unseen; waiters re-check their condition after any wake, and a counter that changes on every store is what
    /// a waker writes.
    public func hasChanged(in memory: PhysicalMemory) -> Bool { Self.read(address, memory) != contents }

    static func read(_ line: UInt64, _ memory: PhysicalMemory) -> [UInt64] {
        (0..<Self.size / 8).map { memory.read(line + $0 * 8, size: 8) }
    }
}

extension CPU {
    /// 0F 01 C8: MONITOR arms the monitor on the line holding DS:RAX (EAX with a 67 prefix; FS and GS overrides
    /// apply), translated as a read. #UD outside ring 0, which comes before MONITOR exiting (SDM vol. 3, "Relative
    /// Priority of Faults and VM Exits"); ECX holds extensions, and none is defined (#GP(0) unless zero).
    func executeMONITOR(_ i: Instruction) throws(Event) {
        guard cpl == 0 else { throw .fault(.invalidOpcode) }
        if controls.has(primary: ExecutionControls.Primary.monitorExiting) {
            throw .exit(VMExit(reason: ExitReason.monitor, instructionLength: UInt32(i.length)))
        }
        guard gpr[Reg.rcx] & 0xFFFF_FFFF == 0 else { throw .fault(.generalProtection(0)) }
        var linear = i.addressSize == 4 ? gpr[Reg.rax] & 0xFFFF_FFFF : gpr[Reg.rax]
        if i.segment != Instruction.noSegment { linear &+= segments[Int(i.segment)].base }
        monitor = MonitoredLine(containing: try translate(linear, .read), in: memory)
    }

    /// 0F 01 C9: MWAIT. With MWAIT exiting it exits, the qualification's bit 0 saying whether the monitor was
    /// armed (SDM vol. 3, "Exit Qualification for ... MWAIT"), and whoever handles the exit waits on the line.
    /// Otherwise it wakes at once, the monitor disarmed as after any wake. ECX bit 0 (interrupts wake even with IF clear) is
    /// not offered (CPUID.5:ECX bit 1 clear): any set ECX bit is #GP(0), a fault below the exit in priority.
    func executeMWAIT(_ i: Instruction) throws(Event) {
        guard cpl == 0 else { throw .fault(.invalidOpcode) }
        if controls.has(primary: ExecutionControls.Primary.mwaitExiting) {
            throw .exit(VMExit(reason: ExitReason.mwait, qualification: monitor == nil ? 0 : 1, instructionLength: UInt32(i.length)))
        }
        guard gpr[Reg.rcx] & 0xFFFF_FFFF == 0 else { throw .fault(.generalProtection(0)) }
        monitor = nil
    }
}
