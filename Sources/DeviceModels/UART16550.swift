/// A 16550A UART (National Semiconductor PC16550D data sheet): the eight registers at a base port, a 16-byte
/// receive FIFO, and the four interrupt sources in the data sheet's priority order. Transmission is instant: a
/// byte written to THR goes to `output` and THR is empty again at once, so polled and interrupt-driven drivers
/// both work. Line settings (divisor, LCR) are kept and read back but do not slow anything down.
public final class UART16550 {
    /// Bytes the guest transmitted and the machine has not collected yet.
    public var output: [UInt8] = []
    /// Received bytes waiting in the FIFO (the data sheet's 16 bytes; more are held back until there is room).
    var receiveFIFO: [UInt8] = []
    /// Bytes received while the FIFO was full.
    var backlog: [UInt8] = []
    var interruptEnable: UInt8 = 0
    var lineControl: UInt8 = 0x03
    var modemControl: UInt8 = 0
    var scratch: UInt8 = 0
    var divisor: UInt16 = 1
    var fifoControl: UInt8 = 0
    /// The transmitter-empty interrupt is pending (set when THR empties, cleared by reading IIR or writing THR).
    var transmitterEmptyPending = false
    var lineStatusErrors: UInt8 = 0

    /// A UART as at power-on: 8N1, no interrupts enabled, nothing received.
    public init() {}

    /// The interrupt line (IRQ 4 on COM1): asserted while an enabled source is pending and OUT2 is set.
    public var interruptLine: Bool { modemControl & 0x08 != 0 && pendingSource != nil }

    /// Whether a received byte can be taken.
    public var canReceive: Bool { receiveFIFO.count + backlog.count < 4096 }

    /// Bytes arriving on the line (from a console).
    public func receive(_ bytes: [UInt8]) {
        for b in bytes {
            if receiveFIFO.count < 16 { receiveFIFO.append(b) } else { backlog.append(b) }
        }
    }

    /// The highest-priority pending source as its IIR code: line status 0b0110, received data 0b0100,
    /// THR empty 0b0010, modem status 0b0000 (never pending here).
    var pendingSource: UInt8? {
        if interruptEnable & 0x04 != 0 && lineStatusErrors != 0 { return 0b0110 }
        if interruptEnable & 0x01 != 0 && !receiveFIFO.isEmpty { return 0b0100 }
        if interruptEnable & 0x02 != 0 && transmitterEmptyPending { return 0b0010 }
        return nil
    }

    var dlab: Bool { lineControl & 0x80 != 0 }

    /// Reads register `offset` (0–7).
    public func read(_ offset: UInt16) -> UInt8 {
        switch offset {
        case 0:
            if dlab { return UInt8(truncatingIfNeeded: divisor) }
            guard !receiveFIFO.isEmpty else { return 0 }
            let byte = receiveFIFO.removeFirst()
            if !backlog.isEmpty { receiveFIFO.append(backlog.removeFirst()) }
            return byte
        case 1: return dlab ? UInt8(divisor >> 8) : interruptEnable
        case 2:
            let fifos: UInt8 = fifoControl & 1 != 0 ? 0xC0 : 0
            guard let source = pendingSource else { return fifos | 1 }
            if source == 0b0010 { transmitterEmptyPending = false }
            return fifos | source
        case 3: return lineControl
        case 4: return modemControl
        case 5:
            // Data ready, THR empty, transmitter empty, plus any error bits (cleared by the read).
            let status: UInt8 = (receiveFIFO.isEmpty ? 0 : 0x01) | 0x60 | lineStatusErrors
            lineStatusErrors = 0
            return status
        case 6:
            // CTS, DSR and DCD asserted (a connected terminal); in loopback the outputs read back.
            if modemControl & 0x10 != 0 {
                let m = modemControl
                return (m & 0x02 != 0 ? 0x10 : 0) | (m & 0x01 != 0 ? 0x20 : 0) | (m & 0x04 != 0 ? 0x40 : 0) | (m & 0x08 != 0 ? 0x80 : 0)
            }
            return 0xB0
        default: return scratch
        }
    }

    /// Writes register `offset` (0–7).
    public func write(_ offset: UInt16, _ value: UInt8) {
        switch offset {
        case 0:
            if dlab { divisor = divisor & 0xFF00 | UInt16(value); return }
            if modemControl & 0x10 != 0 { receive([value]) } else { output.append(value) }
            transmitterEmptyPending = true
        case 1:
            if dlab { divisor = divisor & 0x00FF | UInt16(value) << 8; return }
            // Enabling the THR-empty interrupt while THR is empty raises it at once (data sheet, IER bit 1).
            if value & 0x02 != 0 && interruptEnable & 0x02 == 0 { transmitterEmptyPending = true }
            interruptEnable = value & 0x0F
        case 2:
            fifoControl = value & 0xC9
            if value & 0x02 != 0 { receiveFIFO.removeAll(); backlog.removeAll() }
        case 3: lineControl = value
        case 4: modemControl = value & 0x1F
        case 7: scratch = value
        default: break  // LSR and MSR are read-only
        }
    }
}
