/// How memory is being accessed: it selects the TLB, the permission checks and the fault bits.
public enum Access: Int, Sendable {
    case read = 0, write = 1, execute = 2
}

/// A software TLB of combined linear → host translations (4 KiB granules), tagged the way the SDM allows
/// translations to be cached ("Caching Translation Information"): by PCID and privilege in each entry, and by
/// VPID and EPTP through one set of entries per context. Separate arrays per access kind mean a hit needs one
/// compare and no permission check: an entry is only filled after a walk that allowed that access.

struct TLB {
    static let entries = 1024
    static let contexts = 4
    /// Tag: valid 63, user 62, PCID 61:50, linear page number 44:0.
    let tags: UnsafeMutablePointer<UInt64>
    /// Host page base; bit 0 marks a global translation.
    let hosts: UnsafeMutablePointer<UInt64>
    /// The first entry of the active context, per access kind.
    var base = 0
    /// (VPID, EPTP) of each context slot, and when it was last used.
    var contextKeys: [(vpid: UInt16, eptp: UInt64)?] = Array(repeating: nil, count: TLB.contexts)
    var contextUse: [UInt64] = Array(repeating: 0, count: TLB.contexts)
    var useClock: UInt64 = 0
    var active = 0

    init() {
        let count = Self.entries * 3 * Self.contexts
        tags = .allocate(capacity: count)
        tags.initialize(repeating: 0, count: count)
        hosts = .allocate(capacity: count)
        hosts.initialize(repeating: 0, count: count)
        contextKeys[0] = (0, 0)
    }

    /// Frees the entry buffers; the owning processor calls it once, from its deinit.
    func deallocate() {
        tags.deallocate()
        hosts.deallocate()
    }

    @inline(__always)
    static func tag(_ linear: UInt64, user: Bool, pcid: UInt64) -> UInt64 {
        (1 << 63) | (user ? 1 << 62 : 0) | (pcid & 0xFFF) << 50 | (linear >> 12) & pageMask
    }
    /// The linear page number's bits in a tag.
    static let pageMask: UInt64 = 0x1FFF_FFFF_FFFF
    /// A tag no entry holds (bits 49:45 are always clear in a stored one).
    static let neverMatches: UInt64 = ~0

    @inline(__always)
    func slot(_ linear: UInt64, _ access: Access) -> Int {
        base + access.rawValue * Self.entries + Int((linear >> 12) & UInt64(Self.entries - 1))
    }

    /// The host page for `linear`, or nil on a miss.
    @inline(__always)
    func lookup(_ linear: UInt64, _ access: Access, tag: UInt64) -> UInt64? {
        let i = slot(linear, access)
        return tags[i] == tag ? hosts[i] & ~0xFFF : nil
    }

    @inline(__always)
    mutating func fill(_ linear: UInt64, _ access: Access, tag: UInt64, host: UInt64, global: Bool) {
        let i = slot(linear, access)
        tags[i] = tag
        hosts[i] = host | (global ? 1 : 0)
    }

    /// Makes the context for (VPID, EPTP) active, reusing the least recently used slot for a new one.
    mutating func selectContext(vpid: UInt16, eptPointer: UInt64) {
        useClock += 1
        if let found = contextKeys.firstIndex(where: { $0?.vpid == vpid && $0?.eptp == eptPointer }) {
            active = found
        } else {
            active = contextUse.enumerated().min { $0.element < $1.element }!.offset
            contextKeys[active] = (vpid, eptPointer)
            flushSlot(active, keepGlobal: false)
        }
        contextUse[active] = useClock
        base = active * 3 * Self.entries
    }

    func flushSlot(_ slot: Int, keepGlobal: Bool, pcid: UInt64? = nil) {
        let start = slot * 3 * Self.entries
        for i in start..<(start + 3 * Self.entries) {
            if keepGlobal, hosts[i] & 1 != 0 { continue }
            if let pcid, (tags[i] >> 50) & 0xFFF != pcid { continue }
            tags[i] = 0
        }
    }

    /// Drops the active context's translations (MOV to CR3 keeps global ones; CR4 changes drop all).
    mutating func flushActive(keepGlobal: Bool, pcid: UInt64? = nil) { flushSlot(active, keepGlobal: keepGlobal, pcid: pcid) }

    /// Drops every translation of one linear page in the active context (INVLPG, INVVPID type 0).
    mutating func flushPage(_ linear: UInt64) {
        for kind in 0...Access.execute.rawValue {  // one slot per access kind
            let i = slot(linear, Access.read) + kind * Self.entries
            if tags[i] & Self.pageMask == (linear >> 12) & Self.pageMask { tags[i] = 0 }
        }
    }

    /// Drops the contexts of one VPID (INVVPID single-context), or all (all-context).
    mutating func flush(vpid: UInt16?) {
        for (i, key) in contextKeys.enumerated() where key != nil && (vpid == nil || key!.vpid == vpid) {
            flushSlot(i, keepGlobal: false)
        }
    }

    /// Drops the contexts of one EPTP (INVEPT single-context), or all (all-context).
    mutating func flush(eptPointer: UInt64?) {
        for (i, key) in contextKeys.enumerated() where key != nil && (eptPointer == nil || key!.eptp & ~0xFFF == eptPointer! & ~0xFFF) {
            flushSlot(i, keepGlobal: false)
        }
    }
}
