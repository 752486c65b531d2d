import X86

/// The checks on the VMX controls (SDM vol. 3, "Checks on VMX Controls"), in the SDM's order. A failure is
/// VMfailValid(7).
extension EntryCheck {
    typealias Primary = ExecutionControls.Primary
    typealias Secondary = ExecutionControls.Secondary
    typealias Pin = ExecutionControls.PinBased

    static func reserved(_ value: UInt32, _ allowed: VMXCapabilities.Allowed) -> String? {
        Bits.fixed(UInt64(value), mustBeOne: UInt64(allowed.mustBeOne), mayBeOne: UInt64(allowed.mayBeOne))
    }

    /// A 4 KiB-aligned address within the physical-address width.
    static func pageAddress(_ value: UInt64) -> String? {
        if value & 0xFFF != 0 { return "is not aligned on a 4 KiB boundary" }
        if Bits.beyondPhysical(value) != 0 { return "sets bits beyond the physical-address width (\(CPU.physicalAddressBits) bits)" }
        return nil
    }

    /// An MSR list: 16-byte aligned, and its last byte within the physical-address width.
    static func msrList(_ address: UInt64, count: UInt64) -> String? {
        guard count > 0 else { return nil }
        if address & 0xF != 0 { return "is not aligned on 16 bytes (the list has \(count) entries)" }
        let last = address &+ count &* 16 &- 1
        if last < address || Bits.beyondPhysical(last) != 0 {
            return "puts the last of \(count) entries beyond the physical-address width (\(CPU.physicalAddressBits) bits)"
        }
        return nil
    }

    static let controlChecks: [EntryCheck] =
        [
            EntryCheck("controls.pin-based.reserved", .executionControls, .pinBasedVMExecControl, .controls) {
                reserved($0.u32(.pinBasedVMExecControl), VMXCapabilities.pinBased)
            },
            EntryCheck("controls.primary.reserved", .executionControls, .cpuBasedVMExecControl, .controls) {
                reserved($0.u32(.cpuBasedVMExecControl), VMXCapabilities.primary)
            },
            EntryCheck("controls.secondary.reserved", .executionControls, .secondaryVMExecControl, .controls) {
                guard $0.has(primary: Primary.activateSecondary) else { return nil }
                return reserved($0.u32(.secondaryVMExecControl), VMXCapabilities.secondary)
            },
            EntryCheck("controls.cr3-target-count", .executionControls, .cr3TargetCount, .controls) {
                $0[.cr3TargetCount] > UInt64(VMXCapabilities.cr3TargetValues)
                    ? "is more than the \(VMXCapabilities.cr3TargetValues) CR3-target values IA32_VMX_MISC offers" : nil
            },
            EntryCheck("controls.io-bitmap-a.address", .executionControls, .ioBitmapA, .controls) {
                $0.has(primary: Primary.useIOBitmaps) ? pageAddress($0[.ioBitmapA]) : nil
            },
            EntryCheck("controls.io-bitmap-b.address", .executionControls, .ioBitmapB, .controls) {
                $0.has(primary: Primary.useIOBitmaps) ? pageAddress($0[.ioBitmapB]) : nil
            },
            EntryCheck("controls.msr-bitmap.address", .executionControls, .msrBitmap, .controls) {
                $0.has(primary: Primary.useMSRBitmaps) ? pageAddress($0[.msrBitmap]) : nil
            },
            EntryCheck("controls.virtual-nmis.without-nmi-exiting", .executionControls, .pinBasedVMExecControl, .controls) {
                $0.has(pin: Pin.virtualNMIs) && !$0.has(pin: Pin.nmiExiting) ? "sets virtual NMIs without NMI exiting" : nil
            },
            EntryCheck("controls.nmi-window.without-virtual-nmis", .executionControls, .cpuBasedVMExecControl, .controls) {
                $0.has(primary: Primary.nmiWindowExiting) && !$0.has(pin: Pin.virtualNMIs)
                    ? "sets NMI-window exiting while the pin-based controls clear virtual NMIs" : nil
            },
            EntryCheck("controls.vpid.zero", .executionControls, .virtualProcessorID, .controls) {
                $0.has(secondary: Secondary.enableVPID) && $0[.virtualProcessorID] == 0
                    ? "is 0 with enable VPID set (VPID 0 is the hypervisor's own)" : nil
            },
        ]
        + eptPointerChecks
        + [
            EntryCheck("controls.exit.reserved", .exitControls, .vmExitControls, .controls) {
                reserved($0.u32(.vmExitControls), VMXCapabilities.exit)
            },
            EntryCheck("controls.exit.save-preemption-timer", .exitControls, .vmExitControls, .controls) {
                $0.has(exit: ExitControls.savePreemptionTimer) && !$0.has(pin: Pin.activatePreemptionTimer)
                    ? "sets save VMX-preemption timer value while the pin-based controls do not activate the timer" : nil
            },
            EntryCheck("controls.exit.msr-store.address", .exitControls, .vmExitMSRStoreAddr, .controls) {
                msrList($0[.vmExitMSRStoreAddr], count: $0[.vmExitMSRStoreCount])
            },
            EntryCheck("controls.exit.msr-load.address", .exitControls, .vmExitMSRLoadAddr, .controls) {
                msrList($0[.vmExitMSRLoadAddr], count: $0[.vmExitMSRLoadCount])
            },
            EntryCheck("controls.entry.reserved", .entryControls, .vmEntryControls, .controls) {
                reserved($0.u32(.vmEntryControls), VMXCapabilities.entry)
            },
            EntryCheck("controls.entry.interruption.type", .entryControls, .vmEntryIntrInfoField, .controls) {
                guard let event = $0.injection else { return nil }
                if event.type == 1 || event.type == 7 { return "has interruption type \(event.type), which is reserved or not offered" }
                if event.type == 2 && event.vector != 2 { return "injects an NMI with vector \(event.vector); an NMI's vector is 2" }
                if event.type == 3 && event.vector > 31 { return "injects hardware exception vector \(event.vector); exceptions are 0–31" }
                return nil
            },
            EntryCheck("controls.entry.interruption.error-code", .entryControls, .vmEntryIntrInfoField, .controls) {
                guard let event = $0.injection else { return nil }
                let hasCode = event.type == 3 && [8, 10, 11, 12, 13, 14, 17].contains(event.vector)
                if event.deliversErrorCode == hasCode { return nil }
                return hasCode
                    ? "injects vector \(event.vector) without its error code (bit 11 must be 1)"
                    : "sets deliver-error-code (bit 11) for an event that has no error code"
            },
            EntryCheck("controls.entry.interruption.reserved", .entryControls, .vmEntryIntrInfoField, .controls) {
                guard $0.injection != nil else { return nil }
                let bits = $0[.vmEntryIntrInfoField] & 0x7FFF_F000
                return bits == 0 ? nil : "sets reserved \(Bits.list(bits)) (30:12 must be 0)"
            },
            EntryCheck("controls.entry.exception-error-code.reserved", .entryControls, .vmEntryExceptionErrorCode, .controls) {
                guard let event = $0.injection, event.deliversErrorCode else { return nil }
                return $0[.vmEntryExceptionErrorCode] >> 16 == 0 ? nil : "sets bits 31:16, which must be 0"
            },
            EntryCheck("controls.entry.instruction-length", .entryControls, .vmEntryInstructionLen, .controls) {
                guard let event = $0.injection, (4...6).contains(event.type) else { return nil }
                let length = $0[.vmEntryInstructionLen]
                return (1...15).contains(length) ? nil : "is not 1–15 for a software interrupt or exception (type \(event.type))"
            },
            EntryCheck("controls.entry.msr-load.address", .entryControls, .vmEntryMSRLoadAddr, .controls) {
                msrList($0[.vmEntryMSRLoadAddr], count: $0[.vmEntryMSRLoadCount])
            },
        ]

    /// The EPT pointer's checks, which INVEPT of a single context makes too.
    static let eptPointerChecks: [EntryCheck] = [
        EntryCheck("controls.ept-pointer.memory-type", .executionControls, .eptPointer, .controls) {
            guard $0.has(secondary: Secondary.enableEPT) else { return nil }
            let type = $0[.eptPointer] & 7
            return type == 0 || type == 6 ? nil : "has memory type \(type); IA32_VMX_EPT_VPID_CAP offers 0 (UC) and 6 (WB)"
        },
        EntryCheck("controls.ept-pointer.walk-length", .executionControls, .eptPointer, .controls) {
            guard $0.has(secondary: Secondary.enableEPT) else { return nil }
            let length = $0[.eptPointer] >> 3 & 7
            return length == 3 ? nil : "has page-walk length \(length + 1) (bits 5:3 = \(length)); only 4-level walks (3) are offered"
        },
        EntryCheck("controls.ept-pointer.reserved", .executionControls, .eptPointer, .controls) {
            guard $0.has(secondary: Secondary.enableEPT) else { return nil }
            let value = $0[.eptPointer]
            if value & 0xF80 != 0 { return "sets reserved \(Bits.list(value & 0xF80))" }
            if Bits.beyondPhysical(value) != 0 { return "sets bits beyond the physical-address width (\(CPU.physicalAddressBits) bits)" }
            return nil
        },
    ]
}
