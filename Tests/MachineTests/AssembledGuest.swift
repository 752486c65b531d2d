import Foundation
import TestSupport
import Machine

/// Small guests written in assembly (GNU as, AT&T syntax), assembled and linked with the system compiler at
/// test time, for behaviour the shipped guests do not exercise.
enum AssembledGuest {
    /// Assembles `source` into an ELF64 executable loaded at `textAddress`.
    static func build(_ source: String, textAddress: UInt64 = 0x10_0000) throws -> [UInt8] {
        let directory = URL(fileURLWithPath: TestDirectory.path("asm"))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("guest.S"), output = directory.appendingPathComponent("guest.elf")
        let script = directory.appendingPathComponent("guest.ld")
        try (".globl _start\n_start:\n" + source + "\n").write(to: input, atomically: true, encoding: .utf8)
        try "SECTIONS { . = 0x\(String(textAddress, radix: 16)); .text : { *(.text*) } .data : { *(.data*) } .bss : { *(.bss*) } }\n"
            .write(to: script, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            ProcessInfo.processInfo.environment["CC"] ?? "cc",
            "-nostdlib", "-static", "-no-pie", "-Wl,-T,\(script.path)", "-Wl,--build-id=none",
            "-Wl,-e,_start", "-Wl,-z,noexecstack", input.path, "-o", output.path,
        ]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw AssemblyError(message: String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        }
        return [UInt8](try Data(contentsOf: output))
    }

    struct AssemblyError: Error { var message: String }

    /// Instructions that install `handler` as the interrupt gate for `vector` in the boot IDT.
    static func installGate(vector: Int, handler: String) -> String {
        let gate = 0x5000 + vector * 16
        return """
            lea \(handler)(%rip), %rax
            mov $\(gate), %rdi
            mov %ax, (%rdi)
            movw $0x08, 2(%rdi)
            movw $0x8E00, 4(%rdi)
            shr $16, %rax
            mov %ax, 6(%rdi)
            shr $16, %rax
            mov %eax, 8(%rdi)
            movl $0, 12(%rdi)
            """
    }

    /// Initialises the PICs (vector bases 0x20 and 0x28, cascade on IRQ 2) with `masterMask` unmasked as given.
    static func initializePIC(masterMask: UInt8) -> String {
        """
        mov $0x11, %al; out %al, $0x20; mov $0x11, %al; out %al, $0xA0
        mov $0x20, %al; out %al, $0x21; mov $0x28, %al; out %al, $0xA1
        mov $0x04, %al; out %al, $0x21; mov $0x02, %al; out %al, $0xA1
        mov $0x01, %al; out %al, $0x21; mov $0x01, %al; out %al, $0xA1
        mov $\(masterMask), %al; out %al, $0x21
        """
    }

    /// Starts processor 1 at `label` through its boot-information mailbox (RDI still the boot information), its
    /// stack at 3 MiB.
    static func startSecondary(at label: String) -> String {
        """
        mov 64(%rdi), %rbx
        movq $0x300000, 32+16(%rbx)
        lea \(label)(%rip), %rax
        mov %rax, 32+8(%rbx)
        """
    }

    /// Programs the PIT's channel 0 for an interrupt every millisecond (count 1193).
    static let millisecondTimer = """
        mov $0x34, %al; out %al, $0x43
        mov $0xa9, %al; out %al, $0x40
        mov $0x04, %al; out %al, $0x40
        """

    /// An interrupt handler at `tick` that counts in EBX and acknowledges the master PIC.
    static let tickHandler = """
        tick: inc %ebx
        push %rax
        mov $0x20, %al; out %al, $0x20
        pop %rax
        iretq
        """

    /// A guest that sleeps through five timer interrupts and exits with 5.
    static let tickerSource =
        installGate(vector: 0x20, handler: "tick") + "\n" + initializePIC(masterMask: 0xFE) + "\n" + millisecondTimer + """

            xor %ebx, %ebx
            sti
            1: hlt
            cmp $5, %ebx
            jb 1b
            mov %ebx, %eax
            out %al, $0xf4

            """ + tickHandler

    static func ticker() throws -> [UInt8] { try build(tickerSource) }
}

extension Machine {
    /// Runs until the machine stops or waits for input, or `budget` instructions have run.
    func runToEnd(budget: UInt64 = 50_000_000) -> Machine.Status {
        var spent: UInt64 = 0
        while spent < budget {
            let status = run(budget: 10_000_000)
            if status != .running { return status }
            spent += 10_000_000
        }
        return .running
    }
}
