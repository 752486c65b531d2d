/// The fetch window: the translation of the current code page and its decoded instructions (kept per physical
/// page by `PhysicalMemory`), so fetching while RIP stays on one page costs a compare and a load.
///
/// A store drops exactly the decoded instructions whose bytes it overlaps (`PhysicalMemory.noteWrite`), so an
/// entry with a length is always the decoding of the bytes now in memory, and self-modifying code runs correctly.
/// Instructions that cross a page boundary are decoded every time.
struct FetchWindow {
    /// Linear page of RIP (or `invalidPage`) and its physical page's decoded instructions. It is dropped
    /// whenever translations or CS change, so using it needs no other check.
    var windowLinearPage: UInt64 = FetchWindow.invalidPage
    var windowInstructions: UnsafeMutablePointer<Instruction>? = nil
    var windowHostPage: UInt64 = 0
    /// Windows RIP left, direct-mapped by the low bits of the linear page: a call into another page and the
    /// return from it find their translation here. Dropped with the window, so as exact as it is.
    let recent: UnsafeMutablePointer<Recent>
    static let recentSlots = 8
    static let invalidPage: UInt64 = 1

    struct Recent {
        var linearPage = FetchWindow.invalidPage
        var hostPage: UInt64 = 0
    }

    init() {
        recent = .allocate(capacity: Self.recentSlots)
        recent.initialize(repeating: Recent(), count: Self.recentSlots)
    }

    func deallocate() { recent.deallocate() }

    /// The host page a window on `linearPage` had, if it is remembered.
    @inline(__always)
    func recalledHostPage(_ linearPage: UInt64) -> UInt64? {
        let slot = recent + Int(linearPage >> 12) & (Self.recentSlots - 1)
        return slot.pointee.linearPage == linearPage ? slot.pointee.hostPage : nil
    }

    /// Moves the window to `linearPage`, remembering the one it leaves.
    @inline(__always)
    mutating func move(to linearPage: UInt64, hostPage: UInt64, instructions: UnsafeMutablePointer<Instruction>) {
        if windowLinearPage != Self.invalidPage {
            recent[Int(windowLinearPage >> 12) & (Self.recentSlots - 1)] = Recent(linearPage: windowLinearPage, hostPage: windowHostPage)
        }
        windowLinearPage = linearPage
        windowHostPage = hostPage
        windowInstructions = instructions
    }

    /// Forgets the window and every remembered one.
    @inline(__always)
    mutating func invalidate() {
        windowLinearPage = Self.invalidPage
        for slot in 0..<Self.recentSlots { recent[slot].linearPage = Self.invalidPage }
    }
}

extension CPU {
    /// The instruction at RIP, decoded once for as long as its bytes stay unchanged.
    @inline(__always)
    func fetch() throws(Event) -> Instruction {
        if rip & ~0xFFF == fetchWindow.windowLinearPage {
            let entry = fetchWindow.windowInstructions.unsafelyUnwrapped + Int(rip & 0xFFF)
            if entry.pointee.length != 0 { return entry.pointee }
        }
        return try fetchSlow()
    }

    func fetchSlow() throws(Event) -> Instruction {
        let linearPage = rip & ~0xFFF
        let host: UInt64
        if let hostPage = fetchWindow.recalledHostPage(linearPage) {
            host = hostPage | rip & 0xFFF
        } else {
            host = try translate(rip, .execute)
        }
        let page = Int(host >> 12)
        let inPage = Int(0x1000 - (host & 0xFFF))
        if page < memory.pageCount {
            let array = memory.decodedInstructions(page: page)
            fetchWindow.move(to: linearPage, hostPage: host & ~0xFFF, instructions: array)
            // RIP moved to another page: its instructions may be decoded already.
            let entry = array[Int(host & 0xFFF)]
            if entry.length != 0 { return entry }
            decodeMisses &+= 1
            if inPage >= 15 {
                switch Decoder.decode(memory.bytes + Int(host), available: 15) {
                case .success(let inst):
                    memory.cache(inst, page: page, offset: Int(host & 0xFFF))
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
                        memory.cache(inst, page: page, offset: Int(host & 0xFFF))
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
    func invalidateFetchWindow() { fetchWindow.invalidate() }
}
