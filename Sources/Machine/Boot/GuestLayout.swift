import X86

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
    /// The command line and module names, `stringsSize` bytes at most (MachineError.bootStrings beyond).
    public static let strings: UInt64 = 0x6000
    /// Bytes the command line and module names may take, NULs included.
    public static let stringsSize: UInt64 = 0xA000
    /// The boot page tables: PML4, PDPT, then one page directory per GiB (2 MiB pages).
    public static let pageTables: UInt64 = 0x10000
    /// The top of the boot processor's stack, which grows down into the boot data below it: RSP starts at
    /// `stackTop - 8` with a zero return address.
    public static let stackTop: UInt64 = 0xA0000
    /// The lowest address an image may load at.
    public static let imageBase: UInt64 = 0x10_0000

    /// Selectors in the boot GDT.
    public static let codeSelector: UInt16 = 0x08, dataSelector: UInt16 = 0x10, tssSelector: UInt16 = 0x18
}

extension PhysicalMemory {
    /// Field `field` of the boot-information record that starts at `record`.
    func read(_ field: BootInfoLayout.Field, of record: UInt64) -> UInt64 {
        read(record + UInt64(field.offset), size: field.size)
    }

    /// Sets field `field` of the boot-information record that starts at `record`.
    func write(_ field: BootInfoLayout.Field, of record: UInt64, _ value: UInt64) {
        write(record + UInt64(field.offset), size: field.size, value)
    }
}
