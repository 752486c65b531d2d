/// Decoded instructions cached by the host-physical address of their first byte.
///
/// Each entry remembers the generation of its page; a store to a page that holds decoded code bumps the
/// generation (see `PhysicalMemory`), so stale entries are never used and self-modifying code runs correctly.
/// Instructions that cross a page boundary are decoded every time.

struct DecodeCache {
    static let size = 1 << 15
    let keys: UnsafeMutablePointer<UInt64>
    let generations: UnsafeMutablePointer<UInt32>
    let instructions: UnsafeMutablePointer<Instruction>

    init() {
        keys = .allocate(capacity: Self.size)
        keys.initialize(repeating: .max, count: Self.size)
        generations = .allocate(capacity: Self.size)
        generations.initialize(repeating: 0, count: Self.size)
        instructions = .allocate(capacity: Self.size)
        instructions.initialize(repeating: Instruction(), count: Self.size)
    }

    @inline(__always)
    static func slot(_ host: UInt64) -> Int { Int((host ^ (host >> 15)) & UInt64(size - 1)) }
}

extension CPU {
    /// The instruction at RIP: from the cache, or decoded (and cached when it lies within one page).
    @inline(__always)
    func fetch() throws(Event) -> Instruction {
        let host = try translate(rip, .execute)
        let page = Int(host >> 12)
        if page < memory.pageCount {
            let slot = DecodeCache.slot(host)
            if decodeCache.keys[slot] == host && decodeCache.generations[slot] == memory.generation[page] {
                if collectsStatistics { statistics.decodeHits &+= 1 }
                return decodeCache.instructions[slot]
            }
        }
        return try fetchSlow(host)
    }


    func fetchSlow(_ host: UInt64) throws(Event) -> Instruction {
        if collectsStatistics { statistics.decodeMisses &+= 1 }
        let inPage = Int(0x1000 - (host & 0xFFF))
        let page = Int(host >> 12)
        if page < memory.pageCount && inPage >= 15 {
            switch Decoder.decode(memory.bytes + Int(host), available: 15) {
            case .success(let inst):
                let slot = DecodeCache.slot(host)
                decodeCache.keys[slot] = host
                decodeCache.generations[slot] = memory.generation[page]
                decodeCache.instructions[slot] = inst
                memory.codePage[page] = true
                return inst
            case .failure(let failure):
                throw .fault(failure == .tooLong ? .generalProtection(0) : .invalidOpcode)
            }
        }
        // Near the end of a page (or outside memory): gather bytes one by one; the next page is only touched if
        // the instruction really continues there.
        var buffer: (UInt64, UInt64) = (0, 0)
        return try withUnsafeMutableBytes(of: &buffer) { (raw) throws(Event) -> Instruction in
            var available = 0
            while true {
                switch Decoder.decode(UnsafeRawPointer(raw.baseAddress!), available: available) {
                case .success(let inst): return inst
                case .failure(.needMoreBytes) where available < 15:
                    let byteHost = try translate(rip &+ UInt64(available), .execute)
                    raw[available] = UInt8(truncatingIfNeeded: memory.read(byteHost, size: 1))
                    available += 1
                case .failure(.invalidOpcode): throw .fault(.invalidOpcode)
                case .failure: throw .fault(.generalProtection(0))
                }
            }
        }
    }

    /// Drops every cached decoding (after the caller changed memory behind the processor's back).
    public func invalidateDecodedInstructions() {
        decodeCache.keys.update(repeating: .max, count: DecodeCache.size)
    }
}
