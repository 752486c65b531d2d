/// Where the boot loader puts things in guest-physical memory (documented in nestvm(7), "Boot protocol").
/// Everything below `imageBase` belongs to the boot loader; the image, then the modules, come after it.
public enum GuestLayout {
    /// The boot-information block (RDI at entry).
    public static let bootInfo: UInt64 = 0x1000
    /// Boot-information size limit: header, memory map, module table and per-processor mailboxes.
    public static let bootInfoSize: UInt64 = 0x3000
    /// The GDT: null, 64-bit code (0x08), data (0x10), and a 64-bit TSS descriptor (0x18).
    public static let gdt: UInt64 = 0x4000
    /// The TSS the boot processor's TR names (its IST and RSP0 fields are the guest's to fill).
    public static let tss: UInt64 = 0x4080
    /// The IDT: 256 not-present gates (an exception before the guest installs its own is a triple fault).
    public static let idt: UInt64 = 0x5000
    /// The command line and module names.
    public static let strings: UInt64 = 0x6000
    public static let stringsSize: UInt64 = 0xA000
    /// The boot page tables: PML4, PDPT, then one page directory per GiB (2 MiB pages).
    public static let pageTables: UInt64 = 0x10000
    /// The boot processor's stack: RSP starts at `stackTop - 8` with a zero return address.
    public static let stackBottom: UInt64 = 0x80000
    public static let stackTop: UInt64 = 0xA0000
    /// The lowest address an image may load at.
    public static let imageBase: UInt64 = 0x10_0000

    /// Selectors in the boot GDT.
    public static let codeSelector: UInt16 = 0x08, dataSelector: UInt16 = 0x10, tssSelector: UInt16 = 0x18
}

/// The boot-information block's layout (version 1, little-endian), as the loader writes it. The guest library
/// (share/guests/lib/BootInfo.swift) and the C runtime (share/guests/runtime/runtime.c) read it with their own
/// offsets: a change here must be made there too (keeping them one definition is open work).
public enum BootInfoLayout {
    /// "NVBI" in memory.
    public static let magic: UInt32 = 0x4942_564E
    public static let version: UInt32 = 1
    /// Header field offsets.
    public static let magicOffset = 0, versionOffset = 4, sizeOffset = 8, cpuCountOffset = 12, memoryBytesOffset = 16
    public static let commandLineOffset = 24, commandLineLengthOffset = 32, memoryMapCountOffset = 36
    public static let memoryMapOffset = 40, modulesOffset = 48, moduleCountOffset = 56, bootCPUOffset = 60
    public static let mailboxesOffset = 64, headerSize = 80
    /// A memory-map entry: base (8), length (8), type (4), reserved (4).
    public static let memoryMapEntrySize = 24
    /// A module entry: address (8), size (8), name address (8), name length (4), reserved (4).
    public static let moduleEntrySize = 32
    /// A processor mailbox: APIC ID (4), state (4), entry RIP (8), stack top (8), argument (8).
    public static let mailboxSize = 32
    /// Mailbox states.
    public static let mailboxParked: UInt32 = 0, mailboxRunning: UInt32 = 1

    /// Memory-map entry types.
    public enum MemoryType: UInt32, Sendable {
        /// RAM free for the guest.
        case usable = 1
        /// Not to be used (the first page and the legacy hole 0xA0000–0xFFFFF).
        case reserved = 2
        /// The boot loader's data (boot information, GDT, IDT, page tables, boot stack): reusable once the guest
        /// has taken what it needs.
        case bootData = 3
        /// The loaded image.
        case image = 4
        /// Modules.
        case modules = 5
    }
}
