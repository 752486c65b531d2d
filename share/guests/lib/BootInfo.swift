/// The boot information the machine passes in RDI (nestvm(7), "Boot protocol"): memory map, command line,
/// modules and the secondary processors' mailboxes.
public struct BootInfo {
    /// A memory-map entry.
    public struct Region {
        public var base: UInt64, length: UInt64, type: UInt32
        /// The type's name in nestvm(7).
        public var typeName: String {
            switch type {
            case 1: return "usable"
            case 2: return "reserved"
            case 3: return "boot-data"
            case 4: return "image"
            case 5: return "modules"
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

    /// The block at `pointer`, or nil when it does not carry the magic number and version 1.
    public init?(_ pointer: UnsafeRawPointer) {
        guard pointer.load(fromByteOffset: 0, as: UInt32.self) == 0x4942_564E,
              pointer.load(fromByteOffset: 4, as: UInt32.self) == 1 else { return nil }
        base = pointer
    }

    func u32(_ offset: Int) -> UInt32 { base.load(fromByteOffset: offset, as: UInt32.self) }
    func u64(_ offset: Int) -> UInt64 { base.load(fromByteOffset: offset, as: UInt64.self) }
    static func pointer(_ address: UInt64) -> UnsafeRawPointer { UnsafeRawPointer(bitPattern: UInt(address))! }

    /// Logical processors.
    public var processorCount: Int { Int(u32(12)) }
    /// Guest RAM in bytes.
    public var memoryBytes: UInt64 { u64(16) }

    /// The command line.
    public var commandLine: String { Self.string(at: u64(24), length: Int(u32(32))) }

    /// The decimal value of `name=N` on the command line (words are separated by spaces), or nil. Works on bytes:
    /// Unicode-aware string comparison would pull normalisation tables into the image.
    public func integerOption(_ name: StaticString) -> Int? {
        let line = Array(commandLine.utf8)
        let key = name.withUTF8Buffer { Array($0) } + [UInt8(ascii: "=")]
        var start = 0
        while start < line.count {
            var end = start
            while end < line.count && line[end] != UInt8(ascii: " ") { end += 1 }
            if end - start > key.count && Array(line[start..<start + key.count]) == key {
                var value = 0
                for b in line[(start + key.count)..<end] {
                    guard b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") else { return nil }
                    value = value &* 10 &+ Int(b - UInt8(ascii: "0"))
                }
                return value
            }
            start = end + 1
        }
        return nil
    }

    /// Whether the word `name` is on the command line.
    public func hasWord(_ name: StaticString) -> Bool {
        let key = name.withUTF8Buffer { Array($0) }
        return commandLine.utf8.split(separator: UInt8(ascii: " ")).contains { Array($0) == key }
    }

    /// The memory map, ascending.
    public var memoryMap: [Region] {
        let map = Self.pointer(u64(40))
        return (0..<Int(u32(36))).map { k in
            Region(base: map.load(fromByteOffset: k * 24, as: UInt64.self), length: map.load(fromByteOffset: k * 24 + 8, as: UInt64.self),
                   type: map.load(fromByteOffset: k * 24 + 16, as: UInt32.self))
        }
    }

    /// The modules, in the order they were given.
    public var modules: [Module] {
        guard u32(56) > 0 else { return [] }
        let table = Self.pointer(u64(48))
        return (0..<Int(u32(56))).map { k in
            let e = k * 32
            return Module(name: Self.string(at: table.load(fromByteOffset: e + 16, as: UInt64.self), length: Int(table.load(fromByteOffset: e + 24, as: UInt32.self))),
                          address: table.load(fromByteOffset: e, as: UInt64.self), size: table.load(fromByteOffset: e + 8, as: UInt64.self))
        }
    }

    /// Starts secondary processor `index` at `entry` with `stackTop` and RDI = `argument` (the entry RIP is
    /// written last: the machine starts the processor once it is non-zero).
    public func startProcessor(_ index: Int, entry: UInt64, stackTop: UInt64, argument: UInt64) {
        let box = UnsafeMutableRawPointer(mutating: Self.pointer(u64(64) + UInt64(index * 32)))
        box.storeBytes(of: stackTop, toByteOffset: 16, as: UInt64.self)
        box.storeBytes(of: argument, toByteOffset: 24, as: UInt64.self)
        box.storeBytes(of: entry, toByteOffset: 8, as: UInt64.self)
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
