import Machine
import NestErrors
import TestSupport
import Testing
import X86

/// Hostile images: ELF header and program-header fields set to extreme or random values. Every one is either
/// loaded within the physical address space or refused with a typed error; none may trap on overflow (the debug
/// build checks every operation) or wrap into a wrong message.
@Suite struct ImageFuzzTests {
    /// Offsets of the fields a loader does arithmetic with: e_phoff, e_phentsize, e_phnum, and p_offset,
    /// p_paddr, p_filesz, p_memsz of the first program header.
    static func fields(_ image: [UInt8]) -> [(offset: Int, size: Int)] {
        let ph = Int(image[32]) | Int(image[33]) << 8
        return [(32, 8), (54, 2), (56, 2), (ph + 8, 8), (ph + 24, 8), (ph + 32, 8), (ph + 40, 8)]
    }

    static func set(_ image: inout [UInt8], _ field: (offset: Int, size: Int), _ value: UInt64) {
        for k in 0..<field.size { image[field.offset + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(k))) }
    }

    @Test("A segment size that overflows is a bad image, not a wrong memory message")
    func hugeMemorySize() throws {
        var image = try ShippedGuests.bytes("hello")
        Self.set(&image, Self.fields(image)[6], 0xFFFF_FFFF_FFFF_0000)
        #expect(
            throws: MachineError.badImage("segment 0 (0x100000 + 0xffffffffffff0000 bytes) ends past the 46-bit physical address space")
        ) {
            try Machine(MachineConfiguration(memoryBytes: 64 << 20, image: image))
        }
    }

    @Test("Extreme and random header values never trap, and what loads fits the address space")
    func mutations() throws {
        let original = try ShippedGuests.bytes("hello")
        let fields = Self.fields(original)
        var random = SplitMix64(seed: 0x1DEA)
        let extremes: [UInt64] = [0, 1, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, .max, .max - 0xFFF, 1 << 46, (1 << 46) - 1]
        for round in 0..<4000 {
            var image = original
            for _ in 0...(round % 3) {
                let field = fields[Int(random.next() % UInt64(fields.count))]
                let value = round % 2 == 0 ? extremes[Int(random.next() % UInt64(extremes.count))] : random.next() >> (random.next() % 64)
                Self.set(&image, field, value)
            }
            guard let parsed = try? ELFImage(image) else { continue }
            for segment in parsed.segments {
                #expect(segment.physicalAddress.addingReportingOverflow(segment.memorySize).partialValue <= 1 << 46, "round \(round)")
            }
            if round % 20 == 0 {
                do {
                    _ = try Machine(MachineConfiguration(memoryBytes: 32 << 20, image: image))
                } catch {
                    #expect(!error.description.contains("0x0 "), "round \(round): \(error)")
                }
            }
        }
    }
}
