/// A cascaded pair of 8259A programmable interrupt controllers (Intel 8259A data sheet): master at ports
/// 0x20–0x21, slave at 0xA0–0xA1 on the master's IRQ 2. Edge-triggered, fully nested (IRQ 0 highest),
/// with the ICW1–ICW4 initialisation sequence, OCW1 masks, OCW2 EOIs and OCW3 IRR/ISR reads. Until the guest
/// initialises them every line is masked and the vector bases are 0x20 (master) and 0x28 (slave).
public final class PIC8259 {
    /// One 8259A.
    struct Chip {
        var requests: UInt8 = 0  // IRR
        var inService: UInt8 = 0  // ISR
        var mask: UInt8 = 0xFF  // IMR
        var vectorBase: UInt8
        var initStep = 0  // 0: operational; 2, 3, 4: expecting that ICW
        var expectsICW4 = false
        var isSingle = false
        var autoEOI = false
        var readsInService = false

        init(vectorBase: UInt8) { self.vectorBase = vectorBase }

        /// The highest-priority unmasked request that outranks everything in service, if any.
        func highestRequest() -> Int? {
            let pending = requests & ~mask
            if pending == 0 { return nil }
            for line in 0..<8 {
                if inService & (1 << line) != 0 { return nil }  // a higher or equal level is in service
                if pending & (1 << line) != 0 { return line }
            }
            return nil
        }

        mutating func command(_ value: UInt8) {
            if value & 0x10 != 0 {  // ICW1
                requests = 0; inService = 0; mask = 0; autoEOI = false; readsInService = false
                expectsICW4 = value & 0x01 != 0
                isSingle = value & 0x02 != 0
                initStep = 2
            } else if value & 0x08 != 0 {  // OCW3
                if value & 0x02 != 0 { readsInService = value & 0x01 != 0 }
            } else {  // OCW2
                switch value >> 5 {
                case 0b001, 0b101:  // non-specific EOI (with or without rotation): the highest level in service
                    if let line = (0..<8).first(where: { inService & (1 << $0) != 0 }) { inService &= ~(1 << line) }
                case 0b011, 0b111: inService &= ~(1 << (value & 7))  // specific EOI
                default: break
                }
            }
        }

        mutating func data(_ value: UInt8) {
            switch initStep {
            case 2:
                vectorBase = value & 0xF8
                initStep = isSingle ? (expectsICW4 ? 4 : 0) : 3
            case 3: initStep = expectsICW4 ? 4 : 0
            case 4:
                autoEOI = value & 0x02 != 0
                initStep = 0
            default: mask = value
            }
        }
    }

    var master = Chip(vectorBase: 0x20)
    var slave = Chip(vectorBase: 0x28)

    /// A pair as at power-on: every line masked.
    public init() {}

    /// A rising edge on IRQ `line` (0–15).
    public func raise(_ line: Int) {
        if line < 8 { master.requests |= 1 << line } else { slave.requests |= 1 << (line - 8) }
    }

    /// Whether the pair presents an interrupt to the processor.
    public var hasInterrupt: Bool { masterLine != nil }

    /// The master input that wins, counting the slave's output on IRQ 2.
    var masterLine: Int? {
        var chip = master
        if slave.highestRequest() != nil { chip.requests |= 1 << 2 }
        return chip.highestRequest()
    }

    /// The interrupt-acknowledge cycle: the vector of the winning request, now in service (or spurious IRQ 7 /
    /// 15 when the request went away).
    public func acknowledge() -> UInt8 {
        guard let line = masterLine else { return master.vectorBase | 7 }
        if line == 2, let slaveLine = slave.highestRequest() {
            slave.requests &= ~(1 << slaveLine)
            if !slave.autoEOI { slave.inService |= 1 << slaveLine }
            if !master.autoEOI { master.inService |= 1 << 2 }
            return slave.vectorBase | UInt8(slaveLine)
        }
        master.requests &= ~(1 << line)
        if !master.autoEOI { master.inService |= 1 << line }
        return master.vectorBase | UInt8(line)
    }

    /// Port read (0x20, 0x21, 0xA0, 0xA1).
    public func read(_ port: UInt16) -> UInt8 {
        let isSlave = port >= 0xA0
        let chip = isSlave ? slave : master
        if port & 1 == 1 { return chip.mask }
        return chip.readsInService ? chip.inService : chip.requests
    }

    /// Port write (0x20, 0x21, 0xA0, 0xA1).
    public func write(_ port: UInt16, _ value: UInt8) {
        switch (port >= 0xA0, port & 1 == 1) {
        case (false, false): master.command(value)
        case (false, true): master.data(value)
        case (true, false): slave.command(value)
        case (true, true): slave.data(value)
        }
    }
}

extension PIC8259 {
    /// Whether a request on IRQ `line` would reach the processor as the masks stand (the slave's through the
    /// master's IRQ 2), in-service levels aside: what a hypervisor asks before letting a halted processor wait for it.
    public func isUnmasked(_ line: Int) -> Bool {
        if line < 8 { return master.mask & (1 << line) == 0 }
        return slave.mask & (1 << (line - 8)) == 0 && master.mask & (1 << 2) == 0
    }
}
