#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decoded instructions kept per physical code page, indexed by offset, plus a fetch window: the translation
/// of the current code page and its decoded array, so fetching while RIP stays on one page costs a compare and
/// a load.
///
/// Each page's array remembers the page's generation; a store to a page that holds decoded code bumps the
/// generation (see `PhysicalMemory`), so stale entries are dropped before use and self-modifying code runs
/// correctly. Instructions that cross a page boundary are decoded every time.
struct DecodeCache {
    /// Decoded arrays by physical page number (4096 entries each; `length == 0` means not decoded), nil until the
    /// page is first fetched from. The table is an anonymous mapping, so pages never executed cost nothing.
    let pages: UnsafeMutablePointer<UnsafeMutablePointer<Instruction>?>
    /// The generation each page's array was decoded under.
    let pageGenerations: UnsafeMutablePointer<UInt32>
    let pageCount: Int

    /// The fetch window: linear page of RIP (or `invalidPage`), the page's code flag, and the decoded array. It is dropped whenever translations or CS change, so using it needs no other check.
    var windowLinearPage: UInt64 = DecodeCache.invalidPage
    var windowCodeFlag: UnsafeMutablePointer<Bool>? = nil
    var windowInstructions: UnsafeMutablePointer<Instruction>? = nil
    static let invalidPage: UInt64 = 1

    /// An empty cache for a memory of `pageCount` pages.
    init(pageCount: Int) {
        self.pageCount = max(pageCount, 1)
        pages = Self.map(count: self.pageCount)
        pageGenerations = Self.map(count: self.pageCount)
    }

    static func map<T>(count: Int) -> UnsafeMutablePointer<T> {
        let bytes = count * MemoryLayout<T>.stride
        guard let raw = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0), raw != MAP_FAILED else {
            fatalError("cannot map \(bytes) bytes for decoded instructions")
        }
        return raw.bindMemory(to: T.self, capacity: count)
    }

    /// Frees the decoded arrays and the tables.
    func deallocate() {
        for page in 0..<pageCount { pages[page]?.deallocate() }
        munmap(pages, pageCount * MemoryLayout<UnsafeMutablePointer<Instruction>?>.stride)
        munmap(pageGenerations, pageCount * MemoryLayout<UInt32>.stride)
    }

    /// The decoded array for physical page `page`, emptied if the page changed since it was filled.
    @inline(__always)
    func instructions(forPage page: Int, generation: UInt32) -> UnsafeMutablePointer<Instruction> {
        if let existing = pages[page] {
            if pageGenerations[page] != generation {
                existing.update(repeating: Instruction(), count: 4096)
                pageGenerations[page] = generation
            }
            return existing
        }
        let array = UnsafeMutablePointer<Instruction>.allocate(capacity: 4096)
        array.initialize(repeating: Instruction(), count: 4096)
        pages[page] = array
        pageGenerations[page] = generation
        return array
    }
}

extension CPU {
    /// The instruction at RIP, decoded once per page generation.
    @inline(__always)
    func fetch() throws(Event) -> Instruction {
        // A store to the page clears its code flag (and bumps its generation), so the flag says the decoded
        // entries are still good.
        if rip & ~0xFFF == decodeCache.windowLinearPage, decodeCache.windowCodeFlag.unsafelyUnwrapped.pointee {
            let entry = decodeCache.windowInstructions.unsafelyUnwrapped + Int(rip & 0xFFF)
            if entry.pointee.length != 0 { return entry.pointee }
        }
        return try fetchSlow()
    }

    func fetchSlow() throws(Event) -> Instruction {
        let host = try translate(rip, .execute)
        let page = Int(host >> 12)
        let inPage = Int(0x1000 - (host & 0xFFF))
        if page < memory.pageCount {
            let array = decodeCache.instructions(forPage: page, generation: memory.generation[page])
            memory.codePage[page] = true
            decodeCache.windowLinearPage = rip & ~0xFFF
            decodeCache.windowCodeFlag = memory.codePage + page
            decodeCache.windowInstructions = array
            // RIP moved to another page: its instructions may be decoded already.
            let entry = array[Int(host & 0xFFF)]
            if entry.length != 0 { return entry }
            decodeMisses &+= 1
            if inPage >= 15 {
                switch Decoder.decode(memory.bytes + Int(host), available: 15) {
                case .success(let inst):
                    array[Int(host & 0xFFF)] = inst
                    return inst
                case .failure(let failure):
                    throw .fault(failure == .tooLong ? .generalProtection(0) : .invalidOpcode)
                }
            }
        }
        // Near the end of a page (or outside memory): gather bytes one by one; the next page is only touched if
        // the instruction really continues there.
        if page >= memory.pageCount { decodeMisses &+= 1 }
        var buffer: (UInt64, UInt64) = (0, 0)
        return try withUnsafeMutableBytes(of: &buffer) { (raw) throws(Event) -> Instruction in
            var available = 0
            while true {
                switch Decoder.decode(UnsafeRawPointer(raw.baseAddress!), available: available) {
                case .success(let inst):
                    // Kept when it ends on this page: then it depends on no other page's bytes.
                    if page < memory.pageCount && Int(inst.length) <= inPage {
                        decodeCache.windowInstructions.unsafelyUnwrapped[Int(host & 0xFFF)] = inst
                    }
                    return inst
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

    /// Forgets the fetch window (translations may have changed).
    @inline(__always)
    func invalidateFetchWindow() { decodeCache.windowLinearPage = DecodeCache.invalidPage }

    /// Drops every cached decoding (after the caller changed memory behind the processor's back).
    public func invalidateDecodedInstructions() {
        for page in 0..<decodeCache.pageCount {
            guard let array = decodeCache.pages[page] else { continue }
            array.update(repeating: Instruction(), count: 4096)
            decodeCache.pageGenerations[page] = memory.generation[page]
        }
        invalidateFetchWindow()
    }
}
