/// bench: the processor benchmark's integer workload (share/guests/workload/workload.c) in Embedded Swift —
/// sorting, CRC-32, FNV-1a and a bytecode interpreter — printing the same checksums as the C version for the
/// same number of rounds. The command line sets the rounds (`rounds=N`, default 40). Exits with 0. A stop request
/// (`vmrun stop`) is honoured between rounds: it says how far it got and ends in an orderly way.
@_cdecl("guest_main")
public func guestMain(_ bootInfoPointer: UnsafeRawPointer) -> UInt32 {
    var rounds = 40
    if let n = BootInfo(bootInfoPointer)?.integerOption("rounds") { rounds = n }
    let start = Processor.timeStampCounter
    var workload = Workload()
    let totals = workload.run(rounds: rounds)
    let elapsed = Processor.timeStampCounter &- start
    if totals.completed < rounds {
        print("stop requested: ended after \(totals.completed) of \(rounds) rounds")
        return 0
    }
    print("sorted " + hex16(totals.sorted))
    print("crc32 " + hex16(totals.crc))
    print("fnv1a " + hex16(totals.hash))
    print("bytecode " + hex16(totals.bytecode))
    print("rounds \(rounds), \(elapsed) TSC ticks")
    return totals.failed ? 1 : 0
}
