import Foundation
import Testing
import TestSupport
@testable import X86

/// Freestanding C programs compiled by the test (gcc and clang, -O0 and -O2) run to completion on the processor
/// and print exactly what the same source prints when compiled natively.
@Suite("Compiled programs")
struct CompiledProgramTests {
    static let source = PackageRoot.path + "/share/guests/workload/workload.c"

    static func compilers() -> [String] {
        ["gcc", "clang"].filter { compiler in
            (try? run("/bin/sh", ["-c", "command -v \(compiler)"]).status) == 0
        }
    }

    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Runs an ELF guest: OUT to 0x3F8 is its console, OUT to 0xF4 its exit status.
    static func runGuest(_ image: ELFImage, memory: PhysicalMemory) throws -> (console: String, status: Int, instructions: UInt64) {
        try image.load(into: memory)
        let cpu = CPU(memory: memory)
        BareMetal.prepare(cpu)
        cpu.rip = image.entry
        cpu.gpr[Reg.rsp] = UInt64(memory.size) - 0x1000
        let (end, console) = BareMetal.run(cpu, maxInstructions: 2_000_000_000)
        let text = String(decoding: console, as: UTF8.self)
        switch end {
        case .exitPort(let status): return (text, Int(status), cpu.instructionsRetired)
        case .instructionLimit, .halted: return (text, -1, cpu.instructionsRetired)
        case .unexpected(let exit):
            let detail = "exit \(exit.reasonName) info \(String(exit.interruptionInfo, radix: 16)) at rip \(String(cpu.rip, radix: 16))"
            return (text + detail, -Int(exit.reason.rawValue) - 1000, cpu.instructionsRetired)
        }
    }

    /// Builds `source` natively and as a guest (with `guestFlags` beside the usual ones) with every compiler the
    /// machine has, runs both, and checks that the guest exits 0 printing what the native build prints; returns
    /// the native outputs.
    @discardableResult
    static func expectNativeOutput(_ source: String, optimization: String, guestFlags: (String) -> [String] = { _ in [] }) throws
        -> [String]
    {
        let directory = TestDirectory.path("programs")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let compilers = Self.compilers()
        try #require(!compilers.isEmpty, "no C compiler")
        var outputs: [String] = []
        for compiler in compilers {
            let tool = "/usr/bin/env", what = "\(source.split(separator: "/").last ?? "") \(compiler) \(optimization)"
            let native = "\(directory)/native-\(compiler)", guest = "\(directory)/guest-\(compiler).elf"
            let built = try Self.run(tool, [compiler, optimization, "-DNATIVE", "-o", native, source])
            try #require(built.status == 0, "\(built.output)")
            let guestBuilt = try Self.run(
                tool, [compiler, optimization] + GuestBuild.flags + guestFlags(compiler) + ["-o", guest, source, "-lgcc"])
            try #require(guestBuilt.status == 0, "\(guestBuilt.output)")
            let expected = try Self.run(native, []).output
            let image = try ELFImage(Array(try Data(contentsOf: URL(fileURLWithPath: guest))))
            let result = try Self.runGuest(image, memory: PhysicalMemory(size: 8 << 20)!)
            #expect(result.status == 0, "\(what): \(result.console)")
            #expect(result.console == expected, "\(what)")
            #expect(!expected.isEmpty, "\(what)")
            outputs.append(expected)
        }
        return outputs
    }

    @Test("The workload prints what it prints natively", arguments: ["-O0", "-O2"])
    func workload(optimization: String) throws {
        for expected in try Self.expectNativeOutput(Self.source, optimization: optimization) {
            #expect(expected.contains("bytecode 00000000008a043a"))
        }
    }

    /// The benchmark suite's programs (share/guests/suite), one round each, with code and data on one page as
    /// small freestanding programs are laid out (-N: text and data in one segment, packed together; GNU ld warns
    /// about that, gold does not know the flag that quiets it), at -O0 and -O2.
    @Test("The suite programs print what they print natively", arguments: ["dispatch", "hashsort", "muldiv", "strings", "vector"])
    func suiteProgram(name: String) throws {
        let source = PackageRoot.path + "/share/guests/suite/\(name).c"
        for optimization in ["-O0", "-O2"] {
            try Self.expectNativeOutput(source, optimization: optimization) { compiler in
                ["-Wl,-N"] + (compiler == "gcc" ? ["-Wl,--no-warn-rwx-segments"] : [])
            }
        }
    }

    @Test("ELF errors: not ELF, wrong class, segment outside memory")
    func elfErrors() throws {
        #expect(throws: ELFError.notELF) { try ELFImage([UInt8](repeating: 0, count: 64)) }
        var header = [UInt8](repeating: 0, count: 64)
        header[0...3] = [0x7F, 0x45, 0x4C, 0x46]
        header[4] = 1
        #expect(throws: ELFError.not64BitLittleEndian) { try ELFImage(header) }
    }
}

/// How guests are compiled: freestanding, static, linked at 1 MiB, no red zone (interrupts may use the stack).
enum GuestBuild {
    static let flags = [
        "-ffreestanding", "-fno-pic", "-fno-pie", "-no-pie", "-nostdlib", "-static", "-fno-stack-protector",
        "-mno-red-zone", "-fno-asynchronous-unwind-tables", "-Wl,-Ttext=0x100000", "-Wl,--build-id=none", "-Wl,-e,_start",
    ]
}

/// The package root, for tests that read files from the tree.
