import Testing
@testable import X86

/// Builds EPT hierarchies in host memory.
struct EPTBuilder {
    let memory: PhysicalMemory
    let root: UInt64
    var next: UInt64

    init(_ memory: PhysicalMemory, root: UInt64) {
        self.memory = memory
        self.root = root
        next = root + 0x1000
    }

    /// The EPT pointer: WB paging structures, 4-level walk, `accessedDirty` enables A/D flags.
    func pointer(accessedDirty: Bool = false) -> UInt64 { root | 6 | 3 << 3 | (accessedDirty ? 1 << 6 : 0) }

    /// Maps the guest-physical page `gpa` to host `hpa` with leaf bits `leaf` (RWX, memory type …); the tables
    /// above it get RWX.
    mutating func map(_ gpa: UInt64, to hpa: UInt64, leaf: UInt64, levels: Int = 1) {
        var table = root
        for depth in stride(from: 4, to: levels, by: -1) {
            let index = (gpa >> UInt64(12 + 9 * (depth - 1))) & 0x1FF
            let entry = memory.read(table + index * 8, size: 8)
            if entry & 7 == 0 {
                memory.write(table + index * 8, size: 8, next | 7)
                table = next
                next += 0x1000
            } else {
                table = entry & 0x000F_FFFF_FFFF_F000
            }
        }
        let index = (gpa >> UInt64(12 + 9 * (levels - 1))) & 0x1FF
        memory.write(table + index * 8, size: 8, hpa | leaf | (levels > 1 ? 0x80 : 0))
    }

    /// The leaf entry of `gpa` (4 KiB pages).
    func leaf(_ gpa: UInt64) -> UInt64 {
        var table = root
        for depth in stride(from: 4, to: 1, by: -1) {
            table = memory.read(table + ((gpa >> UInt64(12 + 9 * (depth - 1))) & 0x1FF) * 8, size: 8) & 0x000F_FFFF_FFFF_F000
        }
        return memory.read(table + ((gpa >> 12) & 0x1FF) * 8, size: 8)
    }
}

@Suite("EPT")
struct EPTTests {
    // swift-format-ignore: AlwaysUseLowerCamelCase
    static let WB: UInt64 = 6 << 3

    /// A machine whose guest-physical space is identity-mapped through EPT (RWX, write-back) below 0x90000,
    /// with the test page at guest-physical 0x200000 left to each test.
    static func machine() -> (TestMachine, EPTBuilder) {
        let m = TestMachine()
        var ept = EPTBuilder(m.memory, root: 0x300000)
        for page in stride(from: UInt64(0), to: 0x90000, by: 0x1000) { ept.map(page, to: page, leaf: 7 | WB) }
        m.cpu.controls.primary |= ExecutionControls.Primary.activateSecondary
        m.cpu.controls.secondary = ExecutionControls.Secondary.enableEPT
        m.cpu.controls.eptPointer = ept.pointer()
        return (m, ept)
    }

    enum Kind: String, CaseIterable, Sendable { case read, write, fetch }

    static func access(_ kind: Kind) -> [UInt8] {
        switch kind {
        case .read: return [0x48, 0x8B, 0x06]  // mov rax, [rsi]
        case .write: return [0x48, 0x89, 0x06]  // mov [rsi], rax
        case .fetch: return [0xFF, 0xE6]  // jmp rsi (then executes the HLT placed there)
        }
    }

    /// Every readable combination of R/W/X (write-only and write+execute are misconfigurations, tested apart)
    /// against every access: allowed, or an EPT violation with the qualification the SDM defines.
    @Test("Permission × access grid", arguments: [0, 1, 3, 4, 5, 7] as [UInt64], Kind.allCases)
    func grid(permissions: UInt64, kind: Kind) {
        var (m, ept) = Self.machine()
        ept.map(0x200000, to: 0x210000, leaf: permissions | Self.WB)
        m.memory.write(0x210000, size: 1, 0xF4)  // HLT, for fetches
        m.cpu.gpr[Reg.rsi] = 0x200000
        let needed: UInt64 = kind == .read ? 1 : (kind == .write ? 2 : 4)
        let outcome = m.run(Self.access(kind))
        if permissions & needed != 0 {
            #expect(TestMachine.reason(outcome) == ExitReason.hlt, "\(outcome)")
            if kind == .write { #expect(m.memory.read(0x210000, size: 8) == m.cpu.gpr[Reg.rax]) }
            return
        }
        guard case .exit(let exit) = outcome else { Issue.record("no exit"); return }
        #expect(exit.reason == ExitReason.eptViolation)
        let accessBits: UInt64 = kind == .read ? 1 : (kind == .write ? 2 : 4)
        #expect(exit.qualification == accessBits | permissions << 3 | 1 << 7 | 1 << 8)
        #expect(exit.guestPhysicalAddress == 0x200000)
        #expect(exit.guestLinearAddress == 0x200000)
        #expect(exit.instructionLength == 0)
        #expect(m.cpu.rip == (kind == .fetch ? 0x200000 : TestMachine.code), "fault-like: RIP at the access")
    }

    @Test(
        "Misconfigurations: write without read, bad memory types, reserved bits, a large PML4E",
        arguments: [
            (UInt64(2) | WB, 1), (UInt64(6) | WB, 1), (UInt64(7) | 2 << 3, 1), (UInt64(7) | 3 << 3, 1), (UInt64(7) | 7 << 3, 1),
            (UInt64(7) | WB | 1 << 50, 1),
        ])
    func misconfigurations(leaf: UInt64, levels: Int) {
        var (m, ept) = Self.machine()
        ept.map(0x200000, to: 0x210000, leaf: leaf, levels: levels)
        m.cpu.gpr[Reg.rsi] = 0x200000
        guard case .exit(let exit) = m.run(Self.access(.read)) else { Issue.record("no exit"); return }
        #expect(exit.reason == ExitReason.eptMisconfiguration)
        #expect(exit.qualification == 0 && exit.guestPhysicalAddress == 0x200000)
    }

    @Test("2 MiB and 1 GiB EPT pages, and a misaligned large page is a misconfiguration")
    func largePages() {
        var (m, ept) = Self.machine()
        ept.map(0x4000_0000, to: 0x0, leaf: 7 | Self.WB, levels: 3)  // 1 GiB at 1 GiB → host 0
        ept.map(0x200000, to: 0x200000, leaf: 7 | Self.WB, levels: 2)  // 2 MiB identity
        m.memory.write(0x212345, size: 1, 0x5A)
        m.cpu.gpr[Reg.rsi] = 0x4000_0000 + 0x212345
        m.run([0x8A, 0x06])  // mov al, [rsi]
        #expect(m.cpu.gpr[Reg.rax] & 0xFF == 0x5A)
        m.cpu.gpr[Reg.rsi] = 0x212345
        m.run([0x8A, 0x1E])  // mov bl, [rsi]
        #expect(m.cpu.gpr[Reg.rbx] & 0xFF == 0x5A)
        ept.map(0x600000, to: 0x201000, leaf: 7 | Self.WB, levels: 2)
        m.cpu.gpr[Reg.rsi] = 0x600000
        #expect(TestMachine.reason(m.run([0x8A, 0x06])) == ExitReason.eptMisconfiguration)
    }

    @Test("Accessed and dirty flags when the EPTP enables them")
    func accessedDirty() {
        var (m, ept) = Self.machine()
        m.cpu.controls.eptPointer = ept.pointer(accessedDirty: true)
        ept.map(0x200000, to: 0x210000, leaf: 7 | Self.WB)
        ept.map(0x201000, to: 0x211000, leaf: 7 | Self.WB)
        m.cpu.gpr[Reg.rsi] = 0x200000
        m.run(Self.access(.read))
        #expect(ept.leaf(0x200000) & 0x300 == 0x100, "a read sets A only")
        m.cpu.gpr[Reg.rsi] = 0x201000
        m.run(Self.access(.write))
        #expect(ept.leaf(0x201000) & 0x300 == 0x300, "a write sets A and D")
    }

    @Test("Guest paging-structure accesses go through EPT: a violation there has bit 8 clear")
    func pagingStructureAccess() {
        var (m, ept) = Self.machine()
        var tables = PageTables(m)
        for page in stride(from: UInt64(0), to: 0x90000, by: 0x1000) { tables.map(page, to: page, flags: 3) }
        tables.map(0x4000_0000, to: 0x200000, flags: 3)
        // EPT maps the guest page tables (0x100000…) — leave them unmapped to see the walk fault.
        for page in stride(from: UInt64(0x100000), to: tables.next, by: 0x1000) where page != tables.root {
            ept.map(page, to: page, leaf: 7 | Self.WB)
        }
        m.cpu.gpr[Reg.rsi] = 0x4000_0000
        guard case .exit(let exit) = m.run(Self.access(.read)) else { Issue.record("no exit"); return }
        #expect(exit.reason == ExitReason.eptViolation)
        #expect(exit.qualification & (1 << 8) == 0 && exit.qualification & (1 << 7) != 0)
        #expect(exit.guestPhysicalAddress?.value == tables.root + ((0x4000_0000 >> 39) & 0x1FF) * 8)
    }

    @Test("Composed EPT: L2-physical → EPT12 (tables in L1-physical) → EPT01 → host, and which level faulted")
    func composition() {
        var (m, ept01) = Self.machine()
        // L1-physical 0x3C0000… holds EPT12's tables; EPT01 maps those pages to the same host addresses.
        for page in stride(from: UInt64(0x3C0000), to: 0x3D0000, by: 0x1000) { ept01.map(page, to: page, leaf: 7 | Self.WB) }
        var ept12 = EPTBuilder(m.memory, root: 0x3C0000)
        ept12.map(0x200000, to: 0x3E0000, leaf: 7 | Self.WB)  // L2 0x200000 → L1 0x3E0000
        ept01.map(0x3E0000, to: 0x220000, leaf: 3 | Self.WB)  // L1 0x3E0000 → host 0x220000 (no execute)
        // L2's own code and stack pages: identity through both levels.
        for page in stride(from: UInt64(0), to: 0x90000, by: 0x1000) { ept12.map(page, to: page, leaf: 7 | Self.WB) }
        m.cpu.controls.eptPointer = ept12.pointer()
        m.cpu.controls.outerEPTPointers = [ept01.pointer()]
        m.memory.write(0x220000, size: 8, 0xC0FFEE)
        m.cpu.gpr[Reg.rsi] = 0x200000
        m.run(Self.access(.read))
        #expect(m.cpu.gpr[Reg.rax] == 0xC0FFEE)
        guard case .exit(let outer) = m.run(Self.access(.fetch)) else { Issue.record("no exit"); return }
        #expect(outer.reason == ExitReason.eptViolation && outer.eptLevel == 1, "EPT01 forbids execute")
        #expect(outer.guestPhysicalAddress == 0x3E0000)
        ept12.map(0x201000, to: 0x3E1000, leaf: 1 | Self.WB)
        m.cpu.gpr[Reg.rsi] = 0x201000
        guard case .exit(let inner) = m.run(Self.access(.write)) else { Issue.record("no exit"); return }
        #expect(inner.reason == ExitReason.eptViolation && inner.eptLevel == 0 && inner.guestPhysicalAddress == 0x201000)
    }

    @Test("Translations are tagged by EPTP: switching EPT pointers does not reuse the other context's entries")
    func taggedContexts() {
        var (m, ept) = Self.machine()
        var other = EPTBuilder(m.memory, root: 0x380000)
        for page in stride(from: UInt64(0), to: 0x90000, by: 0x1000) { other.map(page, to: page, leaf: 7 | Self.WB) }
        ept.map(0x200000, to: 0x210000, leaf: 7 | Self.WB)
        other.map(0x200000, to: 0x220000, leaf: 7 | Self.WB)
        m.memory.write(0x210000, size: 8, 1)
        m.memory.write(0x220000, size: 8, 2)
        m.cpu.gpr[Reg.rsi] = 0x200000
        var tables = PageTables(m)  // paging on, so the TLB caches linear → host
        for page in stride(from: UInt64(0), to: 0x90000, by: 0x1000) { tables.map(page, to: page, flags: 3) }
        tables.map(0x200000, to: 0x200000, flags: 3)
        for page in stride(from: UInt64(0x100000), to: tables.next, by: 0x1000) {
            ept.map(page, to: page, leaf: 7 | Self.WB)
            other.map(page, to: page, leaf: 7 | Self.WB)
        }
        m.run(Self.access(.read))
        #expect(m.cpu.gpr[Reg.rax] == 1)
        m.cpu.controls.eptPointer = other.pointer()
        m.run(Self.access(.read))
        #expect(m.cpu.gpr[Reg.rax] == 2)
        m.cpu.controls.eptPointer = ept.pointer()
        m.run(Self.access(.read))
        #expect(m.cpu.gpr[Reg.rax] == 1)
    }

    @Test("INVEPT through invalidateEPT drops stale guest-physical translations; INVVPID of one address drops one page")
    func invalidation() {
        var (m, ept) = Self.machine()
        var tables = PageTables(m)
        for page in stride(from: UInt64(0), to: 0x90000, by: 0x1000) { tables.map(page, to: page, flags: 3) }
        tables.map(0x200000, to: 0x200000, flags: 3)
        for page in stride(from: UInt64(0x100000), to: tables.next, by: 0x1000) { ept.map(page, to: page, leaf: 7 | Self.WB) }
        ept.map(0x200000, to: 0x210000, leaf: 7 | Self.WB)
        m.memory.write(0x210000, size: 8, 1)
        m.memory.write(0x220000, size: 8, 2)
        m.cpu.gpr[Reg.rsi] = 0x200000
        m.run(Self.access(.read))
        ept.map(0x200000, to: 0x220000, leaf: 7 | Self.WB)
        m.run(Self.access(.read))
        #expect(m.cpu.gpr[Reg.rax] == 1, "still the cached translation")
        m.cpu.invalidateEPT(m.cpu.controls.eptPointer)
        m.run(Self.access(.read))
        #expect(m.cpu.gpr[Reg.rax] == 2)
        ept.map(0x200000, to: 0x210000, leaf: 7 | Self.WB)
        m.cpu.invalidateVPID(0, address: 0x200000)
        m.run(Self.access(.read))
        #expect(m.cpu.gpr[Reg.rax] == 1)
    }
}
