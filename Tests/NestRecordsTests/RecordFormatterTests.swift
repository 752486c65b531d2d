import Testing
@testable import NestRecords

@Suite("Output formats")
struct RecordFormatterTests {
    let records = [
        Record([("Kind", "VMSwitch"), ("Name", "VmNAT"), ("SwitchType", "Internal"), ("Notes", "a\tb")]),
        Record([("Kind", "VMSwitch"), ("Name", "lab-private"), ("SwitchType", "Private"), ("Notes", "")]),
    ]
    let columns = [Column("Name"), Column("SwitchType", heading: "Type")]

    @Test("A table aligns columns under headings and underlines them")
    func table() {
        let formatter = RecordFormatter(format: .table, columns: columns, fields: nil, showsHeadings: true)
        #expect(formatter.streamed(records[0]) == nil)
        #expect(
            formatter.tabulated(records) == """
                Name        Type
                ----        ----
                VmNAT       Internal
                lab-private Private

                """)
    }

    @Test("Table cells escape tabs and control characters and align wide characters by display width")
    func cellsAlign() {
        let rows = [
            Record([("Name", "日本語"), ("Notes", "a\tb"), ("State", "Off")]),
            Record([("Name", "e\u{301}x"), ("Notes", "\u{1B}[2J"), ("State", "Running")]),
        ]
        let formatter = RecordFormatter(
            format: .table, columns: [Column("Name"), Column("Notes"), Column("State")], fields: nil, showsHeadings: true)
        #expect(
            formatter.tabulated(rows) == """
                Name   Notes   State
                ----   -----   -----
                日本語 a\\tb    Off
                e\u{301}x     \\x1b[2J Running

                """)
    }

    @Test("A table fits the width it is given: the widest columns narrow to their headings, then columns drop off")
    func fitsWidth() {
        let rows = [Record([("A", "short"), ("Message", .string(String(repeating: "m", count: 50))), ("Fix", "vmproc set x --count 2")])]
        let columns = [Column("A"), Column("Message"), Column("Fix")]
        func table(_ width: Int) -> String {
            RecordFormatter(format: .table, columns: columns, fields: nil, showsHeadings: false, width: width).tabulated(rows)
        }
        #expect(table(100) == "short \(String(repeating: "m", count: 50)) vmproc set x --count 2\n")
        #expect(table(40) == "short \(String(repeating: "m", count: 15))… vmproc set x --c…\n")
        #expect(table(40).dropLast().count == 40)
        #expect(table(12) == "sho… mmm…\n", "Fix no longer fits at 4 columns beside the others: it is left off")
    }

    @Test("--no-headings drops the heading lines")
    func noHeadings() {
        let formatter = RecordFormatter(format: .table, columns: columns, fields: nil, showsHeadings: false)
        #expect(formatter.tabulated(records) == "VmNAT       Internal\nlab-private Private\n")
    }

    @Test("TSV escapes tabs and keeps the fields asked for")
    func tsv() {
        let formatter = RecordFormatter(format: .tsv, columns: columns, fields: ["Name", "Notes"], showsHeadings: true)
        #expect(formatter.tabulated(records) == "Name\tNotes\nVmNAT\ta\\tb\nlab-private\t\n")
    }

    @Test("A list prints Key : Value blocks, padded")
    func list() {
        let formatter = RecordFormatter(format: .list, columns: columns, fields: ["Name", "SwitchType"], showsHeadings: true)
        #expect(formatter.streamed(records[0]) == "Name       : VmNAT\nSwitchType : Internal\n\n")
    }

    @Test("JSON projects the fields in the order given, missing ones as null")
    func json() {
        let formatter = RecordFormatter(format: .json, columns: columns, fields: ["SwitchType", "Nope"], showsHeadings: true)
        #expect(formatter.streamed(records[1]) == #"{"SwitchType":"Private","Nope":null}"# + "\n")
    }

    @Test("Display text reads as PowerShell prints it")
    func display() {
        #expect(JSONValue.bool(true).displayText == "True")
        #expect(JSONValue.array(["Ok", "Degraded"]).displayText == "{Ok, Degraded}")
        #expect(JSONValue.null.displayText == "")
    }
}
