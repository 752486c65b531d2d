import Foundation
import TestSupport
import Testing
import VMX

@Suite("What nestvm(7) says about the nested engine")
struct DocumentationTests {
    static let page = "share/man/man7/nestvm.7"
    static let begin = ".\\\" BEGIN ENTRY CHECKS"
    static let end = ".\\\" END ENTRY CHECKS"

    /// The list of entry checks as nestvm(7) gives it: every check of the table, in the SDM's order.
    static var checkList: String {
        var lines = [".Bl -tag -width Ds -compact"]
        for check in EntryCheck.all {
            let result: String
            switch check.area {
            case .controls: result = "VMfailValid(7)"
            case .hostState: result = "VMfailValid(8)"
            case .guestState(let qualification): result = "exit 33, qualification \(qualification)"
            }
            lines += [".It Li \(check.id)", "\(check.section.number), \(check.field.name); \(result)"]
        }
        return (lines + [".El"]).joined(separator: "\n")
    }

    @Test("It lists every VM-entry check of the table, with its section, field and result, in the SDM's order")
    func entryChecks() throws {
        let text = try PackageRoot.text(Self.page)
        let start = try #require(text.range(of: Self.begin + " "))
        let lineEnd = try #require(text[start.upperBound...].firstIndex(of: "\n"))
        let stop = try #require(text.range(of: Self.end, range: lineEnd..<text.endIndex))
        let listed = text[text.index(after: lineEnd)..<stop.lowerBound]
        let expected = Self.checkList + "\n"
        if listed != expected, ProcessInfo.processInfo.environment["NESTVM_UPDATE_GOLDEN"] == "1" {
            let updated = text.replacingCharacters(in: text.index(after: lineEnd)..<stop.lowerBound, with: expected)
            try updated.write(toFile: PackageRoot.path + "/" + Self.page, atomically: true, encoding: .utf8)
            return
        }
        #expect(listed == expected, "run the test with NESTVM_UPDATE_GOLDEN=1 to rewrite the list")
    }

    @Test("Its vmcs12 layout is the engine's: header offsets, and fields at 0x010 + 8 * row")
    func layout() throws {
        let text = try PackageRoot.text(Self.page)
        #expect(VMCS12Layout.revision == 0 && VMCS12Layout.abortIndicator == 4 && VMCS12Layout.launchState == 8)
        #expect(VMCS12Layout.fields == 0x10 && VMCS12Layout.bytes <= 4096)
        #expect(text.contains("revision 0x\(String(VMXCapabilities.revisionIdentifier, radix: 16, uppercase: true))"))
        let rows = try PackageRoot.referenceRows("vmcs-fields.tsv")
        #expect(rows.count == VMCSField.slotCount)
        for (row, columns) in rows.enumerated() {
            let field = try #require(VMCSField(rawValue: UInt32(columns[1].dropFirst(2), radix: 16)!))
            #expect(field.slot == row, "\(field.name)")
        }
        #expect(text.contains(".It 0x010\nthe fields, 8 bytes each"))
    }
}
