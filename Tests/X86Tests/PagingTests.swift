import Testing
@testable import X86

/// Builds 4-level page tables in a test machine's memory.
struct PageTables {
    let machine: TestMachine
    let root: UInt64 = 0x100000
    var next: UInt64 = 0x101000

    init(_ machine: TestMachine) {
        self.machine = machine
        machine.cpu.cr3 = root
        machine.cpu.cr0 |= CR0.pg | CR0.wp
    }

    /// Maps the 4 KiB page at `linear` to `physical` with entry flags `flags` (P, R/W, U/S … and bit 63 NX) on the
    /// leaf, and P|RW|US on the tables (so the leaf decides).
    mutating func map(_ linear: UInt64, to physical: UInt64, flags: UInt64, tableFlags: UInt64 = 7) {
        var table = root
        for level in stride(from: 3, through: 1, by: -1) {
            let index = (linear >> UInt64(12 + 9 * level)) & 0x1FF
            let entry = machine.memory.read(table + index * 8, size: 8)
            if entry & 1 == 0 {
                machine.memory.write(table + index * 8, size: 8, next | tableFlags)
                table = next
                next += 0x1000
            } else {
                table = entry & 0x000F_FFFF_FFFF_F000
            }
        }
        machine.memory.write(table + ((linear >> 12) & 0x1FF) * 8, size: 8, physical | flags)
    }

    /// Maps `linear` as a 2 MiB page.
    mutating func mapLarge(_ linear: UInt64, to physical: UInt64, flags: UInt64) {
        var table = root
        for level in stride(from: 3, through: 2, by: -1) {
            let index = (linear >> UInt64(12 + 9 * level)) & 0x1FF
            let entry = machine.memory.read(table + index * 8, size: 8)
            if entry & 1 == 0 {
                machine.memory.write(table + index * 8, size: 8, next | 7)
                table = next
                next += 0x1000
            } else {
                table = entry & 0x000F_FFFF_FFFF_F000
            }
        }
        machine.memory.write(table + ((linear >> 21) & 0x1FF) * 8, size: 8, physical | flags | 0x80)
    }

    /// The leaf entry for `linear` (4 KiB pages).
    func leaf(_ linear: UInt64) -> UInt64 {
        var table = root
        for level in stride(from: 3, through: 1, by: -1) {
            table = machine.memory.read(table + ((linear >> UInt64(12 + 9 * level)) & 0x1FF) * 8, size: 8) & 0x000F_FFFF_FFFF_F000
        }
        return machine.memory.read(table + ((linear >> 12) & 0x1FF) * 8, size: 8)
    }
}

/// Page-table entry bits.
// swift-format-ignore: AlwaysUseLowerCamelCase
let P: UInt64 = 1, RW: UInt64 = 2, US: UInt64 = 4, NX: UInt64 = 1 << 63, G: UInt64 = 0x100

@Suite("Paging")
struct PagingTests {
    /// A machine with code and stack identity-mapped (supervisor, writable), paging on.
    static func machine() -> (TestMachine, PageTables) {
        let m = TestMachine()
        var tables = PageTables(m)
        for page in stride(from: UInt64(0), to: 0x90000, by: 0x1000) { tables.map(page, to: page, flags: P | RW) }
        m.cpu.controls.exceptionBitmap = 1 << UInt32(Vector.pf)
        return (m, tables)
    }

    static func pageFault(_ outcome: RunOutcome) -> (code: UInt32, address: UInt64)? {
        guard case .exit(let exit) = outcome, exit.reason == ExitReason.exceptionOrNMI, exit.interruptionInfo & 0xFF == 14 else {
            return nil
        }
        return (exit.interruptionErrorCode, exit.qualification)
    }

    @Test("Translation, accessed and dirty flags")
    func translation() {
        var (m, tables) = Self.machine()
        tables.map(0x4000_0000, to: 0x200000, flags: P | RW)
        m.cpu.gpr[Reg.rdi] = 0x4000_0010
        m.cpu.gpr[Reg.rax] = 0x55
        m.run([0x48, 0x89, 0x07])  // mov [rdi], rax
        #expect(m.memory.read(0x200010, size: 8) == 0x55)
        #expect(tables.leaf(0x4000_0000) & 0x60 == 0x60, "A and D set")
        tables.map(0x4000_1000, to: 0x201000, flags: P | RW)
        m.cpu.gpr[Reg.rsi] = 0x4000_1000
        m.run([0x48, 0x8B, 0x06])  // mov rax, [rsi]
        #expect(tables.leaf(0x4000_1000) & 0x60 == 0x20, "a read sets A only")
    }

    @Test("2 MiB pages")
    func largePages() {
        var (m, tables) = Self.machine()
        tables.mapLarge(0x8000_0000, to: 0x200000, flags: P | RW)
        m.memory.write(0x3FFFF8, size: 8, 0x77)
        m.cpu.gpr[Reg.rsi] = 0x8000_0000 + 0x1FFFF8
        m.run([0x48, 0x8B, 0x06])
        #expect(m.cpu.gpr[Reg.rax] == 0x77)
    }

    struct FaultCase: Sendable, CustomTestStringConvertible {
        var name: String
        var leafFlags: UInt64
        var bytes: [UInt8]
        var user: Bool = false
        var wp: Bool = true
        var smep: Bool = false
        var code: UInt32?
        var testDescription: String { name }
    }

    static let faults: [FaultCase] = [
        FaultCase(name: "not present read", leafFlags: 0, bytes: [0x48, 0x8B, 0x06], code: 0),
        FaultCase(name: "not present write", leafFlags: 0, bytes: [0x48, 0x89, 0x06], code: 2),
        FaultCase(name: "read-only write with WP", leafFlags: P, bytes: [0x48, 0x89, 0x06], code: 3),
        FaultCase(name: "read-only write without WP is allowed", leafFlags: P, bytes: [0x48, 0x89, 0x06], wp: false, code: nil),
        FaultCase(name: "user read of a supervisor page", leafFlags: P | RW, bytes: [0x48, 0x8B, 0x06], user: true, code: 5),
        FaultCase(name: "user write of a read-only user page", leafFlags: P | US, bytes: [0x48, 0x89, 0x06], user: true, code: 7),
        FaultCase(name: "fetch from an NX page", leafFlags: P | RW | NX, bytes: [0xFF, 0xE6], code: 0x11),
        FaultCase(name: "reserved bit set", leafFlags: P | RW | 1 << 51, bytes: [0x48, 0x8B, 0x06], code: 9),
        FaultCase(name: "SMEP: supervisor fetch from a user page", leafFlags: P | US, bytes: [0xFF, 0xE6], smep: true, code: 0x11),
    ]

    @Test("Page faults: every error-code bit", arguments: faults)
    func fault(_ c: FaultCase) {
        var (m, tables) = Self.machine()
        let target: UInt64 = 0x4000_0000
        tables.map(target, to: 0x200000, flags: c.leafFlags)
        if c.user {
            for page in stride(from: UInt64(0), to: 0x90000, by: 0x1000) { tables.map(page, to: page, flags: P | RW | US) }
            m.cpu.segments[SegmentRegister.cs.rawValue].attributes |= 3 << 5
        }
        if !c.wp { m.cpu.cr0 &= ~CR0.wp }
        if c.smep { m.cpu.cr4 |= CR4.smep }
        m.cpu.gpr[Reg.rsi] = target
        let outcome = m.run(c.bytes)
        let fault = Self.pageFault(outcome)
        #expect(fault?.code == c.code, "\(outcome)")
        if c.code != nil {
            #expect(fault?.address == target)
            #expect(m.cpu.cr2 == 0, "a #PF that exits does not write CR2")
        }
    }

    @Test("INVLPG drops a stale translation; MOV CR3 keeps global pages")
    func invalidation() {
        var (m, tables) = Self.machine()
        m.cpu.cr4 |= CR4.pge
        tables.map(0x4000_0000, to: 0x200000, flags: P | RW)
        tables.map(0x4000_1000, to: 0x210000, flags: P | RW | G)
        m.memory.write(0x200000, size: 8, 1); m.memory.write(0x201000, size: 8, 2)
        m.memory.write(0x210000, size: 8, 3); m.memory.write(0x211000, size: 8, 4)
        m.cpu.gpr[Reg.rsi] = 0x4000_0000
        m.run([0x48, 0x8B, 0x06])
        #expect(m.cpu.gpr[Reg.rax] == 1)
        tables.map(0x4000_0000, to: 0x201000, flags: P | RW)  // remap without telling the TLB
        m.run([0x48, 0x8B, 0x06])
        #expect(m.cpu.gpr[Reg.rax] == 1, "the TLB still has the old translation")
        m.run([0x0F, 0x01, 0x3E, 0x48, 0x8B, 0x06])  // invlpg [rsi]; mov rax, [rsi]
        #expect(m.cpu.gpr[Reg.rax] == 2)
        m.cpu.gpr[Reg.rsi] = 0x4000_1000
        m.run([0x48, 0x8B, 0x06])
        #expect(m.cpu.gpr[Reg.rax] == 3)
        tables.map(0x4000_1000, to: 0x211000, flags: P | RW | G)
        m.cpu.gpr[Reg.rbx] = m.cpu.cr3
        m.run([0x0F, 0x22, 0xDB, 0x48, 0x8B, 0x06])  // mov cr3, rbx; mov rax, [rsi]
        #expect(m.cpu.gpr[Reg.rax] == 3, "a global translation survives MOV CR3")
        m.cpu.gpr[Reg.rsi] = 0x4000_0000
        tables.map(0x4000_0000, to: 0x200000, flags: P | RW)
        m.run([0x0F, 0x22, 0xDB, 0x48, 0x8B, 0x06])
        #expect(m.cpu.gpr[Reg.rax] == 1, "a non-global one does not")
    }

    @Test("A non-canonical address is #GP")
    func canonical() {
        let (m, _) = Self.machine()
        m.cpu.controls.exceptionBitmap |= 1 << UInt32(Vector.gp)
        m.cpu.gpr[Reg.rsi] = 0x0000_8000_0000_0000
        guard case .exit(let exit) = m.run([0x48, 0x8B, 0x06]) else { Issue.record("no exit"); return }
        #expect(exit.interruptionInfo & 0xFF == UInt32(Vector.gp))
    }
}
