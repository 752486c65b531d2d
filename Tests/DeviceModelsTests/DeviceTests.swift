import DeviceModels
import Testing

/// The platform devices on their own, register by register.
@Suite struct DeviceTests {
    @Test("16550A: transmit, line status, divisor latch, receive FIFO and interrupt identification")
    func uart() {
        let uart = UART16550()
        uart.write(0, 0x41)
        #expect(uart.output == [0x41])
        #expect(uart.read(5) == 0x60)  // THR and transmitter empty, no data
        uart.write(3, 0x80)  // DLAB
        uart.write(0, 0x01); uart.write(1, 0x00)
        #expect(uart.read(0) == 0x01)
        uart.write(3, 0x03)
        #expect(uart.read(2) & 0x0F == 0x01)  // no interrupt pending
        uart.receive([0x61, 0x62])
        #expect(uart.read(5) & 1 == 1)
        #expect(uart.interruptLine == false)  // not enabled
        uart.write(1, 0x01)  // received-data interrupt
        #expect(uart.interruptLine == false)  // OUT2 clear: the line is not driven
        uart.write(4, 0x08)
        #expect(uart.interruptLine)
        #expect(uart.read(2) & 0x0F == 0x04)
        #expect(uart.read(0) == 0x61)
        #expect(uart.read(0) == 0x62)
        #expect(uart.interruptLine == false)
        uart.write(1, 0x03)  // enabling THR-empty raises it at once; reading IIR clears it
        #expect(uart.read(2) & 0x0F == 0x02)
        #expect(uart.read(2) & 0x0F == 0x01)
        uart.write(4, 0x18)  // loopback: transmitted bytes come back
        uart.write(0, 0x7A)
        #expect(uart.read(0) == 0x7A)
        #expect(uart.output == [0x41])
    }

    @Test("16550A: the FIFO holds 16 bytes and refills from the backlog")
    func uartFIFO() {
        let uart = UART16550()
        uart.receive(Array(0..<20))
        var got: [UInt8] = []
        while uart.read(5) & 1 == 1 { got.append(uart.read(0)) }
        #expect(got == Array(0..<20))
    }

    static func initialized() -> PIC8259 {
        let pic = PIC8259()
        for (port, value) in [
            (0x20, 0x11), (0x21, 0x20), (0x21, 0x04), (0x21, 0x01), (0xA0, 0x11), (0xA1, 0x28), (0xA1, 0x02), (0xA1, 0x01),
        ] {
            pic.write(UInt16(port), UInt8(value))
        }
        return pic
    }

    @Test("8259A: masked until initialised; fully nested priority; EOI; the slave through IRQ 2")
    func pic() {
        let fresh = PIC8259()
        fresh.raise(0)
        #expect(fresh.hasInterrupt == false)  // all masked at power-on
        let pic = Self.initialized()
        pic.write(0x21, 0x00); pic.write(0xA1, 0x00)
        pic.raise(3); pic.raise(1)
        #expect(pic.acknowledge() == 0x21)  // IRQ 1 before IRQ 3
        #expect(pic.hasInterrupt == false)  // IRQ 3 waits for IRQ 1's EOI
        pic.write(0x20, 0x0B)  // OCW3: read ISR
        #expect(pic.read(0x20) == 0x02)
        pic.write(0x20, 0x20)  // non-specific EOI
        #expect(pic.acknowledge() == 0x23)
        pic.write(0x20, 0x63)  // specific EOI for IRQ 3
        pic.raise(9)
        #expect(pic.acknowledge() == 0x29)
        pic.write(0x21, 0x01)
        #expect(pic.read(0x21) == 0x01)
        pic.raise(0)
        #expect(pic.hasInterrupt == false)  // masked, and IRQ 2 still in service
    }

    @Test("8259A: whether a line is unmasked, the slave's lines through the master's IRQ 2")
    func picMasks() {
        let pic = Self.initialized()
        #expect(pic.isUnmasked(0) && pic.isUnmasked(9))
        pic.write(0x21, 0xFE)  // only IRQ 0 open on the master: the slave's lines are cut off at IRQ 2
        #expect(pic.isUnmasked(0) && !pic.isUnmasked(1) && !pic.isUnmasked(9))
        pic.write(0x21, 0xFB); pic.write(0xA1, 0xFD)  // IRQ 2 and the slave's IRQ 9 only
        #expect(!pic.isUnmasked(0) && pic.isUnmasked(9) && !pic.isUnmasked(8))
        #expect(PIC8259().isUnmasked(0) == false)  // all masked at power-on
    }

    @Test("8254: mode 2 period from the reload value, counter latch, one-shot mode 0")
    func pit() {
        let pit = PIT8254()
        pit.write(0x43, 0x34, now: 0)
        pit.write(0x40, 0xA9, now: 0); pit.write(0x40, 0x04, now: 1000)
        // Counting starts at the input tick the reload completes in (tick 1 at 1000 ns); 1193 ticks later is tick
        // 1194, whose edge comes at 1,000,686 ns. The period stays exact in ticks.
        #expect(pit.nextInterrupt == 1_000_686)
        pit.fired()
        #expect(pit.nextInterrupt == 2_000_534)
        pit.write(0x43, 0x00, now: 1000 + 500_000)  // latch channel 0
        let low = pit.read(0x40, now: 1000 + 900_000), high = pit.read(0x40, now: 1000 + 900_000)
        #expect(UInt16(high) << 8 | UInt16(low) == 1193 - 596)  // 596 ticks had elapsed at the latch
        pit.write(0x43, 0x30, now: 0)  // mode 0
        pit.write(0x40, 0x10, now: 0); pit.write(0x40, 0x00, now: 0)
        #expect(pit.nextInterrupt == 13_410)  // 16 ticks
        pit.fired()
        #expect(pit.nextInterrupt == nil)
    }
}
