import X86

/// A section of the SDM's chapter "VM Entries" that holds entry checks, by number and title (SDM vol. 3).
public struct EntrySection: Equatable, Sendable {
    /// The section number, e.g. "27.3.1.1".
    public let number: String
    /// The section title.
    public let title: String

    static let executionControls = EntrySection(number: "27.2.1.1", title: "VM-Execution Control Fields")
    static let exitControls = EntrySection(number: "27.2.1.2", title: "VM-Exit Control Fields")
    static let entryControls = EntrySection(number: "27.2.1.3", title: "VM-Entry Control Fields")
    static let hostControlRegisters = EntrySection(number: "27.2.2", title: "Checks on Host Control Registers and MSRs")
    static let hostSegments = EntrySection(number: "27.2.3", title: "Checks on Host Segment and Descriptor-Table Registers")
    static let hostAddressSpace = EntrySection(number: "27.2.4", title: "Checks Related to Address-Space Size")
    static let guestControlRegisters = EntrySection(
        number: "27.3.1.1", title: "Checks on Guest Control Registers, Debug Registers, and MSRs")
    static let guestSegments = EntrySection(number: "27.3.1.2", title: "Checks on Guest Segment Registers")
    static let guestDescriptorTables = EntrySection(number: "27.3.1.3", title: "Checks on Guest Descriptor-Table Registers")
    static let guestRIPAndRFLAGS = EntrySection(number: "27.3.1.4", title: "Checks on Guest RIP and RFLAGS")
    static let guestNonRegisterState = EntrySection(number: "27.3.1.5", title: "Checks on Guest Non-Register State")
    static let loadingMSRs = EntrySection(number: "27.4", title: "Loading MSRs")
}

/// What a failed check makes of the VM entry (SDM vol. 3, "VM Entries"): VMfailValid for the controls and the
/// host state, a VM exit with bit 31 of the exit reason set for the guest state and the MSR-load list.
public enum EntryCheckArea: Sendable {
    /// VMfailValid(7), "VM entry with invalid control field(s)".
    case controls
    /// VMfailValid(8), "VM entry with invalid host-state field(s)".
    case hostState
    /// Exit reason 33 with the check's qualification.
    case guestState(qualification: UInt64)
}

/// What the checks look at: the VMCS, and the little they need from outside it — whether the processor that
/// executes VMLAUNCH or VMRESUME is in IA-32e mode, and the revision word of the VMCS link pointer's region.
/// Pure values: the same checks serve any level that runs the engine. The checks read fields through the
/// subscript and the helpers below, which note the fields they read when `EntryCheckMemo` asks them to.
public struct EntryInputs {
    /// The VMCS being entered.
    public let vmcs: VMCS12
    /// IA32_EFER.LMA of the processor executing the entry instruction.
    public let inIA32eMode: Bool
    /// Reads the 32 bits at an L1-physical address (the link pointer's region), nil outside L1's memory.
    let readMemory: (UInt64) -> UInt32?
    /// Where the fields read are noted (a bit per slot, `EntryCheckMemo.memorySlot` for memory), or nil.
    var reads: UnsafeMutablePointer<SlotSet>?

    /// Inputs for one entry.
    public init(vmcs: VMCS12, inIA32eMode: Bool, readWord: @escaping (UInt64) -> UInt32?) {
        self.vmcs = vmcs
        self.inIA32eMode = inIA32eMode
        self.readMemory = readWord
    }

    @inline(__always) func note(_ slot: Int) { reads?.pointee.insert(slot) }
    subscript(field: VMCSField) -> UInt64 {
        note(field.slot)
        return vmcs[field]
    }
    func u32(_ field: VMCSField) -> UInt32 { UInt32(truncatingIfNeeded: self[field]) }
    /// The 32 bits at an L1-physical address: a check that reads memory is run at every entry.
    func readWord(_ address: UInt64) -> UInt32? {
        note(EntryCheckMemo.memorySlot)
        return readMemory(address)
    }
    func has(pin bit: UInt32) -> Bool { u32(.pinBasedVMExecControl) & bit != 0 }
    func has(primary bit: UInt32) -> Bool { u32(.cpuBasedVMExecControl) & bit != 0 }
    func has(secondary bit: UInt32) -> Bool {
        has(primary: ExecutionControls.Primary.activateSecondary) && u32(.secondaryVMExecControl) & bit != 0
    }
    func has(exit bit: UInt32) -> Bool { u32(.vmExitControls) & bit != 0 }
    func has(entry bit: UInt32) -> Bool { u32(.vmEntryControls) & bit != 0 }
    var ia32eModeGuest: Bool { has(entry: EntryControls.ia32eModeGuest) }
    /// The VM-entry interruption-information field, when its valid bit is set.
    var injection: (vector: UInt32, type: UInt32, deliversErrorCode: Bool)? {
        let info = u32(.vmEntryIntrInfoField)
        guard info >> 31 != 0 else { return nil }
        return (info & 0xFF, info >> 8 & 7, info & 1 << 11 != 0)
    }
}

/// One VM-entry check: a stable identifier, the SDM section that states it, the field it is about, and the
/// predicate, which returns nil when the VMCS passes and otherwise says what is wrong with the field's value.
public struct EntryCheck: Sendable {
    /// The stable identifier, e.g. `guest.cr0.pg-without-pe`.
    public let id: String
    /// The section of "VM Entries" that states the check.
    public let section: EntrySection
    /// The field whose value the diagnostic shows.
    public let field: VMCSField
    /// What a failure makes of the entry.
    public let area: EntryCheckArea
    let complaint: @Sendable (EntryInputs) -> String?

    init(
        _ id: String, _ section: EntrySection, _ field: VMCSField, _ area: EntryCheckArea,
        _ complaint: @escaping @Sendable (EntryInputs) -> String?
    ) {
        self.id = id
        self.section = section
        self.field = field
        self.area = area
        self.complaint = complaint
    }
}

/// A check that failed, with what to tell the L1 author.
public struct EntryFailure: Sendable, Equatable {
    /// The check's identifier.
    public let id: String
    /// Its section.
    public let section: EntrySection
    /// The field and its value.
    public let field: VMCSField
    /// The field's value.
    public let value: UInt64
    /// What is wrong and what would be allowed.
    public let complaint: String
    /// What the failure makes of the entry.
    public let result: EntryResult

    /// The diagnostic: `guest.cr0.fixed-bits (SDM 27.3.1.1 "…"): GUEST_CR0 = 0x11 has …`.
    public var diagnostic: String {
        "\(id) (SDM \(section.number) \"\(section.title)\"): \(field.name) = 0x\(String(value, radix: 16)) \(complaint)"
    }
}

/// The architectural result of a failed entry.
public enum EntryResult: Sendable, Equatable {
    /// VMfailValid with this error.
    case failValid(VMInstructionError)
    /// A VM exit that ends the entry: reason 33 or 34 with bit 31 set, and the qualification.
    case failureExit(reason: ExitReason, qualification: UInt64)
}

extension EntryCheck {
    /// Runs the check; a failure names the check, the field and its value.
    public func evaluate(_ inputs: EntryInputs) -> EntryFailure? {
        guard let complaint = complaint(inputs) else { return nil }
        let result: EntryResult
        switch area {
        case .controls: result = .failValid(.entryInvalidControlFields)
        case .hostState: result = .failValid(.entryInvalidHostStateFields)
        case .guestState(let qualification):
            result = .failureExit(reason: ExitReason.entryFailureGuestState, qualification: qualification)
        }
        return EntryFailure(id: id, section: section, field: field, value: inputs[field], complaint: complaint, result: result)
    }

    /// Runs every check in the SDM's order and returns the first failure.
    public static func firstFailure(_ inputs: EntryInputs) -> EntryFailure? {
        // Borrowed in place: copying each check out of the table would retain its strings and predicate.
        all.withUnsafeBufferPointer { checks in
            for k in checks.indices where checks[k].complaint(inputs) != nil { return checks[k].evaluate(inputs) }
            return nil
        }
    }

    /// The same answer as `firstFailure(_:)`, re-running only the checks whose inputs changed since every check
    /// last passed with `memo`: a check is a pure function of the fields it reads, so one that passed and whose
    /// fields all hold the values they held then passes again. Checks that read memory run every time.
    public static func firstFailure(_ inputs: EntryInputs, memo: inout EntryCheckMemo) -> EntryFailure? {
        var changed = SlotSet()
        let remembered = memo.values.count == VMCSField.slotCount && memo.inIA32eMode == inputs.inIA32eMode
        if remembered {
            inputs.vmcs.values.withUnsafeBufferPointer { now in
                memo.values.withUnsafeBufferPointer { then in
                    for slot in 0..<VMCSField.slotCount where now[slot] != then[slot] { changed.insert(slot) }
                }
            }
            changed.insert(EntryCheckMemo.memorySlot)
            if !memo.readByAny.intersects(changed) { return nil }
        } else {
            memo.reads = [SlotSet](repeating: SlotSet(), count: all.count)
        }
        let failure: EntryFailure? = all.withUnsafeBufferPointer { checks in
            memo.reads.withUnsafeMutableBufferPointer { reads in
                var recording = inputs
                for k in checks.indices {
                    if remembered && !reads[k].intersects(changed) { continue }
                    reads[k] = SlotSet()
                    recording.reads = reads.baseAddress! + k
                    if checks[k].complaint(recording) != nil { return checks[k].evaluate(inputs) }
                }
                return nil
            }
        }
        if failure != nil {
            memo.forget()
            return failure
        }
        memo.readByAny = memo.reads.reduce(SlotSet()) { $0.union($1) }
        memo.inIA32eMode = inputs.inIA32eMode
        if memo.values.count != VMCSField.slotCount { memo.values = Array(repeating: 0, count: VMCSField.slotCount) }
        // Copied into the memo's own storage: sharing the VMCS's would make its next VMWRITE copy it.
        memo.values.withUnsafeMutableBufferPointer { target in
            inputs.vmcs.values.withUnsafeBufferPointer { target.baseAddress!.update(from: $0.baseAddress!, count: $0.count) }
        }
        return nil
    }

    /// Every check, in the order the SDM gives them: controls, host state, guest state.
    public static let all: [EntryCheck] = controlChecks + hostChecks + guestChecks
}

/// What the entry checks read when they last all passed for a VMCS: the values of its fields then, and for each
/// check the fields it read (and whether it read memory), so that `EntryCheck.firstFailure(_:memo:)` runs again
/// only the checks an L1's VMWRITEs or the last exit could have changed. KVM keeps such a shortcut for the
/// fields it knows; this one is derived from the checks themselves, so it cannot drift from them.
public struct EntryCheckMemo: Sendable {
    /// The bit noted when a check reads L1's memory.
    static let memorySlot = VMCSField.slotCount
    /// The VMCS's values when every check last passed; empty when nothing is remembered.
    var values: [UInt64] = []
    var inIA32eMode = false
    /// The fields each check of `EntryCheck.all` read then: a bit per slot, and `memorySlot`.
    var reads: [SlotSet] = []
    /// Every field any check read then.
    var readByAny = SlotSet()

    /// Nothing remembered.
    public init() {}

    /// Forgets what passed (another VMCS became current, or a check failed).
    public mutating func forget() { values = [] }
}

/// A set of VMCS slots (and `EntryCheckMemo.memorySlot`): 192 bits, more than the 154 it needs.
struct SlotSet: Sendable {
    var low: UInt64 = 0, middle: UInt64 = 0, high: UInt64 = 0

    @inline(__always) mutating func insert(_ slot: Int) {
        let bit: UInt64 = 1 << UInt64(slot & 63)
        switch slot >> 6 {
        case 0: low |= bit
        case 1: middle |= bit
        default: high |= bit
        }
    }

    func union(_ other: SlotSet) -> SlotSet {
        SlotSet(low: low | other.low, middle: middle | other.middle, high: high | other.high)
    }

    @inline(__always) func intersects(_ other: SlotSet) -> Bool {
        (low & other.low) | (middle & other.middle) | (high & other.high) != 0
    }
}

/// Value helpers for the checks.
enum Bits {
    static func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
    /// Bits of an address beyond MAXPHYADDR.
    static func beyondPhysical(_ value: UInt64) -> UInt64 { (value >> CPU.physicalAddressBits) << CPU.physicalAddressBits }
    /// Whether every byte of a PAT value is a memory type (0 UC, 1 WC, 4 WT, 5 WP, 6 WB, 7 UC-).
    static func isValidPAT(_ value: UInt64) -> Bool {
        for byte in 0..<8 where (0b1111_0011 as UInt64) >> min(value >> (8 * UInt64(byte)) & 0xFF, 63) & 1 == 0 { return false }
        return true
    }
    /// Names the set bits of `value`, e.g. "bits 3, 12".
    static func list(_ value: UInt64) -> String {
        let bits = (0..<64).filter { value >> UInt64($0) & 1 != 0 }
        return (bits.count == 1 ? "bit " : "bits ") + bits.map(String.init).joined(separator: ", ")
    }
    /// A complaint for bits of `value` that a capability's allowed-0 and allowed-1 settings refuse, or nil.
    static func fixed(_ value: UInt64, mustBeOne: UInt64, mayBeOne: UInt64) -> String? {
        if value & mustBeOne != mustBeOne { return "has \(list(mustBeOne & ~value)) clear, which must be 1" }
        if value & ~mayBeOne != 0 { return "has \(list(value & ~mayBeOne)) set, which must be 0" }
        return nil
    }
}
