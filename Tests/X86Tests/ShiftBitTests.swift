import Testing
@testable import X86

/// Raw-byte tests of shifts, rotates and bit operations (the differential test covers them at random too).
@Suite("Shifts, rotates and bit operations")
struct ShiftBitTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        var rax: UInt64
        var rcx: UInt64 = 0
        var result: UInt64
        /// Flags to check, and their expected values.
        var mask: UInt64
        var flags: UInt64
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "shl rax, 1 into CF and OF", bytes: [0x48, 0xD1, 0xE0], rax: 1 << 63, result: 0, mask: CF | OF | ZF, flags: CF | OF | ZF),
        Case(
            name: "shr eax, cl (count 33 masks to 1) zero-extends", bytes: [0xD3, 0xE8], rax: 0xFFFF_FFFF_0000_0003, rcx: 33, result: 1,
            mask: CF, flags: CF),
        Case(
            name: "sar keeps the sign", bytes: [0x48, 0xC1, 0xF8, 0x04], rax: 0x8000_0000_0000_0000, result: 0xF800_0000_0000_0000,
            mask: SF | CF, flags: SF),
        Case(name: "rol al, 1 changes only CF/OF", bytes: [0xD0, 0xC0], rax: 0x81, result: 0x03, mask: CF | OF, flags: CF | OF),
        Case(name: "rcr rax, 1 rotates CF in", bytes: [0xF9, 0x48, 0xD1, 0xD8], rax: 2, result: 1 << 63 | 1, mask: CF, flags: 0),
        Case(
            name: "shl by 0 changes nothing but zero-extends", bytes: [0xD3, 0xE0], rax: 0xFFFF_FFFF_0000_0001, rcx: 0, result: 1, mask: 0,
            flags: 0),
        Case(
            name: "shld eax, edx, 8", bytes: [0x0F, 0xA4, 0xD0, 0x08], rax: 0x1122_3344, rcx: 0, result: 0x2233_44AB, mask: CF, flags: CF),
        Case(name: "bsr rax, rax", bytes: [0x48, 0x0F, 0xBD, 0xC0], rax: 0x0000_0100_0000_0000, result: 40, mask: ZF, flags: 0),
        Case(
            name: "tzcnt of zero gives the width and CF", bytes: [0xF3, 0x48, 0x0F, 0xBC, 0xC0], rax: 0, result: 64, mask: CF | ZF,
            flags: CF),
        Case(name: "lzcnt eax", bytes: [0xF3, 0x0F, 0xBD, 0xC0], rax: 0x0000_FFFF, result: 16, mask: CF | ZF, flags: 0),
        Case(name: "popcnt rax", bytes: [0xF3, 0x48, 0x0F, 0xB8, 0xC0], rax: 0xF0F0, result: 8, mask: Flag.arithmetic, flags: 0),
        Case(name: "bts rax, 63", bytes: [0x48, 0x0F, 0xBA, 0xE8, 0x3F], rax: 1, result: 1 << 63 | 1, mask: CF, flags: 0),
        Case(
            name: "btr eax, ecx with a large offset (mod 32)", bytes: [0x0F, 0xB3, 0xC8], rax: 0xFF, rcx: 33, result: 0xFD, mask: CF,
            flags: CF),
        Case(name: "bswap rax", bytes: [0x48, 0x0F, 0xC8], rax: 0x0102_0304_0506_0708, result: 0x0807_0605_0403_0201, mask: 0, flags: 0),
    ]

    @Test("Result and defined flags", arguments: cases)
    func shiftsAndBits(_ c: Case) {
        let m = TestMachine()
        m.cpu.gpr[Reg.rax] = c.rax
        m.cpu.gpr[Reg.rcx] = c.rcx
        m.cpu.gpr[Reg.rdx] = 0xAB00_0000
        #expect(TestMachine.reason(m.run(c.bytes)) == ExitReason.hlt)
        #expect(m.cpu.gpr[Reg.rax] == c.result)
        #expect(m.cpu.rflags & c.mask == c.flags)
    }

    @Test("BT with a register offset reaches beyond the addressed word in memory")
    func bitString() {
        let m = TestMachine()
        m.memory.write(0x10008, size: 8, 1 << 3)  // bit 67 of the string at 0x10000
        m.cpu.gpr[Reg.rsi] = 0x10000
        m.cpu.gpr[Reg.rcx] = 67
        m.run([0x48, 0x0F, 0xA3, 0x0E])  // bt [rsi], rcx
        #expect(m.cpu.rflags & CF != 0)
        m.cpu.gpr[Reg.rsi] = 0x10010
        m.cpu.gpr[Reg.rcx] = UInt64(bitPattern: -61)  // bit 3 of the qword 8 bytes below
        m.run([0x48, 0x0F, 0xA3, 0x0E])
        #expect(m.cpu.rflags & CF != 0)
    }
}
