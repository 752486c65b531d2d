import VMX
import X86

/// Small L1 hypervisors in assembly: VMXON, one VMCS for an L2 that shares L1's page tables (or runs under an
/// EPT12 the test builds), and an exit handler. Field encodings come from the generated `VMCSField`, so no
/// number is typed twice.
///
/// Memory: VMXON region 0x200000, VMCS 0x202000 (pointers to them at 0x201000 and 0x203000), L1's exit stack
/// below 0x90000, L2's stack below 0x80000, scratch at 0x204000 (bitmaps and lists are placed by each test).
enum NestedGuest {
    /// VMWRITE of an immediate or a register/expression into a field (clobbers RAX and RBX).
    static func write(_ field: VMCSField, _ value: String) -> String {
        "mov $\(field.rawValue), %rax; mov \(value), %rbx; vmwrite %rbx, %rax"
    }

    /// VMREAD of a field into a register (clobbers RAX).
    static func read(_ field: VMCSField, into register: String) -> String {
        "mov $\(field.rawValue), %rax; vmread %rax, \(register)"
    }

    /// A control value adjusted by its TRUE capability MSR, as hypervisors do: must-be-1 bits set, bits that may
    /// not be 1 cleared; the result is written to `field`.
    static func control(_ field: VMCSField, msr: UInt32, _ wanted: UInt32) -> String {
        """
        mov $\(msr), %ecx; rdmsr; mov $\(wanted), %ebx; or %eax, %ebx; and %edx, %ebx
        mov $\(field.rawValue), %rax; vmwrite %rbx, %rax
        """
    }

    /// Enters VMX operation and makes a fresh VMCS current: the VMXON region at `base`, the VMCS at base + 0x2000,
    /// pointers to them at base + 0x1000 and base + 0x3000.
    static func enableVMX(at base: UInt64 = 0x200000) -> String {
        let hex = { (offset: UInt64) in "0x" + String(base + offset, radix: 16) }
        return """
            mov $0x3a, %ecx; rdmsr; test $1, %eax; jnz 1f; mov $5, %eax; xor %edx, %edx; wrmsr; 1:
            mov %cr4, %rax; bts $13, %rax; mov %rax, %cr4
            movl $\(VMXCapabilities.revisionIdentifier), \(hex(0))
            movq $\(hex(0)), \(hex(0x1000))
            vmxon \(hex(0x1000))
            movl $\(VMXCapabilities.revisionIdentifier), \(hex(0x2000))
            movq $\(hex(0x2000)), \(hex(0x3000))
            vmclear \(hex(0x3000))
            vmptrld \(hex(0x3000))
            """
    }

    /// `enableVMX()` at the usual addresses.
    static let enableVMX = enableVMX()

    /// The controls, host state and guest state of an L2 running `l2` (a label) on L1's page tables, with
    /// `primary` and `secondary` execution controls asked for. Exits go to `on_exit`.
    static func setUp(
        primary: UInt32 = 0, secondary: UInt32 = 0, pin: UInt32 = 0, exit: UInt32 = 0, entry: UInt32 = 0,
        hostStack: String = "0x90000", guestStack: String = "0x80000", onExit: String = "on_exit", l2: String = "l2"
    ) -> String {
        let secondaryOn = secondary != 0 ? ExecutionControls.Primary.activateSecondary : 0
        return [
            control(.pinBasedVMExecControl, msr: VMXCapabilities.MSRNumber.truePinBased, pin),
            control(.cpuBasedVMExecControl, msr: VMXCapabilities.MSRNumber.trueProcBased, primary | secondaryOn),
            control(.secondaryVMExecControl, msr: VMXCapabilities.MSRNumber.procBased2, secondary),
            control(.vmExitControls, msr: VMXCapabilities.MSRNumber.trueExit, exit | ExitControls.hostAddressSpaceSize),
            control(.vmEntryControls, msr: VMXCapabilities.MSRNumber.trueEntry, entry | EntryControls.ia32eModeGuest),
            write(.vmcsLinkPointer, "$-1"),
            "mov %cr0, %rcx", write(.hostCR0, "%rcx"), write(.guestCR0, "%rcx"),
            "mov %cr3, %rcx", write(.hostCR3, "%rcx"), write(.guestCR3, "%rcx"),
            "mov %cr4, %rcx", write(.hostCR4, "%rcx"), write(.guestCR4, "%rcx"),
            write(.hostCSSelector, "$0x08"), write(.hostSSSelector, "$0x10"), write(.hostDSSelector, "$0x10"),
            write(.hostESSelector, "$0x10"), write(.hostFSSelector, "$0x10"), write(.hostGSSelector, "$0x10"),
            write(.hostTRSelector, "$0x18"), write(.hostTRBase, "$0x4080"), write(.hostGDTRBase, "$0x4000"),
            write(.hostIDTRBase, "$0x5000"), write(.hostRSP, "$" + hostStack), "lea \(onExit)(%rip), %rcx", write(.hostRIP, "%rcx"),
            write(.guestCSSelector, "$0x08"), write(.guestCSLimit, "$0xffffffff"), write(.guestCSARBytes, "$0xa09b"),
        ]
        .joined(separator: "\n") + "\n"
            + [
                (VMCSField.guestSSSelector, VMCSField.guestSSLimit, VMCSField.guestSSARBytes),
                (.guestDSSelector, .guestDSLimit, .guestDSARBytes), (.guestESSelector, .guestESLimit, .guestESARBytes),
                (.guestFSSelector, .guestFSLimit, .guestFSARBytes), (.guestGSSelector, .guestGSLimit, .guestGSARBytes),
            ].map { [write($0.0, "$0x10"), write($0.1, "$0xffffffff"), write($0.2, "$0xc093")].joined(separator: "\n") }
            .joined(separator: "\n") + "\n"
            + [
                write(.guestTRSelector, "$0x18"), write(.guestTRBase, "$0x4080"), write(.guestTRLimit, "$0x67"),
                write(.guestTRARBytes, "$0x8b"), write(.guestLDTRARBytes, "$0x10000"),
                write(.guestGDTRBase, "$0x4000"), write(.guestGDTRLimit, "$0x27"),
                write(.guestIDTRBase, "$0x5000"), write(.guestIDTRLimit, "$0xfff"),
                write(.guestRFLAGS, "$2"), write(.guestRSP, "$" + guestStack), "lea \(l2)(%rip), %rcx", write(.guestRIP, "%rcx"),
            ].joined(separator: "\n") + "\n"
    }

    /// Moves L2's RIP past the instruction that exited (clobbers RAX, RBX, RCX).
    static let skipInstruction = [
        read(.guestRIP, into: "%rcx"), read(.vmExitInstructionLen, into: "%rbx"), "add %rbx, %rcx", write(.guestRIP, "%rcx"),
    ].joined(separator: "\n")
}

extension NestedGuest {
    /// `put_hex`: prints RDI on COM1 in hex without leading zeros, then a space (clobbers RAX, RCX, RDX, RSI).
    static let putHex = """
        put_hex:
        mov %rdi, %rsi; mov $16, %ecx; xor %edx, %edx
        91: rol $4, %rsi; mov %esi, %eax; and $15, %eax
        test %edx, %edx; jnz 92f; test %eax, %eax; jnz 92f; cmp $1, %ecx; jne 93f
        92: mov $1, %edx; cmp $10, %al; jb 94f; add $39, %al
        94: add $48, %al; push %rdx; mov $0x3f8, %dx; out %al, %dx; pop %rdx
        93: dec %ecx; jnz 91b
        mov $32, %al; mov $0x3f8, %dx; out %al, %dx
        ret
        """

    /// Prints a field of the current VMCS (clobbers RAX, RCX, RDX, RSI, RDI).
    static func print(_ field: VMCSField) -> String {
        "mov $\(field.rawValue), %rax; vmread %rax, %rdi; call put_hex"
    }

    /// Prints a register or memory operand.
    static func print(value: String) -> String { "mov \(value), %rdi; call put_hex" }

    /// An exit handler that prints the exit reason, qualification, instruction length and exit interruption
    /// information, then ends the machine with status 0x5A.
    static let reportExit = """
        on_exit:
        \(print(.vmExitReason))
        \(print(.exitQualification))
        \(print(.vmExitInstructionLen))
        \(print(.vmExitIntrInfo))
        mov $0x5a, %al; out %al, $0xf4
        """

    /// A whole L1: VMX on, the VMCS set up with `controls`, `before` run, then VMLAUNCH; an entry that fails
    /// prints "fail" and the flags' CF and ZF and the VM-instruction error. L2 runs `l2`, exits go to `handler`.
    static func program(setUp controls: String = setUp(), before: String = "", l2: String, handler: String = reportExit) -> String {
        """
        \(enableVMX)
        \(controls)
        \(before)
        vmlaunch
        setc %r8b; setz %r9b
        \(print(value: "$0xfa11"))
        movzx %r8b, %rdi; call put_hex
        movzx %r9b, %rdi; call put_hex
        \(print(.vmInstructionError))
        mov $0x5b, %al; out %al, $0xf4
        \(handler)
        \(putHex)
        l2:
        \(l2)
        """
    }
}

extension NestedGuest {
    /// Prints CF and ZF after a VMX instruction: "1 0 " for VMfailInvalid, "0 1 " for VMfailValid, "0 0 " for
    /// VMsucceed (clobbers R8, R9 and what `put_hex` does).
    static let flags = "setc %r8b; setz %r9b; movzx %r8b, %rdi; call put_hex; movzx %r9b, %rdi; call put_hex"

    /// `code` after VMX is on with a fresh current VMCS, then status 0x5A; `on_exit` and `l2` exist for code
    /// that launches.
    static func instructions(_ code: String, l2: String = "cpuid", handler: String = reportExit) -> String {
        """
        \(enableVMX)
        \(code)
        mov $0x5a, %al; out %al, $0xf4
        \(handler)
        \(putHex)
        l2:
        \(l2)
        """
    }
}
