/// Channel 0 of an 8254 programmable interval timer (Intel 8254 data sheet) at ports 0x40–0x43, wired to IRQ 0.
/// Its 1.193182 MHz input is derived from the machine clock: one retired instruction is one nanosecond, so the
/// counter steps every ~838 instructions and a guest's timing is as deterministic as its instructions. Modes 0
/// (interrupt on terminal count), 2 (rate generator) and 3 (square wave) interrupt; the others count but do not.
/// Channels 1 and 2 accept programming and read back their reload values.
public final class PIT8254 {
    /// The input clock in Hz and the machine clock it is derived from (instructions per second).
    public static let inputHz: UInt64 = 1_193_182
    /// Machine-time units per second: the clock counts nanoseconds.
    public static let machineHz: UInt64 = 1_000_000_000

    struct Channel {
        var mode: UInt8 = 0
        var access: UInt8 = 3  // 1 low byte, 2 high byte, 3 low then high
        var reload: UInt32 = 0x10000
        var writeLowNext = true
        var readLowNext = true
        var latched: UInt16? = nil
        var pendingLow: UInt8 = 0
        var startTick: UInt64 = 0  // input tick at which counting began
        var isCounting = false
        var firedPeriods: UInt64 = 0  // interrupts raised since counting began
    }

    var channels = [Channel(), Channel(), Channel()]

    /// A timer as at power-on: no channel counting.
    public init() {}

    /// Input-clock ticks at machine time `now` (instructions).
    static func ticks(at now: UInt64) -> UInt64 {
        let product = now.multipliedFullWidth(by: inputHz)
        return machineHz.dividingFullWidth(product).quotient
    }

    /// The first machine time at which `ticks` input ticks have elapsed.
    static func time(ofTick ticks: UInt64) -> UInt64 {
        let product = ticks.multipliedFullWidth(by: machineHz)
        let (q, r) = inputHz.dividingFullWidth(product)
        return r == 0 ? q : q &+ 1
    }

    /// The machine time of channel 0's next interrupt, or nil when it will not interrupt.
    public var nextInterrupt: UInt64? {
        let c = channels[0]
        guard c.isCounting else { return nil }
        switch c.mode {
        case 0: return c.firedPeriods == 0 ? Self.time(ofTick: c.startTick + UInt64(c.reload)) : nil
        case 2, 3: return Self.time(ofTick: c.startTick + UInt64(c.reload) * (c.firedPeriods + 1))
        default: return nil
        }
    }

    /// Called when machine time reached `nextInterrupt`: counts the interrupt (the machine raises IRQ 0).
    public func fired() { channels[0].firedPeriods += 1 }

    /// The current count of a channel.
    func count(_ index: Int, now: UInt64) -> UInt16 {
        let c = channels[index]
        guard c.isCounting else { return UInt16(truncatingIfNeeded: c.reload) }
        let elapsed = Self.ticks(at: now) &- c.startTick
        switch c.mode {
        case 2, 3: return UInt16(truncatingIfNeeded: UInt64(c.reload) - elapsed % UInt64(c.reload))
        default: return UInt16(truncatingIfNeeded: UInt64(c.reload) &- elapsed)
        }
    }

    /// Port read at machine time `now`.
    public func read(_ port: UInt16, now: UInt64) -> UInt8 {
        let index = Int(port - 0x40)
        guard index < 3 else { return 0xFF }
        let value = channels[index].latched ?? count(index, now: now)
        var c = channels[index]
        defer { channels[index] = c }
        switch c.access {
        case 1: c.latched = nil; return UInt8(truncatingIfNeeded: value)
        case 2: c.latched = nil; return UInt8(value >> 8)
        default:
            if c.readLowNext {
                c.readLowNext = false
                c.latched = value
                return UInt8(truncatingIfNeeded: value)
            }
            c.readLowNext = true
            c.latched = nil
            return UInt8(value >> 8)
        }
    }

    /// Port write at machine time `now`.
    public func write(_ port: UInt16, _ value: UInt8, now: UInt64) {
        if port == 0x43 {
            let index = Int(value >> 6)
            guard index < 3 else { return }  // read-back command: not supported, ignored
            if value & 0x30 == 0 {  // counter latch
                if channels[index].latched == nil { channels[index].latched = count(index, now: now) }
                return
            }
            var c = channels[index]
            c.access = value >> 4 & 3
            c.mode = value >> 1 & 7
            if c.mode > 5 { c.mode -= 4 }  // 6 and 7 are aliases of 2 and 3
            c.writeLowNext = true
            c.readLowNext = true
            c.latched = nil
            c.isCounting = false
            channels[index] = c
            return
        }
        let index = Int(port - 0x40)
        guard index < 3 else { return }
        var c = channels[index]
        var complete = false
        var reload = UInt16(truncatingIfNeeded: c.reload)
        switch c.access {
        case 1: reload = UInt16(value); complete = true
        case 2: reload = UInt16(value) << 8; complete = true
        default:
            if c.writeLowNext {
                c.pendingLow = value; c.writeLowNext = false
            } else {
                reload = UInt16(value) << 8 | UInt16(c.pendingLow)
                c.writeLowNext = true
                complete = true
            }
        }
        if complete {
            c.reload = reload == 0 ? 0x10000 : UInt32(reload)
            c.startTick = Self.ticks(at: now)
            c.isCounting = true
            c.firedPeriods = 0
        }
        channels[index] = c
    }
}
