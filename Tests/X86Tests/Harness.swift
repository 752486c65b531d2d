import Testing
@testable import X86

/// A processor over 4 MiB of memory, with code at 0x1000, a stack below 0x80000, HLT exiting on, flat 64-bit
/// mode and paging off: enough to run instruction bytes and look at the result.
final class TestMachine {
    static let code: UInt64 = 0x1000
    static let stackTop: UInt64 = 0x80000
    let memory = PhysicalMemory(size: 4 << 20)!
    let cpu: CPU

    init() {
        cpu = CPU(memory: memory)
        cpu.controls.primary = ExecutionControls.Primary.hltExiting
        cpu.gpr[Reg.rsp] = Self.stackTop
    }

    /// Runs `bytes` followed by HLT; returns the outcome (a HLT exit when everything went through).
    @discardableResult
    func run(_ bytes: [UInt8], at address: UInt64 = TestMachine.code, limit: UInt64 = 100_000) -> RunOutcome {
        memory.load(bytes + [0xF4], at: address)
        cpu.rip = address
        return cpu.run(maxInstructions: limit)
    }

    /// The exit reason of an outcome (nil for the instruction limit).
    static func reason(_ outcome: RunOutcome) -> ExitReason? {
        if case .exit(let exit) = outcome { return exit.reason }
        return nil
    }

    /// Sets up a minimal 64-bit IDT at 0x3000 whose every vector points at `handler`, with a GDT holding a
    /// 64-bit code segment at selector 8, and a TSS whose IST1 stack is at 0x70000.
    func installIDT(handler: UInt64 = 0x2000) {
        let gdt: UInt64 = 0x5000
        memory.write(gdt + 8, size: 8, 0x00AF_9B00_0000_FFFF)  // 64-bit code, DPL 0
        memory.write(gdt + 16, size: 8, 0x00CF_9300_0000_FFFF)  // data
        cpu.gdtrBase = gdt
        cpu.gdtrLimit = 0x3F
        for vector in 0..<256 {
            let gate = UInt64(0x3000 + vector * 16)
            let low = (handler & 0xFFFF) | 8 << 16 | 0x8E << 40 | (handler >> 16 & 0xFFFF) << 48
            memory.write(gate, size: 8, low)
            memory.write(gate + 8, size: 8, handler >> 32)
        }
        cpu.idtrBase = 0x3000
        cpu.idtrLimit = 0xFFF
        cpu.tr = Segment(selector: 0x28, base: 0x6000, limit: 0x67, attributes: 0x8B)
        memory.write(0x6000 + 4, size: 8, 0x7C000)  // RSP0
        memory.write(0x6000 + 0x24, size: 8, 0x70000)  // IST1
    }
}

// swift-format-ignore: AlwaysUseLowerCamelCase
/// Flag bits by name, as the SDM writes them, for readable expectations.
let CF = Flag.cf, PF = Flag.pf, AF = Flag.af, ZF = Flag.zf, SF = Flag.sf, OF = Flag.of
