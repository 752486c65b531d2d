/// The boot information the machine passes in RDI (nestvm(7), "Boot protocol"): memory map, command line,
/// modules, the secondary processors' mailboxes and the device table.
public struct BootInfo {
    /// A memory-map entry.
    public struct Region {
        public var base: UInt64, length: UInt64, type: UInt32
        /// The type's name in nestvm(7).
        public var typeName: String {
            switch type {
            case NV_BOOT_MEMORY_TYPE_USABLE: return "usable"
            case NV_BOOT_MEMORY_TYPE_RESERVED: return "reserved"
            case NV_BOOT_MEMORY_TYPE_BOOT_DATA: return "boot-data"
            case NV_BOOT_MEMORY_TYPE_IMAGE: return "image"
            case NV_BOOT_MEMORY_TYPE_MODULES: return "modules"
            default: return "type-\(type)"
            }
        }
    }

    /// A module: a named blob.
    public struct Module {
        public var name: String
        public var address: UInt64
        public var size: UInt64
        /// The contents.
        public var bytes: UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(start: UnsafeRawPointer(bitPattern: UInt(address)), count: Int(size))
        }
    }

    let base: UnsafeRawPointer

    /// The block at `pointer`, or nil when it does not carry the magic number and the version this library reads.
    public init?(_ pointer: UnsafeRawPointer) {
        guard Self.u32(pointer, NV_BOOT_HEADER_MAGIC) == NV_BOOT_MAGIC,
            Self.u32(pointer, NV_BOOT_HEADER_VERSION) == NV_BOOT_VERSION
        else { return nil }
        base = pointer
    }

    /// Fields of a record at `record`, by their offset from nestvm_boot_info.h.
    static func u32(_ record: UnsafeRawPointer, _ offset: Int32) -> UInt32 {
        record.load(fromByteOffset: Int(offset), as: UInt32.self)
    }
    static func u64(_ record: UnsafeRawPointer, _ offset: Int32) -> UInt64 {
        record.load(fromByteOffset: Int(offset), as: UInt64.self)
    }
    static func pointer(_ address: UInt64) -> UnsafeRawPointer { UnsafeRawPointer(bitPattern: UInt(address))! }
    /// Entry `index` of a table of records `size` bytes long.
    static func entry(_ table: UInt64, _ index: Int, _ size: Int32) -> UnsafeRawPointer {
        pointer(table + UInt64(index) * UInt64(size))
    }

    /// Logical processors.
    public var processorCount: Int { Int(Self.u32(base, NV_BOOT_HEADER_PROCESSOR_COUNT)) }
    /// Guest RAM in bytes.
    public var memoryBytes: UInt64 { Self.u64(base, NV_BOOT_HEADER_MEMORY_BYTES) }

    /// The command line.
    public var commandLine: String {
        Self.string(
            at: Self.u64(base, NV_BOOT_HEADER_COMMAND_LINE),
            length: Int(Self.u32(base, NV_BOOT_HEADER_COMMAND_LINE_LENGTH)))
    }

    /// The command line's words (separated by spaces) up to a `--`: the guest's own. Works on bytes: Unicode-aware
    /// string comparison would pull normalisation tables into the image.
    private var ownWords: [ArraySlice<UInt8>] {
        let words = Array(commandLine.utf8).split(separator: UInt8(ascii: " "))
        return Array(words.prefix { Array($0) != Array("--".utf8) })
    }

    /// The words after the first `--`, joined by single spaces: a command line this guest passes on to the guests it
    /// starts (minivisor's nested VMs). Empty without a `--`.
    public var passedOnCommandLine: [UInt8] {
        let words = Array(commandLine.utf8).split(separator: UInt8(ascii: " "))
        guard let dashes = words.firstIndex(where: { Array($0) == Array("--".utf8) }) else { return [] }
        var line: [UInt8] = []
        for word in words[(dashes + 1)...] { line += (line.isEmpty ? [] : [UInt8(ascii: " ")]) + word }
        return line
    }

    /// The decimal value of `name=N` among the guest's own words, or nil.
    public func integerOption(_ name: StaticString) -> Int? {
        let key = name.withUTF8Buffer { Array($0) } + [UInt8(ascii: "=")]
        guard let word = ownWords.first(where: { $0.count > key.count && Array($0.prefix(key.count)) == key }) else { return nil }
        var value = 0
        for b in word.dropFirst(key.count) {
            guard b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") else { return nil }
            value = value &* 10 &+ Int(b - UInt8(ascii: "0"))
        }
        return value
    }

    /// The value of `name=VALUE` among the guest's own words, as bytes, or nil.
    public func option(_ name: StaticString) -> [UInt8]? {
        let key = name.withUTF8Buffer { Array($0) } + [UInt8(ascii: "=")]
        guard let word = ownWords.first(where: { $0.count >= key.count && Array($0.prefix(key.count)) == key }) else { return nil }
        return Array(word.dropFirst(key.count))
    }

    /// Whether the word `name` is among the guest's own words.
    public func hasWord(_ name: StaticString) -> Bool {
        let key = name.withUTF8Buffer { Array($0) }
        return ownWords.contains { Array($0) == key }
    }

    /// The memory map, ascending.
    public var memoryMap: [Region] {
        let map = Self.u64(base, NV_BOOT_HEADER_MEMORY_MAP)
        return (0..<Int(Self.u32(base, NV_BOOT_HEADER_MEMORY_MAP_COUNT))).map { k in
            let e = Self.entry(map, k, NV_BOOT_MEMORY_MAP_ENTRY_BYTES)
            return Region(
                base: Self.u64(e, NV_BOOT_MEMORY_MAP_ENTRY_BASE), length: Self.u64(e, NV_BOOT_MEMORY_MAP_ENTRY_LENGTH),
                type: Self.u32(e, NV_BOOT_MEMORY_MAP_ENTRY_TYPE))
        }
    }

    /// The modules, in the order they were given.
    public var modules: [Module] {
        let count = Int(Self.u32(base, NV_BOOT_HEADER_MODULE_COUNT))
        guard count > 0 else { return [] }
        let table = Self.u64(base, NV_BOOT_HEADER_MODULES)
        return (0..<count).map { k in
            let e = Self.entry(table, k, NV_BOOT_MODULE_ENTRY_BYTES)
            return Module(
                name: Self.string(at: Self.u64(e, NV_BOOT_MODULE_ENTRY_NAME), length: Int(Self.u32(e, NV_BOOT_MODULE_ENTRY_NAME_LENGTH))),
                address: Self.u64(e, NV_BOOT_MODULE_ENTRY_ADDRESS), size: Self.u64(e, NV_BOOT_MODULE_ENTRY_SIZE))
        }
    }

    /// A virtio-mmio device of the device table.
    public struct Device {
        /// The virtio device type (3: console).
        public var type: UInt32
        /// Its line on the 8259A pair.
        public var irq: UInt32
        /// Its register block's address.
        public var base: UInt64
        /// Bytes of the block.
        public var size: UInt64
    }

    /// The virtio-mmio devices, as the device table lists them.
    public var devices: [Device] {
        let count = Int(Self.u32(base, NV_BOOT_HEADER_DEVICE_COUNT))
        guard count > 0 else { return [] }
        let table = UInt64(Self.u32(base, NV_BOOT_HEADER_DEVICES))
        return (0..<count).map { k in
            let e = Self.entry(table, k, NV_BOOT_DEVICE_ENTRY_BYTES)
            return Device(
                type: Self.u32(e, NV_BOOT_DEVICE_ENTRY_TYPE), irq: Self.u32(e, NV_BOOT_DEVICE_ENTRY_IRQ),
                base: Self.u64(e, NV_BOOT_DEVICE_ENTRY_BASE), size: Self.u64(e, NV_BOOT_DEVICE_ENTRY_SIZE))
        }
    }

    /// Starts secondary processor `index` at `entry` with `stackTop` and RDI = `argument` (the entry RIP is
    /// written last: the machine starts the processor once it is non-zero).
    public func startProcessor(_ index: Int, entry: UInt64, stackTop: UInt64, argument: UInt64) {
        let box = UnsafeMutableRawPointer(mutating: Self.entry(Self.u64(base, NV_BOOT_HEADER_MAILBOXES), index, NV_BOOT_MAILBOX_BYTES))
        box.storeBytes(of: stackTop, toByteOffset: Int(NV_BOOT_MAILBOX_STACK_TOP), as: UInt64.self)
        box.storeBytes(of: argument, toByteOffset: Int(NV_BOOT_MAILBOX_ARGUMENT), as: UInt64.self)
        box.storeBytes(of: entry, toByteOffset: Int(NV_BOOT_MAILBOX_ENTRY), as: UInt64.self)
    }

    static func string(at address: UInt64, length: Int) -> String {
        guard length > 0 else { return "" }
        let bytes = UnsafeRawBufferPointer(start: pointer(address), count: length)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Ending the machine.
public enum Machine {
    /// Ends the machine with status (value << 1) | 1 through the exit port.
    public static func exit(_ value: UInt32) -> Never { nv_exit(value) }

    /// Whether `vmrun stop` asked the guest to shut down (bit 0 of port 0xF5).
    public static var isStopRequested: Bool { nv_inb(0xF5) & 1 != 0 }
}
