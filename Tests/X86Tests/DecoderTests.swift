import Testing
@testable import X86

@Suite("Decoder")
struct DecoderTests {
    func decode(_ bytes: [UInt8]) -> Result<Instruction, DecodeFailure> {
        bytes.withUnsafeBytes { Decoder.decode($0.baseAddress!, available: $0.count) }
    }

    @Test(
        "Lengths of representative encodings",
        arguments: [
            ([UInt8]([0x48, 0x01, 0xD8]), 3), ([0x66, 0x0F, 0x38, 0x80, 0x03], 5), ([0x64, 0x48, 0x8B, 0x04, 0x25, 0x10, 0, 0, 0], 9),
            ([0x48, 0xB8, 1, 2, 3, 4, 5, 6, 7, 8], 10), ([0xC8, 0x10, 0x00, 0x00], 4), ([0xF6, 0x04, 0x24, 0x01], 4),
            ([0xF7, 0x34, 0x24], 3), ([0x48, 0x8D, 0x05, 0, 1, 0, 0], 7), ([0x66, 0x0F, 0x3A, 0x0F, 0xC1, 0x08], 6),
            ([0x66, 0x66, 0x2E, 0x0F, 0x1F, 0x84, 0, 0, 0, 0, 0], 11),
        ])
    func lengths(bytes: [UInt8], length: Int) throws {
        let inst = try decode(bytes).get()
        #expect(Int(inst.length) == length)
    }

    @Test(
        "Encodings invalid in 64-bit mode are #UD",
        arguments: [
            [UInt8]([0x06]), [0x27], [0x60], [0x62, 0x00], [0x9A, 0, 0, 0, 0, 0, 0], [0xD4, 0x0A], [0xEA], [0xC4, 0xE1, 0x00],
            [0x0F, 0x04],
        ])
    func invalid(bytes: [UInt8]) {
        #expect(throws: DecodeFailure.invalidOpcode) { try decode(bytes).get() }
    }

    @Test("More than 15 bytes is refused; a REX before another prefix is ignored")
    func limits() throws {
        #expect(throws: DecodeFailure.tooLong) { try decode([UInt8](repeating: 0x66, count: 15) + [0x90]).get() }
        let inst = try decode([0x48, 0x66, 0x01, 0xD8]).get()  // REX.W then 66: the REX is dropped
        #expect(inst.operandSize == 2 && inst.rex == 0)
    }
}
