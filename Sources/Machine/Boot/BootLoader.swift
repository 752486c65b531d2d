import DeviceModels
import X86

/// The boot loader: puts an ELF64 image, its modules and command line into guest RAM, builds the identity page
/// tables, GDT, TSS and IDT, and writes the boot-information block the guest receives in RDI.
struct BootLoader {
    let configuration: MachineConfiguration
    let memory: PhysicalMemory
    /// The virtio-mmio devices the device table lists.
    var devices: [DeviceTableEntry] = []

    /// What the loader produced.
    struct Result {
        var entry: UInt64
        var memoryMap: [(base: UInt64, length: UInt64, type: BootInfoLayout.MemoryType)]
        var modules: [(address: UInt64, size: UInt64)]
    }

    /// Where everything goes: the parsed image, where it ends, and the modules' places after it.
    struct Plan {
        var image: ELFImage
        var imageEnd: UInt64
        var modules: [(address: UInt64, size: UInt64)]
        var modulesEnd: UInt64
    }

    /// Checks the image and modules against the configuration's memory and places them, writing nothing: every
    /// error `load` can meet once the configuration's limits hold (`MachineConfiguration.checkLimits`).
    static func plan(_ configuration: MachineConfiguration) throws(MachineError) -> Plan {
        let ram = configuration.memoryBytes
        let image: ELFImage
        do { image = try ELFImage(configuration.image) } catch { throw .badImage(Self.describe(error)) }
        guard !image.segments.isEmpty else { throw .badImage("it has no loadable segments") }
        var imageEnd = GuestLayout.imageBase
        for segment in image.segments {
            let end = segment.physicalAddress.addingReportingOverflow(segment.memorySize)
            guard segment.physicalAddress >= GuestLayout.imageBase, !end.overflow, end.partialValue <= ram else {
                throw .imageOutsideMemory(address: segment.physicalAddress, size: segment.memorySize, memoryBytes: ram)
            }
            imageEnd = max(imageEnd, end.partialValue)
        }
        guard
            image.segments.contains(where: { (segment: ELFImage.Segment) in
                segment.physicalAddress <= image.entry && image.entry < segment.physicalAddress + segment.memorySize
            })
        else { throw .badImage("its entry point 0x\(hex(image.entry)) is outside its loadable segments") }

        // Modules follow the image, each on its own page.
        var modules: [(address: UInt64, size: UInt64)] = []
        var next = Self.pageAligned(imageEnd)
        for module in configuration.modules {
            modules.append((next, UInt64(module.bytes.count)))
            next = Self.pageAligned(next + UInt64(module.bytes.count))
        }
        guard next <= ram else { throw .doesNotFit(needed: next, memoryBytes: ram) }
        return Plan(image: image, imageEnd: imageEnd, modules: modules, modulesEnd: next)
    }

    /// Loads everything; on an error nothing the guest could run has been produced.
    func load() throws(MachineError) -> Result {
        let ram = configuration.memoryBytes
        let plan = try Self.plan(configuration)
        let (image, imageEnd, modules, modulesEnd) = (plan.image, plan.imageEnd, plan.modules, plan.modulesEnd)
        do { try image.load(into: memory) } catch { throw .badImage(Self.describe(error)) }
        for (module, placement) in zip(configuration.modules, modules) { memory.load(module.bytes, at: placement.address) }

        var map: [(base: UInt64, length: UInt64, type: BootInfoLayout.MemoryType)] = [
            (0, 0x1000, .reserved),
            (0x1000, GuestLayout.stackTop - 0x1000, .bootData),
            (GuestLayout.stackTop, GuestLayout.imageBase - GuestLayout.stackTop, .reserved),
            (GuestLayout.imageBase, Self.pageAligned(imageEnd) - GuestLayout.imageBase, .image),
        ]
        if modulesEnd > Self.pageAligned(imageEnd) {
            map.append((Self.pageAligned(imageEnd), modulesEnd - Self.pageAligned(imageEnd), .modules))
        }
        if ram > modulesEnd { map.append((modulesEnd, ram - modulesEnd, .usable)) }

        buildPageTables()
        buildDescriptorTables()
        writeBootInfo(map: map, modules: modules)
        // A zero return address below the entry stack, as if `_start` had been called.
        memory.write(GuestLayout.stackTop - 8, size: 8, 0)
        return Result(entry: image.entry, memoryMap: map, modules: modules)
    }

    static func pageAligned(_ value: UInt64) -> UInt64 { (value + 0xFFF) & ~0xFFF }

    static func describe(_ error: ELFError) -> String {
        switch error {
        case .notELF: return "it does not start with the ELF magic number"
        case .not64BitLittleEndian: return "it is not a 64-bit little-endian ELF file"
        case .notX8664: return "it is not built for x86-64"
        case .notExecutable: return "it is not an executable (ET_EXEC) file"
        case .truncated(let what): return "it is truncated (\(what))"
        case .segmentOutsideMemory(let address, let size): return "segment at 0x\(hex(address)) of \(size) bytes lies outside memory"
        case .segmentTooLarge(let index, let address, let size):
            return
                "segment \(index) (0x\(hex(address)) + 0x\(hex(size)) bytes) ends past the \(CPU.physicalAddressBits)-bit physical address space"
        }
    }

    /// Identity-maps all of RAM with 2 MiB pages, writable and executable (SDM vol. 3, "4-Level Paging"), and
    /// the device window (`PlatformVirtio`) with one more page directory after RAM's, its 2 MiB page uncached
    /// (PCD and PWT, SDM vol. 3, "Paging and Memory Typing") and not executable.
    func buildPageTables() {
        let ram = configuration.memoryBytes
        IdentityMap.build(at: GuestLayout.pageTables, memoryBytes: ram, flags: .paging) { memory.write($0, size: 8, $1) }
        let pdpt = GuestLayout.pageTables + 0x1000
        let directory = GuestLayout.pageTables + IdentityMap.tableBytes(memoryBytes: ram)
        let window = PlatformVirtio.windowBase
        memory.write(pdpt + (window >> 30) * 8, size: 8, directory | IdentityMap.Flags.paging.table)
        let uncached: UInt64 = 1 << 3 | 1 << 4, noExecute: UInt64 = 1 << 63
        memory.write(directory + (window >> 21 & 511) * 8, size: 8, window | IdentityMap.Flags.paging.leaf | uncached | noExecute)
    }

    /// The GDT (null, 64-bit code, data, 64-bit TSS), an empty TSS and an IDT of not-present gates.
    func buildDescriptorTables() {
        let gdt = { (selector: UInt16) in GuestLayout.gdt + UInt64(selector) }
        memory.write(gdt(GuestLayout.codeSelector), size: 8, 0x00AF_9B00_0000_FFFF)  // code: L, P, DPL 0, execute/read
        memory.write(gdt(GuestLayout.dataSelector), size: 8, 0x00CF_9300_0000_FFFF)  // data: P, DPL 0, read/write
        let base = GuestLayout.tss, limit: UInt64 = 0x67
        let low = limit | (base & 0xFFFF) << 16 | (base >> 16 & 0xFF) << 32 | 0x8B << 40 | (base >> 24 & 0xFF) << 56
        memory.write(gdt(GuestLayout.tssSelector), size: 8, low)  // 64-bit TSS (busy), SDM "TSS Descriptor in 64-bit mode"
        memory.write(gdt(GuestLayout.tssSelector) + 8, size: 8, base >> 32)
        memory.write(GuestLayout.tss + 0x66, size: 2, 0x68)  // I/O map base past the limit: no I/O bitmap
    }

    /// Writes the boot-information block (layout in `BootInfoLayout`, documented in nestvm(7)).
    func writeBootInfo(
        map: [(base: UInt64, length: UInt64, type: BootInfoLayout.MemoryType)],
        modules: [(address: UInt64, size: UInt64)]
    ) {
        typealias Layout = BootInfoLayout
        func put(_ record: UInt64, _ field: Layout.Field, _ value: UInt64) { memory.write(field, of: record, value) }
        let info = GuestLayout.bootInfo
        var cursor = info + UInt64(Layout.Header.byteCount)
        let mapAddress = cursor
        for entry in map {
            put(cursor, Layout.MemoryMapEntry.base, entry.base)
            put(cursor, Layout.MemoryMapEntry.length, entry.length)
            put(cursor, Layout.MemoryMapEntry.type, UInt64(entry.type.rawValue))
            cursor += UInt64(Layout.MemoryMapEntry.byteCount)
        }
        var strings = GuestLayout.strings
        func place(_ text: String) -> (address: UInt64, length: UInt64) {
            let bytes = Array(text.utf8)
            let address = strings
            memory.load(bytes + [0], at: address)
            strings += UInt64(bytes.count + 1)
            return (address, UInt64(bytes.count))
        }
        let commandLine = place(configuration.commandLine)
        let modulesAddress = cursor
        for (module, placement) in zip(configuration.modules, modules) {
            let name = place(module.name)
            put(cursor, Layout.ModuleEntry.address, placement.address)
            put(cursor, Layout.ModuleEntry.size, placement.size)
            put(cursor, Layout.ModuleEntry.name, name.address)
            put(cursor, Layout.ModuleEntry.nameLength, name.length)
            cursor += UInt64(Layout.ModuleEntry.byteCount)
        }
        let mailboxes = cursor
        for cpu in 0..<configuration.processorCount {
            let state: Layout.MailboxState = cpu == 0 ? .running : .parked
            put(cursor, Layout.Mailbox.apicID, UInt64(cpu))
            put(cursor, Layout.Mailbox.state, UInt64(state.rawValue))
            cursor += UInt64(Layout.Mailbox.byteCount)
        }
        let deviceTable = cursor
        for device in devices {
            put(cursor, Layout.DeviceEntry.type, UInt64(device.type))
            put(cursor, Layout.DeviceEntry.irq, UInt64(device.irq))
            put(cursor, Layout.DeviceEntry.base, device.base)
            put(cursor, Layout.DeviceEntry.size, device.size)
            cursor += UInt64(Layout.DeviceEntry.byteCount)
        }
        put(info, Layout.Header.magic, UInt64(Layout.magic))
        put(info, Layout.Header.version, UInt64(Layout.version))
        put(info, Layout.Header.blockSize, cursor - info)
        put(info, Layout.Header.processorCount, UInt64(configuration.processorCount))
        put(info, Layout.Header.memoryBytes, configuration.memoryBytes)
        put(info, Layout.Header.commandLine, commandLine.address)
        put(info, Layout.Header.commandLineLength, commandLine.length)
        put(info, Layout.Header.memoryMapCount, UInt64(map.count))
        put(info, Layout.Header.memoryMap, mapAddress)
        put(info, Layout.Header.modules, modulesAddress)
        put(info, Layout.Header.moduleCount, UInt64(configuration.modules.count))
        put(info, Layout.Header.bootProcessor, 0)
        put(info, Layout.Header.mailboxes, mailboxes)
        put(info, Layout.Header.devices, devices.isEmpty ? 0 : deviceTable)
        put(info, Layout.Header.deviceCount, UInt64(devices.count))
        // The configuration's limits (processors, modules) keep the block inside its space; see BootInfoTests.
        precondition(cursor - info <= GuestLayout.bootInfoSize, "the boot information outgrew its space")
    }

    /// The address of processor `index`'s mailbox.
    static func mailbox(_ index: Int, modules: Int, mapEntries: Int) -> UInt64 {
        GuestLayout.bootInfo
            + UInt64(
                BootInfoLayout.Header.byteCount + mapEntries * BootInfoLayout.MemoryMapEntry.byteCount
                    + modules * BootInfoLayout.ModuleEntry.byteCount + index * BootInfoLayout.Mailbox.byteCount)
    }
}
