// x86bench: the processor benchmark. Runs a tight ALU loop and the compiled integer workload under 4-level
// paging (identity, 2 MiB pages) and reports millions of guest instructions per second, with decode-cache and
// TLB hit rates measured in a separate run. Usage: x86bench [--quick] WORKLOAD.elf
// --quick runs each once with a shorter loop: for counting host instructions under valgrind --tool=callgrind,
// which is repeatable where wall-clock time on a shared machine is not.
// x86bench --run IMAGE.elf runs one guest image once and prints its console output and the instructions it
// retired; under callgrind with --toggle-collect='*runToEnd*' it gives host instructions per guest instruction.
#if canImport(Glibc)
    import Glibc
#endif
import X86

/// Prints `message` on stderr, after the program's name.
func printError(_ message: String) {
    var line = "x86bench: \(message)\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

/// Prints `message` on stderr and ends with `status`.
func fail(_ message: String, status: Int32) -> Never {
    printError(message)
    exit(status)
}

func seconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

/// A processor over 16 MiB of memory, identity-mapped with 2 MiB pages, paging on.
func makeCPU() -> CPU {
    guard let memory = PhysicalMemory(size: 16 << 20) else { fail("cannot map 16 MiB of guest memory", status: 1) }
    let cpu = CPU(memory: memory)
    cpu.cr3 = IdentityMap.build(at: 0x1000, memoryBytes: UInt64(memory.size), flags: .paging) { memory.write($0, size: 8, $1) }
    cpu.cr0 |= CR0.pg | CR0.wp
    BareMetal.prepare(cpu)
    cpu.gpr[Reg.rsp] = UInt64(memory.size) - 0x1000
    return cpu
}

/// Runs until HLT or the exit port; returns the instructions retired, the console text, and whether the program
/// ended well (HLT, or status 0 at the exit port).
@inline(never)  // the boundary callgrind counts within (--toggle-collect=*runToEnd*)
func runToEnd(_ cpu: CPU) -> (instructions: UInt64, console: String, ok: Bool) {
    let (end, console) = BareMetal.run(cpu)
    let text = String(decoding: console, as: UTF8.self)
    switch end {
    case .halted, .exitPort(0): return (cpu.instructionsRetired, text, true)
    case .unexpected(let exit): printError("unexpected exit: \(exit.reasonName) at \(String(cpu.rip, radix: 16))")
    case .exitPort, .instructionLimit: break
    }
    return (cpu.instructionsRetired, text, false)
}

struct Measurement {
    var name: String
    var instructions: UInt64
    var seconds: Double
    var statistics: CPU.Statistics
    var mips: Double { Double(instructions) / seconds / 1e6 }
}

func measure(_ name: String, repeat count: Int = quick ? 1 : 3, setup: (CPU) -> Void) -> Measurement {
    var best = Double.infinity
    var instructions: UInt64 = 0
    for _ in 0..<count {
        let cpu = makeCPU()
        setup(cpu)
        let start = seconds()
        let result = runToEnd(cpu)
        let elapsed = seconds() - start
        guard result.ok else { fail("\(name): the guest failed", status: 1) }
        best = min(best, elapsed)
        instructions = result.instructions
    }
    var statistics = CPU.Statistics()
    if !quick {
        let cpu = makeCPU()
        setup(cpu)
        cpu.collectsStatistics = true
        _ = runToEnd(cpu)
        statistics = cpu.statistics
    }
    return Measurement(name: name, instructions: instructions, seconds: best, statistics: statistics)
}

func percent(_ hits: UInt64, _ misses: UInt64) -> String {
    let total = hits + misses
    guard total > 0 else { return "-" }
    let value = Double(hits) * 100 / Double(total)
    return String(Int(value * 100) / 100) + "." + String(Int(value * 100) % 100 / 10) + String(Int(value * 100) % 10) + "%"
}

var arguments = Array(CommandLine.arguments.dropFirst())
let quick = arguments.first == "--quick"
let runOnce = arguments.first == "--run"
if quick || runOnce { arguments.removeFirst() }
guard arguments.count == 1, let file = fopen(arguments[0], "rb") else {
    fail("usage: x86bench [--quick | --run] IMAGE.elf", status: 64)
}
var bytes: [UInt8] = []
var buffer = [UInt8](repeating: 0, count: 65536)
while true {
    let n = fread(&buffer, 1, buffer.count, file)
    if n <= 0 { break }
    bytes += buffer[0..<n]
}
fclose(file)
let image: ELFImage
do { image = try ELFImage(bytes) } catch { fail("not a guest image: \(error)", status: 65) }

if runOnce {
    let cpu = makeCPU()
    do { try image.load(into: cpu.memory) } catch { fail("cannot load: \(error)", status: 65) }
    cpu.rip = image.entry
    let result = runToEnd(cpu)
    print(result.console, terminator: "")
    print("\(result.instructions) guest instructions")
    exit(result.ok ? 0 : 1)
}

// A tight ALU loop: mov ecx, N; top: add rax, rcx; xor rbx, rax; lea rdx, [rbx+rax*2]; sub rdx, 7; dec rcx; jnz top; hlt
// N is 50,000,000, or 1,000,000 with --quick.
let iterations: UInt32 = quick ? 1_000_000 : 50_000_000
let loop: [UInt8] =
    [0xB9] + (0..<4).map { UInt8(truncatingIfNeeded: iterations >> (8 * $0)) }
    + [0x48, 0x01, 0xC8, 0x48, 0x31, 0xC3, 0x48, 0x8D, 0x14, 0x43, 0x48, 0x83, 0xEA, 0x07, 0x48, 0xFF, 0xC9, 0x75, 0xEE, 0xF4]
let alu = measure("tight ALU loop (add, xor, lea, sub, dec, jnz)") { cpu in
    cpu.memory.load(loop, at: 0x100000)
    cpu.rip = 0x100000
}
let workload = measure("compiled workload (sort, CRC-32, FNV-1a, bytecode VM)") { cpu in
    do { try image.load(into: cpu.memory) } catch { fail("cannot load: \(error)", status: 65) }
    cpu.rip = image.entry
}

print("benchmark                                               instructions   seconds    MIPS  decode hits  TLB hits")
for m in [alu, workload] {
    let name = m.name + String(repeating: " ", count: max(0, 54 - m.name.count))
    let mips = String(Int(m.mips * 10) / 10) + "." + String(Int(m.mips * 10) % 10)
    let line =
        "\(name) \(String(m.instructions).leftPad(13)) \(String(Int(m.seconds * 1000)).leftPad(7))ms \(mips.leftPad(7)) \(percent(m.statistics.decodeHits, m.statistics.decodeMisses).leftPad(11)) \(percent(m.statistics.tlbHits, m.statistics.tlbMisses).leftPad(9))"
    print(line)
}

extension String {
    func leftPad(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
