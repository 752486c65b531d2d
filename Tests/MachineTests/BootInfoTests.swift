import Machine
import TestSupport
import Testing

/// The boot-information block against its one definition, share/reference/boot-info.tsv: what the loader writes,
/// read back by the table's offsets (not through the generated Swift), and the man page that documents it.
@Suite struct BootInfoTests {
    /// Field offsets and sizes by "record.field", and record sizes by record, from the table.
    struct Table {
        var fields: [String: (offset: UInt64, size: Int)] = [:]
        var recordBytes: [String: UInt64] = [:]

        init() throws {
            for row in try PackageRoot.referenceRows("boot-info.tsv") {
                let offset = UInt64(row[2])!, size = Int(row[3])!
                fields[row[0] + "." + row[1]] = (offset, size)
                recordBytes[row[0]] = max(recordBytes[row[0], default: 0], offset + UInt64(size))
            }
        }
    }

    @Test("The loader writes every field where the table puts it: header, memory map, modules, mailboxes")
    func loaderFollowsTable() throws {
        let table = try Table()
        let image = try AssembledGuest.build("cli; hlt")
        let module = BootModule(name: "cfg", bytes: Array("hello".utf8))
        let m = try Machine(
            MachineConfiguration(
                memoryBytes: 32 << 20, processorCount: 3, image: image, commandLine: "quiet x=1", modules: [module]))
        func field(_ name: String, at record: UInt64 = GuestLayout.bootInfo) -> UInt64 {
            let f = table.fields[name]!
            return m.memory.read(record + f.offset, size: f.size)
        }
        func text(_ address: UInt64, _ length: UInt64) -> String {
            String(decoding: (0..<length).map { UInt8(m.memory.read(address + $0, size: 1)) }, as: UTF8.self)
        }
        #expect(field("header.magic") == 0x4942_564E)
        #expect(field("header.version") == 1)
        #expect(field("header.processorCount") == 3)
        #expect(field("header.memoryBytes") == 32 << 20)
        #expect(text(field("header.commandLine"), field("header.commandLineLength")) == "quiet x=1")
        #expect(field("header.bootProcessor") == 0)

        let entries = field("header.memoryMapCount"), map = field("header.memoryMap")
        #expect(map == GuestLayout.bootInfo + table.recordBytes["header"]!)
        var covered: UInt64 = 0
        for k in 0..<entries {
            let entry = map + k * table.recordBytes["memoryMapEntry"]!
            #expect(field("memoryMapEntry.base", at: entry) == covered, "entry \(k) starts where the last ended")
            covered += field("memoryMapEntry.length", at: entry)
            #expect((1...5).contains(field("memoryMapEntry.type", at: entry)))
        }
        #expect(covered == 32 << 20, "the map covers all RAM")

        #expect(field("header.moduleCount") == 1)
        let entry = field("header.modules")
        #expect(entry == map + entries * table.recordBytes["memoryMapEntry"]!)
        #expect(text(field("moduleEntry.name", at: entry), field("moduleEntry.nameLength", at: entry)) == "cfg")
        #expect(text(field("moduleEntry.address", at: entry), field("moduleEntry.size", at: entry)) == "hello")

        let mailboxes = field("header.mailboxes")
        #expect(mailboxes == entry + table.recordBytes["moduleEntry"]!)
        for cpu in UInt64(0)..<3 {
            let box = mailboxes + cpu * table.recordBytes["mailbox"]!
            #expect(field("mailbox.apicID", at: box) == cpu)
            #expect(field("mailbox.state", at: box) == (cpu == 0 ? 1 : 0), "only the boot processor runs")
            #expect(field("mailbox.entry", at: box) == 0)
        }
        let devices = field("header.devices")
        #expect(devices == mailboxes + 3 * table.recordBytes["mailbox"]!, "the device table follows the mailboxes")
        #expect(field("header.deviceCount") == 1)
        #expect(field("deviceEntry.type", at: devices) == 3, "the virtio console")
        #expect(field("deviceEntry.irq", at: devices) == 10)
        #expect(field("deviceEntry.base", at: devices) == 0x10_0000_0000)
        #expect(field("deviceEntry.size", at: devices) == 0x200)
        #expect(field("header.blockSize") == devices + table.recordBytes["deviceEntry"]! - GuestLayout.bootInfo)
    }

    @Test("The largest configuration (64 processors, 256 modules) fits in the boot-information space")
    func largestFits() throws {
        let modules = (0..<256).map { BootModule(name: "module-\($0)", bytes: [UInt8($0 & 0xFF)]) }
        let m = try Machine(
            MachineConfiguration(
                memoryBytes: 64 << 20, processorCount: MachineConfiguration.maximumProcessorCount,
                image: try AssembledGuest.build("cli; hlt"), modules: modules))
        let size = try Table().fields["header.blockSize"]!
        #expect(m.memory.read(GuestLayout.bootInfo + size.offset, size: size.size) <= GuestLayout.bootInfoSize)
    }

    @Test("nestvm(7) documents the table's header offsets and record sizes")
    func manPageFollowsTable() throws {
        let table = try Table()
        let page = try PackageRoot.text("share/man/man7/nestvm.7")
        let section = page.components(separatedBy: ".Ss Boot information")[1].components(separatedBy: ".Sh ")[0]
        for (name, field) in table.fields where name.hasPrefix("header.") {
            let kind = field.size == 4 ? "u32" : "u64"
            let listed = section.contains(".It \(field.offset)\n\(kind) ") || section.contains(", \(field.offset): \(kind) ")
            #expect(listed, "\(name) at \(field.offset) (\(kind))")
        }
        #expect(section.contains("A memory-map entry is \(table.recordBytes["memoryMapEntry"]!) bytes"))
        #expect(section.contains("A module entry is \(table.recordBytes["moduleEntry"]!) bytes"))
        #expect(section.contains("has a \(table.recordBytes["mailbox"]!)-byte mailbox"))
        #expect(section.contains("A device entry is \(table.recordBytes["deviceEntry"]!) bytes"))
    }
}
