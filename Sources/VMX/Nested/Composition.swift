import X86

/// vmcs02 = vmcs01 ⊕ vmcs12: the controls the processor runs L2 under, from what L1 asked for in its VMCS and
/// what L0 needs for itself (SDM vol. 3, "VM-Execution Control Fields"). A pure function of its inputs.
///
/// L0 keeps every port and MSR access exiting (its devices and MSRs are L1's platform), its HLT and MWAIT exits
/// (to halt the vCPU), EPT01 as the outermost translation and ownership of CR4.VMXE (fixed to 1 in VMX operation); the
/// bitmaps L1 gave are consulted when an exit comes back (`ExitRouting`), not handed to the processor.
public enum Composition {
    typealias Primary = ExecutionControls.Primary
    typealias Secondary = ExecutionControls.Secondary
    typealias Pin = ExecutionControls.PinBased

    /// Primary controls L1 may ask for that the processor honours directly in vmcs02.
    static let passedPrimary: UInt32 =
        Primary.interruptWindowExiting | Primary.useTSCOffsetting | Primary.hltExiting | Primary.invlpgExiting
        | Primary.mwaitExiting | Primary.rdpmcExiting | Primary.rdtscExiting | Primary.cr3LoadExiting
        | Primary.cr3StoreExiting | Primary.cr8LoadExiting | Primary.cr8StoreExiting | Primary.nmiWindowExiting
        | Primary.movDRExiting | Primary.monitorExiting | Primary.pauseExiting
    /// Secondary controls passed through.
    static let passedSecondary: UInt32 =
        Secondary.descriptorTableExiting | Secondary.enableRDTSCP | Secondary.enableVPID | Secondary.wbinvdExiting
        | Secondary.rdrandExiting | Secondary.rdseedExiting

    /// The controls for L2. `l0` is vmcs01 (L1's own controls); `l0WantsInterruptWindow` is L0's wish to see
    /// when L2 can take an interrupt of L1's platform.
    public static func controls(l0: ExecutionControls, vmcs12 v: VMCS12, l0WantsInterruptWindow: Bool) -> ExecutionControls {
        let primary12 = v.u32(.cpuBasedVMExecControl)
        let secondary12 = primary12 & Primary.activateSecondary != 0 ? v.u32(.secondaryVMExecControl) : 0
        var c = ExecutionControls()
        c.pinBased = v.u32(.pinBasedVMExecControl) & (Pin.externalInterruptExiting | Pin.activatePreemptionTimer)
        c.primary =
            primary12 & passedPrimary | Primary.hltExiting | Primary.mwaitExiting | Primary.unconditionalIOExiting
            | Primary.activateSecondary
            | (l0WantsInterruptWindow ? Primary.interruptWindowExiting : 0)
        let ept01 = l0.has(secondary: Secondary.enableEPT)
        c.secondary = secondary12 & passedSecondary | (ept01 || secondary12 & Secondary.enableEPT != 0 ? Secondary.enableEPT : 0)
        c.exceptionBitmap = v.u32(.exceptionBitmap)
        c.pageFaultErrorCodeMask = v.u32(.pageFaultErrorCodeMask)
        c.pageFaultErrorCodeMatch = v.u32(.pageFaultErrorCodeMatch)
        let mask12 = v[.cr4GuestHostMask]
        c.cr0GuestHostMask = v[.cr0GuestHostMask]
        c.cr0ReadShadow = v[.cr0ReadShadow]
        c.cr4GuestHostMask = mask12 | CR4.vmxe
        c.cr4ReadShadow = v[.cr4ReadShadow] & mask12 | (mask12 & CR4.vmxe == 0 ? CR4.vmxe : 0)
        let targets = Int(min(v[.cr3TargetCount], UInt64(VMXCapabilities.cr3TargetValues)))
        let targetFields: [VMCSField] = [.cr3TargetValue0, .cr3TargetValue1, .cr3TargetValue2, .cr3TargetValue3]
        for field in targetFields.prefix(targets) { c.cr3TargetValues.append(v[field]) }
        let offset01 = l0.primary & Primary.useTSCOffsetting != 0 ? l0.tscOffset : 0
        let offset12 = primary12 & Primary.useTSCOffsetting != 0 ? v[.tscOffset] : 0
        if offset01 != 0 { c.primary |= Primary.useTSCOffsetting }
        c.tscOffset = offset01 &+ offset12
        c.preemptionTimerValue = v.u32(.vmxPreemptionTimerValue)
        if secondary12 & Secondary.enableEPT != 0 {
            c.eptPointer = v[.eptPointer]
            c.outerEPTPointers = ept01 ? l0.outerEPTPointers.prepending(l0.eptPointer) : []
        } else {
            c.eptPointer = l0.eptPointer
            c.outerEPTPointers = l0.outerEPTPointers
        }
        c.vpid = secondary12 & Secondary.enableVPID != 0 ? UInt16(truncatingIfNeeded: v[.virtualProcessorID]) : 0
        return c
    }
}
