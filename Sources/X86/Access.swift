/// Operand access: registers by size, effective addresses, and memory through paging and EPT.
extension CPU {
    /// A memory operand's offset, base + index·scale + displacement, before the address size and the segment
    /// apply (what LEA computes; RIP-relative uses the next instruction's address, which `rip` holds).
    @inline(__always)
    func addressOffset(_ i: Instruction) -> UInt64 {
        var address = UInt64(bitPattern: i.displacement)
        if i.base == Instruction.ripBase {
            address &+= rip
        } else if i.base != Instruction.noRegister {
            address &+= gpr[Int(i.base)]
        }
        if i.index != Instruction.noRegister { address &+= gpr[Int(i.index)] << UInt64(i.scale) }
        return address
    }

    /// The effective linear address of a memory operand (RIP-relative uses the next instruction's address, which
    /// `rip` already holds while an instruction executes).
    @inline(__always)
    func effectiveAddress(_ i: Instruction) -> UInt64 {
        var address = addressOffset(i)
        if i.addressSize == 4 { address &= 0xFFFF_FFFF }
        if i.segment != Instruction.noSegment { address &+= segments[Int(i.segment)].base }
        return address
    }

    /// Alignment checking (SDM "Alignment Check Exception (#AC)"): with CR0.AM, RFLAGS.AC and CPL 3, a misaligned
    /// data access raises #AC(0).
    @inline(__always)
    func checkAlignment(_ linear: UInt64, _ size: Int) throws(Event) {
        if cr0 & CR0.am != 0, linear & UInt64(size - 1) != 0, rflags & Flag.ac != 0, cpl == 3 {
            throw .fault(Fault(Vector.ac, errorCode: 0))
        }
    }

    /// The host address of `linear` when the TLB holds its translation for `access` in the current context
    /// (`translationTag`); such translations lie in guest RAM.
    @inline(__always)
    func residentHost(_ linear: UInt64, _ access: Access) -> UInt64? {
        let slot = tlb.slot(linear, access)
        guard tlb.tags[slot] == translationTag | (linear >> 12) & TLB.pageMask else { return nil }
        return tlb.hosts[slot] & ~0xFFF | (linear & 0xFFF)
    }

    /// Reads `size` bytes at a linear address. A TLB hit in guest RAM, within one page, is served right here;
    /// alignment checks, page-crossing accesses, misses and everything outside RAM take `readSlow`.
    @inline(__always)
    func read(_ linear: UInt64, _ size: Int) throws(Event) -> UInt64 {
        if linear & 0xFFF &+ UInt64(size) <= 0x1000, let host = residentHost(linear, .read) {
            return memory.readResident(host, size: size)
        }
        return try readSlow(linear, size)
    }

    /// Writes the low `size` bytes of `value` at a linear address (the fast path as for `read`).
    @inline(__always)
    func write(_ linear: UInt64, _ size: Int, _ value: UInt64) throws(Event) {
        if linear & 0xFFF &+ UInt64(size) <= 0x1000, let host = residentHost(linear, .write) {
            return memory.writeResident(host, size: size, value)
        }
        try writeSlow(linear, size, value)
    }

    /// Reads 16 bytes (an XMM operand) at a linear address: one TLB lookup when they lie in one page.
    @inline(__always)
    func read128(_ linear: UInt64) throws(Event) -> (UInt64, UInt64) {
        if linear & 0xFFF <= 0xFF0, let host = residentHost(linear, .read) {
            return (memory.readResident(host, size: 8), memory.readResident(host &+ 8, size: 8))
        }
        return (try readSlow(linear, 8), try read(linear &+ 8, 8))
    }

    /// Writes 16 bytes at a linear address; a fault on either page leaves both unchanged.
    @inline(__always)
    func write128(_ linear: UInt64, _ value: (UInt64, UInt64)) throws(Event) {
        if linear & 0xFFF <= 0xFF0, let host = residentHost(linear, .write) {
            return memory.writeResident128(host, value)
        }
        try write128Slow(linear, value)
    }

    func write128Slow(_ linear: UInt64, _ value: (UInt64, UInt64)) throws(Event) {
        try prepareWrite(linear, 16)
        try writeSlow(linear, 8, value.0)
        try writeSlow(linear &+ 8, 8, value.1)
    }

    /// Makes sure `size` bytes at `linear` can be written, raising the fault the write would, before a
    /// read-modify-write changes anything (flags included). Hardware reads such an operand with write intent.
    @inline(__always)
    func prepareWrite(_ linear: UInt64, _ size: Int) throws(Event) {
        if linear & 0xFFF &+ UInt64(size) <= 0x1000, residentHost(linear, .write) != nil { return }
        try checkAlignment(linear, size)
        do { _ = try translate(linear, .write) } catch { if mmioAddress(error) == nil { throw error } }
        if linear & 0xFFF &+ UInt64(size) > 0x1000 { _ = try translate(linear &+ UInt64(size - 1), .write) }
    }

    func readSlow(_ linear: UInt64, _ size: Int) throws(Event) -> UInt64 {
        try checkAlignment(linear, size)
        if linear & 0xFFF &+ UInt64(size) > 0x1000 { return try readSplit(linear, size) }
        let host: UInt64
        do { host = try translate(linear, .read) } catch { return try mmioRead(error, size) }
        return memory.read(host, size: size)
    }

    func writeSlow(_ linear: UInt64, _ size: Int, _ value: UInt64) throws(Event) {
        try checkAlignment(linear, size)
        if linear & 0xFFF &+ UInt64(size) > 0x1000 { return try writeSplit(linear, size, value) }
        let host: UInt64
        do { host = try translate(linear, .write) } catch { return try mmioWrite(error, size, value) }
        memory.write(host, size: size, value)
    }

    /// Recomputes `translationTag` from CPL, CR0, CR3 and CR4. `runInstructions` calls it on entry and after
    /// every instruction it does not execute inline, which are the only places those registers change while it
    /// runs.
    @inline(__always)
    func refreshTranslationTag() {
        let user = cpl == 3
        if !isPaging || (user && cr0 & CR0.am != 0) {
            translationTag = TLB.neverMatches
        } else {
            translationTag = TLB.tag(0, user: user, pcid: cr4 & CR4.pcide != 0 ? cr3 & 0xFFF : 0)
        }
    }

    func readSplit(_ linear: UInt64, _ size: Int) throws(Event) -> UInt64 {
        var value: UInt64 = 0
        for k in 0..<size {
            value |= memory.read(try translate(linear &+ UInt64(k), .read), size: 1) << (8 * UInt64(k))
        }
        return value
    }

    func writeSplit(_ linear: UInt64, _ size: Int, _ value: UInt64) throws(Event) {
        // Translate both pages before writing either, so a fault leaves memory unchanged.
        _ = try translate(linear, .write)
        _ = try translate(linear &+ UInt64(size - 1), .write)
        for k in 0..<size {
            memory.write(try translate(linear &+ UInt64(k), .write), size: 1, value >> (8 * UInt64(k)))
        }
    }

    /// A general-purpose register read at an operand size (1 uses AH–BH for 4–7 without REX).
    @inline(__always)
    func register(_ r: UInt8, _ size: Int, rex: UInt8) -> UInt64 {
        switch size {
        case 8: return gpr[Int(r)]
        case 4: return gpr[Int(r)] & 0xFFFF_FFFF
        case 2: return gpr[Int(r)] & 0xFFFF
        default:
            if rex == 0 && r >= 4 && r < 8 { return (gpr[Int(r - 4)] >> 8) & 0xFF }
            return gpr[Int(r)] & 0xFF
        }
    }

    /// A general-purpose register write at an operand size: 32-bit writes zero the upper half, 8- and 16-bit
    /// writes keep the rest.
    @inline(__always)
    func setRegister(_ r: UInt8, _ size: Int, _ value: UInt64, rex: UInt8) {
        switch size {
        case 8: gpr[Int(r)] = value
        case 4: gpr[Int(r)] = value & 0xFFFF_FFFF
        case 2: gpr[Int(r)] = (gpr[Int(r)] & ~0xFFFF) | (value & 0xFFFF)
        default:
            if rex == 0 && r >= 4 && r < 8 {
                gpr[Int(r - 4)] = (gpr[Int(r - 4)] & ~0xFF00) | ((value & 0xFF) << 8)
            } else {
                gpr[Int(r)] = (gpr[Int(r)] & ~0xFF) | (value & 0xFF)
            }
        }
    }

    /// The ModRM r/m operand.
    @inline(__always)
    func readRM(_ i: Instruction, _ size: Int) throws(Event) -> UInt64 {
        if i.mod == 3 { return register(i.rm, size, rex: i.rex) }
        return try read(effectiveAddress(i), size)
    }

    /// Writes the ModRM r/m operand.
    @inline(__always)
    func writeRM(_ i: Instruction, _ size: Int, _ value: UInt64) throws(Event) {
        if i.mod == 3 { return setRegister(i.rm, size, value, rex: i.rex) }
        try write(effectiveAddress(i), size, value)
    }

    /// A stack address must be canonical, else #SS(0) (SDM "Stack Fault Exception (#SS)").
    @inline(__always)
    func checkStackAddress(_ linear: UInt64) throws(Event) {
        let high = Int64(bitPattern: linear) >> (cr4 & CR4.la57 != 0 ? 56 : 47)
        if high != 0 && high != -1 { throw .fault(Fault(Vector.ss, errorCode: 0)) }
    }

    /// Pushes a value of `size` bytes on the stack.
    @inline(__always)
    func push(_ value: UInt64, _ size: Int = 8) throws(Event) {
        let rsp = gpr[Reg.rsp] &- UInt64(size)
        try checkStackAddress(rsp)
        try write(rsp, size, value)
        gpr[Reg.rsp] = rsp
    }

    /// Pops a value of `size` bytes off the stack.
    @inline(__always)
    func pop(_ size: Int = 8) throws(Event) -> UInt64 {
        try checkStackAddress(gpr[Reg.rsp])
        let value = try read(gpr[Reg.rsp], size)
        gpr[Reg.rsp] &+= UInt64(size)
        return value
    }
}

/// Guest memory as the running guest sees it, for a hypervisor emulating an instruction that exited (the
/// operand of VMXON, VMPTRLD …): linear addresses go through the guest's paging and EPT exactly as the
/// instruction's own access would, and a failure is the exception (or EPT exit) that access would raise.
extension CPU {
    /// Reads `size` bytes (1, 2, 4 or 8) at a guest-linear address.
    public func readLinear(_ linear: UInt64, size: Int) throws(Event) -> UInt64 {
        refreshTranslationTag()  // the caller may have changed CPL, CR0, CR3 or CR4 since the last instruction
        return try read(linear, size)
    }

    /// Writes the low `size` bytes of `value` at a guest-linear address.
    public func writeLinear(_ linear: UInt64, size: Int, _ value: UInt64) throws(Event) {
        refreshTranslationTag()
        try write(linear, size, value)
    }

}
