/// Why bytes are not a loadable ELF64 executable for this processor.
public enum ELFError: Error, Equatable, Sendable {
    case notELF
    case not64BitLittleEndian
    case notX8664
    case notExecutable
    case truncated(String)
    case segmentOutsideMemory(address: UInt64, size: UInt64)
    /// Segment `index` (counting program headers from 0) would end past the physical address space: its
    /// address plus its memory size passes 2^MAXPHYADDR, or wraps around.
    case segmentTooLarge(index: Int, address: UInt64, size: UInt64)
}

/// A statically linked ELF64 x86-64 executable: its entry point and loadable segments (System V ABI, "ELF
/// Header" and "Program Header").
public struct ELFImage: Sendable {
    /// A PT_LOAD segment.
    public struct Segment: Sendable {
        /// Where the segment loads (p_paddr).
        public var physicalAddress: UInt64
        /// Where the program expects it (p_vaddr).
        public var virtualAddress: UInt64
        /// Its bytes in the file (p_filesz).
        public var data: [UInt8]
        /// Size in memory; bytes past `data` are zero.
        public var memorySize: UInt64
    }

    /// The entry point (e_entry).
    public var entry: UInt64
    /// The loadable segments, in file order.
    public var segments: [Segment]

    /// Parses `bytes`.
    public init(_ bytes: [UInt8]) throws(ELFError) {
        guard bytes.count >= 64, bytes[0] == 0x7F, bytes[1] == 0x45, bytes[2] == 0x4C, bytes[3] == 0x46 else { throw .notELF }
        guard bytes[4] == 2, bytes[5] == 1 else { throw .not64BitLittleEndian }
        func u16(_ o: Int) -> UInt64 { UInt64(bytes[o]) | UInt64(bytes[o + 1]) << 8 }
        func u32(_ o: Int) -> UInt64 { u16(o) | u16(o + 2) << 16 }
        func u64(_ o: Int) -> UInt64 { u32(o) | u32(o + 4) << 32 }
        guard u16(18) == 62 else { throw .notX8664 }
        guard u16(16) == 2 else { throw .notExecutable }
        entry = u64(24)
        // Every sum below is checked: the fields are the file's to choose, and X86 is built -Ounchecked.
        let length = UInt64(bytes.count)
        let headerOffset = u64(32), headerSize = u16(54), headerCount = u16(56)
        let tableSize = headerSize * headerCount  // both 16-bit: no overflow
        guard headerSize >= 56, headerOffset <= length, tableSize <= length - headerOffset else { throw .truncated("program headers") }
        let addressSpace: UInt64 = 1 << CPU.physicalAddressBits
        segments = []
        for k in 0..<Int(headerCount) {
            let h = Int(headerOffset) + k * Int(headerSize)
            guard u32(h) == 1 else { continue }  // PT_LOAD
            let offset = u64(h + 8), fileSize = u64(h + 32), memorySize = u64(h + 40), address = u64(h + 24)
            guard offset <= length, fileSize <= length - offset, fileSize <= memorySize else { throw .truncated("segment \(k)") }
            guard address < addressSpace, memorySize <= addressSpace - address else {
                throw .segmentTooLarge(index: k, address: address, size: memorySize)
            }
            segments.append(
                Segment(
                    physicalAddress: address, virtualAddress: u64(h + 16),
                    data: Array(bytes[Int(offset)..<Int(offset + fileSize)]), memorySize: memorySize))
        }
    }

    /// Copies the segments to their physical addresses (zero-filling to their memory size).
    public func load(into memory: PhysicalMemory) throws(ELFError) {
        for segment in segments {
            guard memory.contains(segment.physicalAddress, count: Int(segment.memorySize)) else {
                throw .segmentOutsideMemory(address: segment.physicalAddress, size: segment.memorySize)
            }
            memory.load(
                segment.data + [UInt8](repeating: 0, count: Int(segment.memorySize) - segment.data.count), at: segment.physicalAddress)
        }
    }
}
