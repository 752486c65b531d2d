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
