import Testing

@testable import NestRecords

/// The record reader: records with their kind and line, the problems it names, and references no object can
/// have, refused in every key the tools look objects up by.
@Suite("Record reader")
struct RecordReaderTests {
    @Test("A good record comes back with its kind and line")
    func good() throws {
        let input = try #require(try RecordReader.parse(line: #"{"Kind":"VMSwitch","Name":"VmNAT"}"#, number: 3))
        #expect(input.kind == .vmSwitch)
        #expect(input.line == 3)
        #expect(input.record.string("Name") == "VmNAT")
    }

    @Test("Blank lines are skipped")
    func blank() throws {
        #expect(try RecordReader.parse(line: "  \t", number: 1) == nil)
    }

    @Test(
        "Bad records name their line and the problem",
        arguments: [
            ("[1,2]", "stdin line 4: a record must be a JSON object ({...})"),
            (#"{"VMName":"a"}"#, #"stdin line 4: the record has no "Kind" key; pipe records made by the nestvm tools"#),
            (#"{"Kind":"Banana","VMName":"a"}"#, #"stdin line 4: unknown record Kind "Banana"; pipe records made by the nestvm tools"#),
            (
                #"{"Kind":"VMProcessor","Count":2}"#,
                #"stdin line 4: the VMProcessor record has no "VMName" or "VMId" to say which object it is"#
            ),
            (#"{"Kind":"NetNat","Name":""}"#, #"stdin line 4: the NetNat record has no "Name" or "Id" to say which object it is"#),
            (#"{"Kind":"#, "stdin line 4: not a JSON record: unexpected end of line at column 9"),
        ])
    func bad(line: String, message: String) {
        do {
            _ = try RecordReader.parse(line: line, number: 4)
            Issue.record("accepted \(line)")
        } catch {
            #expect(error.message == message)
            #expect(error.line == 4)
        }
    }

    static let keys = RecordKind.referenceKeys.sorted()

    /// A VirtualMachine record naming its VM, with `key` set to the JSON text `value`.
    static func line(_ key: String, _ value: String) -> String {
        key == "VMName" ? #"{"Kind":"VirtualMachine","VMName":\#(value)}"# : #"{"Kind":"VirtualMachine","VMName":"a","\#(key)":\#(value)}"#
    }

    @Test("A control character in a reference key is an invalid record", arguments: keys)
    func controlCharacters(key: String) throws {
        for escape in [#"\u0000"#, #"\u001f"#, #"\u007f"#, #"\u009b"#, "\\n", "\\t"] {
            #expect(throws: RecordInputError.self, "\(key) with \(escape)") {
                _ = try RecordReader.parse(line: Self.line(key, "\"x\(escape)y\""), number: 2)
            }
        }
        do {
            _ = try RecordReader.parse(line: Self.line(key, #""x\u0000y""#), number: 2)
        } catch {
            #expect(error.line == 2 && error.message.contains("\"\(key)\" holds the control character U+0000"))
        }
    }

    @Test("A reference that is not a string (or null) is an invalid record", arguments: keys)
    func wrongTypes(key: String) throws {
        for value in ["1", "true", #"["x"]"#, #"{"a":1}"#] {
            #expect(throws: RecordInputError.self, "\(key): \(value)") {
                _ = try RecordReader.parse(line: Self.line(key, value), number: 1)
            }
        }
    }

    @Test("Names with non-ASCII letters, spaces and null references still read")
    func ordinaryValues() throws {
        #expect(try RecordReader.parse(line: Self.line("VMName", #""ünï lab""#), number: 1) != nil)
        #expect(try RecordReader.parse(line: Self.line("SwitchName", "null"), number: 1) != nil)
        #expect(try RecordReader.parse(line: #"{"Kind":"VirtualMachine","VMName":"a","Notes":"two\nlines"}"#, number: 1) != nil)
    }

    @Test("Bytes that are not UTF-8 are an invalid record naming the first bad byte's offset, never replaced")
    func invalidUTF8() throws {
        let cases: [([UInt8], Int, UInt8)] = [
            (Array(#"{"Kind":"VirtualMachine","VMName":"v"#.utf8) + [0xFF] + Array("1\"}".utf8), 36, 0xFF),
            ([0xC3], 0, 0xC3),  // a lead byte with nothing after it
            (Array("ü".utf8) + [0xE2, 0x82], 2, 0xE2),  // a sequence cut short after a good one
            ([0xED, 0xA0, 0x80], 0, 0xED),  // an encoded surrogate
        ]
        for (bytes, offset, byte) in cases {
            #expect(throws: RecordInputError.invalidUTF8(line: 3, offset: offset, byte: byte)) {
                _ = try RecordReader.parse(line: bytes, number: 3)
            }
        }
        #expect(
            try RecordReader.parse(line: Array(#"{"Kind":"VirtualMachine","VMName":"ünï"}"#.utf8), number: 1)?.record.string("VMName")
                == "ünï")
    }
}
