import Testing
import TestSupport
import VMX
import X86

/// The generated enums against the reference tables they come from (share/reference): a table edited without
/// `make generate`, or a generated file edited by hand, fails here.
@Suite("Reference tables")
struct ReferenceTablesTests {
    @Test("ExitReason has every basic exit reason of exit-reasons.tsv, with its SDM name")
    func exitReasons() throws {
        let rows = try PackageRoot.referenceRows("exit-reasons.tsv")
        #expect(rows.count == ExitReason.allCases.count)
        for row in rows {
            let reason = try #require(ExitReason(rawValue: UInt16(row[0])!), "reason \(row[0])")
            #expect(reason.name == row[2])
        }
        #expect(ExitReason.vmxon.rawValue == 27 && ExitReason.vmxoff.rawValue == 26 && ExitReason.ioSMI.rawValue == 5)
    }

    @Test("VMInstructionError has every error of vm-instruction-errors.tsv")
    func instructionErrors() throws {
        let rows = try PackageRoot.referenceRows("vm-instruction-errors.tsv")
        #expect(rows.count == VMInstructionError.allCases.count)
        for row in rows {
            let error = try #require(VMInstructionError(rawValue: UInt32(row[0])!), "error \(row[0])")
            #expect(error.meaning == row[1])
        }
    }

    @Test("VMCSField has every field of vmcs-fields.tsv; width, type and high access follow from the encoding")
    func vmcsFields() throws {
        let rows = try PackageRoot.referenceRows("vmcs-fields.tsv")
        #expect(rows.count == VMCSField.allCases.count)
        let widths: [String: VMCSField.Width] = ["16": .bits16, "32": .bits32, "64": .bits64, "natural": .natural]
        let kinds: [String: VMCSField.Kind] = [
            "control": .control, "exit-info": .exitInformation, "guest": .guestState,
            "host": .hostState,
        ]
        for row in rows {
            let encoding = UInt32(row[1].dropFirst(2), radix: 16)!
            let field = try #require(VMCSField(rawValue: encoding), "\(row[0])")
            #expect(field.name == row[0])
            #expect(field.width == widths[row[2]] && field.kind == kinds[row[3]], "\(row[0])")
            let high = VMCSField.component(encoding: UInt64(encoding) + 1)
            #expect((high?.field == field && high?.high == true) == (row[4] == "yes"), "\(row[0]) high access")
            #expect(VMCSField.component(encoding: UInt64(encoding))! == (field, false))
        }
    }

    @Test("Control bits from vmx-controls.tsv: default1 masks as Linux's *_ALWAYSON_WITHOUT_TRUE_MSR, named bits in place")
    func controlBits() throws {
        #expect(ExecutionControls.PinBased.default1 == 0x16)
        #expect(ExecutionControls.Primary.default1 == 0x0401_E172)
        #expect(ExitControls.default1 == 0x0003_6DFF)
        #expect(EntryControls.default1 == 0x11FF)
        let rows = try PackageRoot.referenceRows("vmx-controls.tsv")
        for field in ["pin", "primary", "secondary", "exit", "entry"] {
            let bits = rows.filter { $0[0] == field }.map { Int($0[1])! }
            #expect(Set(bits).count == bits.count && bits.allSatisfy { (0..<32).contains($0) }, "\(field): bits once each")
        }
        #expect(ExecutionControls.Primary.activateSecondary == 1 << 31 && ExecutionControls.Secondary.enableEPT == 1 << 1)
        #expect(ExitControls.hostAddressSpaceSize == 1 << 9 && EntryControls.ia32eModeGuest == 1 << 9)
        #expect(ExitControls.loadEFER == 1 << 21 && EntryControls.loadEFER == 1 << 15)
    }

    @Test("Encodings that name no field are refused", arguments: [0x0001, 0x0003, 0x4001, 0x6001, 0x1_0000_0000, 0x7FFE])
    func unsupportedComponents(encoding: UInt64) {
        #expect(VMCSField.component(encoding: encoding) == nil)
    }
}
