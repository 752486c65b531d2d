/// A nested VM's accesses to its virtio-mmio registers: the device window (`PlatformVirtio`) is left out of the
/// VM's EPT, so each access exits with an EPT violation whose guest-physical address names the register (SDM
/// vol. 3, "EPT Violations"). The exit does not say what the instruction was, so minivisor reads it at RIP
/// through the VM's own page tables and emulates it, as a hypervisor's instruction emulator does: the MOV forms
/// compilers use for device registers (88, 89, 8A, 8B, C6, C7, and MOVZX 0F B6 and 0F B7, with operand-size and
/// REX prefixes and any ModRM addressing). Anything else on device memory ends the VM, saying which bytes it was.
extension NestedProcessor {
    /// What a MOV to or from device memory does: bytes moved, the register (REX.R included), a store's
    /// immediate, whether a load zero-extends from `size` (MOVZX) into `destinationSize`, and the length.
    struct DeviceMove {
        var size: Int
        var isStore: Bool
        var register: Int
        var immediate: UInt64?
        var destinationSize: Int
        var hasREX: Bool
        var length: Int
    }

    /// Handles an EPT violation at guest-physical `address`: emulated when a network adapter's registers are there,
    /// else the VM ends as before.
    func deviceAccess(_ address: UInt64) -> Step {
        let rip = read(NV_VMCS_GUEST_RIP)
        let window = PlatformVirtio.windowBase
        let index = address >= window ? Int((address - window) >> 12) - 1 : -1
        guard index >= 0 && index < vm.adapters.count else {
            finish(
                .unsupported(
                    "an access to guest-physical \(Console.hex(address)) at RIP \(Console.hex(rip)), outside its \(memoryBytes >> 20) MiB of memory"
                ))
            return .ended
        }
        let bytes = instructionBytes(at: rip)
        guard let move = Self.decodeMove(bytes) else {
            var shown = ""
            for k in 0..<min(bytes.count, 8) { shown += (shown.isEmpty ? "" : " ") + Console.hex(UInt64(bytes[k])) }
            finish(
                .unsupported(
                    "an instruction minivisor does not emulate on device memory (\(Console.hex(address))) at RIP \(Console.hex(rip)): bytes \(shown); use MOV"
                ))
            return .ended
        }
        let device = vm.adapters[index].device
        let offset = address & 0xFFF
        if move.isStore {
            let value = move.immediate ?? register(move.register, size: move.size, rex: move.hasREX)
            var done = 0
            while done < move.size {
                let part = min(move.size - done, 4)
                device.write(offset + UInt64(done), size: part, value: UInt32(truncatingIfNeeded: value >> (8 * UInt64(done))))
                done += part
            }
        } else {
            var value: UInt64 = 0, done = 0
            while done < move.size {
                let part = min(move.size - done, 4)
                value |= UInt64(device.read(offset + UInt64(done), size: part)) << (8 * UInt64(done))
                done += part
            }
            setRegister(move.register, value, size: move.destinationSize, rex: move.hasREX)
        }
        set(NV_VMCS_GUEST_RIP, rip &+ UInt64(move.length))
        let interruptibility = read(NV_VMCS_GUEST_INTERRUPTIBILITY_INFO)
        if interruptibility & 3 != 0 { set(NV_VMCS_GUEST_INTERRUPTIBILITY_INFO, interruptibility & ~3) }
        return .resume
    }

    /// The MOV `bytes` begin with, or nil for anything else.
    static func decodeMove(_ bytes: CodeBytes) -> DeviceMove? {
        var at = 0, operandSize16 = false, rex: UInt8 = 0
        while at < bytes.count {
            let b = bytes[at]
            if b == 0x66 {
                operandSize16 = true
            } else if b == 0x2E || b == 0x3E || b == 0x26 || b == 0x36 || b == 0x64 || b == 0x65 {
                // segment overrides: the address is the exit's anyway
            } else {
                break
            }
            at += 1
        }
        if at < bytes.count && bytes[at] & 0xF0 == 0x40 {
            rex = bytes[at]
            at += 1
        }
        guard at < bytes.count else { return nil }
        let wide = rex & 8 != 0 ? 8 : operandSize16 ? 2 : 4
        var opcode = Int(bytes[at])
        at += 1
        if opcode == 0x0F {
            guard at < bytes.count else { return nil }
            opcode = 0x0F00 | Int(bytes[at])
            at += 1
        }
        guard at < bytes.count else { return nil }
        let modrm = bytes[at]
        at += 1
        let mod = modrm >> 6, rm = modrm & 7
        let register = Int(modrm >> 3 & 7) | (rex & 4 != 0 ? 8 : 0)
        guard mod != 3 else { return nil }  // a register operand: not a memory access
        if rm == 4 {
            guard at < bytes.count else { return nil }
            let base = bytes[at] & 7
            at += 1
            if mod == 0 && base == 5 { at += 4 }
        } else if mod == 0 && rm == 5 {
            at += 4  // RIP-relative
        }
        at += mod == 1 ? 1 : mod == 2 ? 4 : 0
        var move = DeviceMove(
            size: wide, isStore: false, register: register, immediate: nil, destinationSize: wide, hasREX: rex != 0, length: 0)
        switch opcode {
        case 0x88: move.size = 1; move.destinationSize = 1; move.isStore = true
        case 0x89: move.isStore = true
        case 0x8A: move.size = 1; move.destinationSize = 1
        case 0x8B: break
        case 0x0FB6: move.size = 1
        case 0x0FB7: move.size = 2
        case 0xC6, 0xC7:
            guard register & 7 == 0 else { return nil }
            move.isStore = true
            if opcode == 0xC6 { move.size = 1 }
            let count = move.size == 8 ? 4 : move.size
            guard at + count <= bytes.count else { return nil }
            var value: UInt64 = 0
            for k in 0..<count { value |= UInt64(bytes[at + k]) << (8 * UInt64(k)) }
            if move.size == 8 && value & 0x8000_0000 != 0 { value |= 0xFFFF_FFFF_0000_0000 }  // imm32 sign-extended
            move.immediate = value
            at += count
        default: return nil
        }
        guard at <= bytes.count && at <= 15 else { return nil }
        move.length = at
        return move
    }

    /// Register `n`'s low `size` bytes; without a REX prefix, byte registers 4–7 are AH, CH, DH and BH.
    func register(_ n: Int, size: Int, rex: Bool) -> UInt64 {
        if size == 1 && !rex && n >= 4 && n < 8 { return register(n - 4) >> 8 & 0xFF }
        let value = register(n)
        return size == 8 ? value : value & ((1 << (8 * UInt64(size))) - 1)
    }

    /// Writes `value` to register `n` as a MOV of `size` bytes does: a 4-byte one zero-extends, narrower ones
    /// keep the other bits.
    func setRegister(_ n: Int, _ value: UInt64, size: Int, rex: Bool) {
        var target = n, shift: UInt64 = 0
        if size == 1 && !rex && n >= 4 && n < 8 {
            target = n - 4
            shift = 8
        }
        let old = register(target)
        let new: UInt64
        switch size {
        case 8: new = value
        case 4: new = value & 0xFFFF_FFFF
        default:
            let mask: UInt64 = ((1 << (8 * UInt64(size))) - 1) << shift
            new = old & ~mask | (value << shift) & mask
        }
        if target == 4 { set(NV_VMCS_GUEST_RSP, new) } else { registers[target] = new }
    }

    /// Up to 15 bytes of an instruction, in two words (an array would be allocated and grown on every exit).
    struct CodeBytes {
        var words: (UInt64, UInt64) = (0, 0)
        var count = 0

        subscript(k: Int) -> UInt8 { UInt8(truncatingIfNeeded: (k < 8 ? words.0 : words.1) >> (8 * UInt64(k & 7))) }

        mutating func append(_ byte: UInt8) {
            if count < 8 { words.0 |= UInt64(byte) << (8 * UInt64(count)) } else { words.1 |= UInt64(byte) << (8 * UInt64(count - 8)) }
            count += 1
        }
    }

    /// Up to 15 bytes of code at linear `rip`, read through the VM's page tables; fewer where a page is not mapped.
    func instructionBytes(at rip: UInt64) -> CodeBytes {
        var bytes = CodeBytes()
        // Within one page (nearly always): two loads after one page walk.
        if rip & 0xFFF <= 0x1000 - 16, let physical = translate(rip), physical + 16 <= memoryBytes {
            bytes.words = (
                vm.memory.loadUnaligned(fromByteOffset: Int(physical), as: UInt64.self),
                vm.memory.loadUnaligned(fromByteOffset: Int(physical) + 8, as: UInt64.self) & 0x00FF_FFFF_FFFF_FFFF
            )
            bytes.count = 15
            return bytes
        }
        var page: UInt64 = ~0, physical: UInt64 = 0
        for k in 0..<15 {
            let linear = rip &+ UInt64(k)
            if linear >> 12 != page {
                page = linear >> 12
                guard let translated = translate(linear & ~0xFFF) else { break }
                physical = translated
            }
            let at = physical + (linear & 0xFFF)
            guard at < memoryBytes else { break }
            bytes.append(vm.memory.load(fromByteOffset: Int(at), as: UInt8.self))
        }
        return bytes
    }

    /// The guest-physical address of `linear` through the VM's 4-level page tables (SDM vol. 3, "4-Level
    /// Paging"), 1 GiB and 2 MiB pages included; nil where an entry is not present or a table lies outside its
    /// memory. Without paging, linear is physical.
    func translate(_ linear: UInt64) -> UInt64? {
        guard read(NV_VMCS_GUEST_CR0) & 0x8000_0000 != 0 else { return linear }
        var table = read(NV_VMCS_GUEST_CR3) & 0x000F_FFFF_FFFF_F000
        for level in (0..<4).reversed() {
            let shift = UInt64(12 + 9 * level)
            let at = table + (linear >> shift & 511) * 8
            guard at + 8 <= memoryBytes else { return nil }
            let entry = vm.memory.load(fromByteOffset: Int(at), as: UInt64.self)
            guard entry & 1 != 0 else { return nil }
            let frame = entry & 0x000F_FFFF_FFFF_F000
            if level == 0 || (level <= 2 && entry & 0x80 != 0) {
                let mask: UInt64 = (1 << shift) - 1
                return frame & ~mask | linear & mask
            }
            table = frame
        }
        return nil
    }
}
