/// nestvm's boot protocol (nestvm(7), "Boot protocol") written by minivisor into a nested VM's memory, as L0's
/// boot loader writes it into an L1's: the ELF64 image at its physical addresses, the boot-information block,
/// the boot GDT and TSS, an IDT of not-present gates and identity page tables with 2 MiB pages. Everything the
/// image says is checked against the VM's memory before a byte is written: an image is a user's file.
struct BootImage {
    /// The boot layout, as L0's GuestLayout has it.
    static let bootInfo: UInt64 = 0x1000, gdt: UInt64 = 0x4000, tss: UInt64 = 0x4080, idt: UInt64 = 0x5000
    static let strings: UInt64 = 0x6000, pageTables: UInt64 = 0x10000, stackTop: UInt64 = 0xA0000, imageBase: UInt64 = 0x10_0000
    /// The mailboxes, one per processor, right after the boot-information header and its memory map (of at most
    /// five entries).
    static let mailboxes: UInt64 = bootInfo + UInt64(NV_BOOT_HEADER_BYTES) + 5 * UInt64(NV_BOOT_MEMORY_MAP_ENTRY_BYTES)
    /// The longest command line the strings area takes with its NUL: L0's own limit (GuestLayout.stringsSize).
    static let commandLineLimit = Int(pageTables - strings) - 1

    /// Where the image's first instruction is.
    var entry: UInt64 = 0
    /// The end of the highest loaded segment.
    var imageEnd: UInt64 = imageBase

    let image: UnsafeRawBufferPointer
    let memoryBytes: UInt64
    let processorCount: Int
    /// The loadable segments: file offset, guest-physical address, bytes in the file.
    var segments: [(offset: UInt64, address: UInt64, fileSize: UInt64)] = []

    /// Checks `image` for a VM of `memoryBytes`: everything `load` will copy lies inside both.
    init(_ image: UnsafeRawBufferPointer, memoryBytes: UInt64, processorCount: Int = 1) throws(NestedFailure) {
        self.image = image
        self.memoryBytes = memoryBytes
        self.processorCount = processorCount
        func u16(_ at: Int) -> UInt64 { UInt64(image.loadUnaligned(fromByteOffset: at, as: UInt16.self)) }
        func u32(_ at: Int) -> UInt64 { UInt64(image.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
        func u64(_ at: Int) -> UInt64 { image.loadUnaligned(fromByteOffset: at, as: UInt64.self) }
        let size = UInt64(image.count)
        guard size >= 64, u32(0) == 0x464C_457F else { throw .badImage("it does not start with the ELF magic number") }
        guard image[4] == 2, image[5] == 1 else { throw .badImage("it is not a 64-bit little-endian ELF file") }
        guard u16(16) == 2 else { throw .badImage("it is not an executable (ET_EXEC) file") }
        guard u16(18) == 0x3E else { throw .badImage("it is not built for x86-64") }
        entry = u64(24)
        let tableOffset = u64(32), entrySize = u16(54), count = u16(56)
        guard entrySize >= 56, tableOffset <= size, count * entrySize <= size - tableOffset else {
            throw .badImage("it is truncated (program headers)")
        }
        var entryInside = false
        for k in 0..<Int(count) {
            let header = Int(tableOffset) + k * Int(entrySize)
            guard u32(header) == 1 else { continue }  // PT_LOAD
            let offset = u64(header + 8), address = u64(header + 24), fileSize = u64(header + 32), memorySize = u64(header + 40)
            guard fileSize <= memorySize, offset <= size, fileSize <= size - offset else {
                throw .badImage("it is truncated (segment \(k))")
            }
            guard address >= Self.imageBase, address <= memoryBytes, memorySize <= memoryBytes - address else {
                throw .imageOutsideMemory(address: address, size: memorySize, memoryBytes: memoryBytes)
            }
            if address <= entry && entry - address < memorySize { entryInside = true }
            imageEnd = max(imageEnd, address + memorySize)
            segments.append((offset, address, fileSize))
        }
        guard !segments.isEmpty else { throw .badImage("it has no loadable segments") }
        guard entryInside else { throw .badImage("its entry point \(Console.hex(entry)) is outside its loadable segments") }
    }

    /// Copies the segments into the VM's memory, which starts at `memory` (L1's address of guest-physical 0) and
    /// is zeroed, and writes the boot data; `commandLine` goes into the boot information, and `adapterCount`
    /// network adapters into its device table, at L0's addresses and IRQ (`PlatformVirtio`).
    func load(into memory: UnsafeMutableRawPointer, commandLine: [UInt8], adapterCount: Int = 0) {
        for s in segments {
            // Memory starts zeroed (nv_alloc_pages), so the part past the file's bytes (.bss) already is.
            if s.fileSize > 0 { (memory + Int(s.address)).copyMemory(from: image.baseAddress! + Int(s.offset), byteCount: Int(s.fileSize)) }
        }

        func put(_ address: UInt64, _ value: UInt64, bytes: Int = 8) {
            switch bytes {
            case 2: memory.storeBytes(of: UInt16(truncatingIfNeeded: value), toByteOffset: Int(address), as: UInt16.self)
            case 4: memory.storeBytes(of: UInt32(truncatingIfNeeded: value), toByteOffset: Int(address), as: UInt32.self)
            default: memory.storeBytes(of: value, toByteOffset: Int(address), as: UInt64.self)
            }
        }
        // Identity page tables: PML4, PDPT, one page directory per GiB, 2 MiB pages present, writable.
        put(Self.pageTables, (Self.pageTables + 0x1000) | 3)
        let gigabytes = (memoryBytes + (1 << 30) - 1) >> 30
        for g in 0..<gigabytes {
            let directory = Self.pageTables + 0x2000 + g * 0x1000
            put(Self.pageTables + 0x1000 + g * 8, directory | 3)
            var address = g << 30
            while address < memoryBytes && address < (g + 1) << 30 {
                put(directory + (address >> 21 & 511) * 8, address | 0x83)
                address += 1 << 21
            }
        }
        // The device window: one more page directory, its 2 MiB page uncached (PCD, PWT) and not executable.
        let window = PlatformVirtio.windowBase, windowDirectory = Self.pageTables + 0x2000 + gigabytes * 0x1000
        put(Self.pageTables + 0x1000 + (window >> 30) * 8, windowDirectory | 3)
        put(windowDirectory + (window >> 21 & 511) * 8, window | 0x83 | 1 << 3 | 1 << 4 | 1 << 63)
        // GDT: null, 64-bit code (0x08), data (0x10), the 64-bit TSS (0x18, busy) with no I/O bitmap.
        put(Self.gdt + 0x08, 0x00AF_9B00_0000_FFFF)
        put(Self.gdt + 0x10, 0x00CF_9300_0000_FFFF)
        put(Self.gdt + 0x18, 0x67 | (Self.tss & 0xFFFF) << 16 | (Self.tss >> 16 & 0xFF) << 32 | 0x8B << 40)
        put(Self.tss + 0x66, 0x68, bytes: 2)

        // The boot information: header, memory map, no modules, a mailbox per processor (processor 0's running),
        // the command line.
        let aligned = (imageEnd + 0xFFF) & ~0xFFF
        var map: [(UInt64, UInt64, UInt32)] = [
            (0, 0x1000, NV_BOOT_MEMORY_TYPE_RESERVED), (0x1000, Self.stackTop - 0x1000, NV_BOOT_MEMORY_TYPE_BOOT_DATA),
            (Self.stackTop, Self.imageBase - Self.stackTop, NV_BOOT_MEMORY_TYPE_RESERVED),
            (Self.imageBase, aligned - Self.imageBase, NV_BOOT_MEMORY_TYPE_IMAGE),
        ]
        if memoryBytes > aligned { map.append((aligned, memoryBytes - aligned, NV_BOOT_MEMORY_TYPE_USABLE)) }
        let info = Self.bootInfo
        var cursor = info + UInt64(NV_BOOT_HEADER_BYTES)
        let mapAddress = cursor
        for (base, length, type) in map {
            put(cursor + UInt64(NV_BOOT_MEMORY_MAP_ENTRY_BASE), base)
            put(cursor + UInt64(NV_BOOT_MEMORY_MAP_ENTRY_LENGTH), length)
            put(cursor + UInt64(NV_BOOT_MEMORY_MAP_ENTRY_TYPE), UInt64(type), bytes: 4)
            cursor += UInt64(NV_BOOT_MEMORY_MAP_ENTRY_BYTES)
        }
        cursor = Self.mailboxes
        let mailbox = cursor
        for index in 0..<processorCount {
            put(cursor + UInt64(NV_BOOT_MAILBOX_APIC_ID), UInt64(index), bytes: 4)
            let state = index == 0 ? NV_BOOT_MAILBOX_STATE_RUNNING : NV_BOOT_MAILBOX_STATE_PARKED
            put(cursor + UInt64(NV_BOOT_MAILBOX_STATE), UInt64(state), bytes: 4)
            cursor += UInt64(NV_BOOT_MAILBOX_BYTES)
        }
        let deviceTable = cursor
        for k in 0..<adapterCount {
            put(cursor + UInt64(NV_BOOT_DEVICE_ENTRY_TYPE), 1, bytes: 4)
            put(cursor + UInt64(NV_BOOT_DEVICE_ENTRY_IRQ), UInt64(PlatformIRQ.virtioNet), bytes: 4)
            put(cursor + UInt64(NV_BOOT_DEVICE_ENTRY_BASE), PlatformVirtio.networkAdapter(k))
            put(cursor + UInt64(NV_BOOT_DEVICE_ENTRY_SIZE), VirtioMMIO.windowSize)
            cursor += UInt64(NV_BOOT_DEVICE_ENTRY_BYTES)
        }
        let line = commandLine  // at most `commandLineLimit` bytes (NestedVM checks); the NUL is the slice's zero
        for (k, byte) in line.enumerated() { memory.storeBytes(of: byte, toByteOffset: Int(Self.strings) + k, as: UInt8.self) }
        let header: [(Int32, UInt64, Int)] = [
            (NV_BOOT_HEADER_MAGIC, UInt64(NV_BOOT_MAGIC), 4), (NV_BOOT_HEADER_VERSION, UInt64(NV_BOOT_VERSION), 4),
            (NV_BOOT_HEADER_BLOCK_SIZE, cursor - info, 4), (NV_BOOT_HEADER_PROCESSOR_COUNT, UInt64(processorCount), 4),
            (NV_BOOT_HEADER_MEMORY_BYTES, memoryBytes, 8), (NV_BOOT_HEADER_COMMAND_LINE, Self.strings, 8),
            (NV_BOOT_HEADER_COMMAND_LINE_LENGTH, UInt64(line.count), 4), (NV_BOOT_HEADER_MEMORY_MAP_COUNT, UInt64(map.count), 4),
            (NV_BOOT_HEADER_MEMORY_MAP, mapAddress, 8), (NV_BOOT_HEADER_MODULES, mailbox, 8), (NV_BOOT_HEADER_MODULE_COUNT, 0, 4),
            (NV_BOOT_HEADER_BOOT_PROCESSOR, 0, 4), (NV_BOOT_HEADER_MAILBOXES, mailbox, 8),
            (NV_BOOT_HEADER_DEVICES, adapterCount == 0 ? 0 : deviceTable, 4), (NV_BOOT_HEADER_DEVICE_COUNT, UInt64(adapterCount), 4),
        ]
        for (offset, value, bytes) in header { put(info + UInt64(offset), value, bytes: bytes) }
        put(Self.stackTop - 8, 0)  // a zero return address, as if the entry had been called
    }
}
