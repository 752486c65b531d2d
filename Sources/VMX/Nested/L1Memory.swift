import X86

/// L1's guest-physical memory as the nested engine reaches it: every address L1 hands over (VMCS and VMXON
/// regions, bitmaps, MSR lists, EPT12 tables) is checked against L1's RAM before it is touched. In L0's machine
/// EPT01 maps L1-physical to host-physical one to one over that RAM, so checking the range is the EPT01 walk;
/// L0's own structures (EPT01 itself) lie beyond it, out of L1's reach.
public struct L1Memory {
    /// Host memory.
    public let memory: PhysicalMemory
    /// The size of L1's RAM in bytes: L1-physical addresses below it exist.
    public let size: UInt64

    /// L1's RAM: the first `size` bytes of `memory`.
    public init(memory: PhysicalMemory, size: UInt64) {
        precondition(size <= UInt64(memory.size), "L1Memory: RAM beyond host memory")
        self.memory = memory
        self.size = size
    }

    /// Whether `count` bytes at `address` all lie in L1's RAM.
    public func contains(_ address: UInt64, count: UInt64) -> Bool { address <= size && count <= size - address }

    /// `size` bytes (1, 2, 4 or 8) at `address`, or nil outside L1's RAM.
    public func read(_ address: UInt64, size: Int) -> UInt64? {
        contains(address, count: UInt64(size)) ? memory.read(address, size: size) : nil
    }

    /// Writes `size` bytes at `address`; false (and nothing written) outside L1's RAM.
    @discardableResult
    public func write(_ address: UInt64, size: Int, _ value: UInt64) -> Bool {
        guard contains(address, count: UInt64(size)) else { return false }
        memory.write(address, size: size, value)
        return true
    }

    /// Whether bit `bit` of the bitmap at `base` is set; nil when that byte lies outside L1's RAM.
    public func bit(_ bit: UInt64, ofBitmapAt base: UInt64) -> Bool? {
        guard let byte = read(base &+ bit / 8, size: 1) else { return nil }
        return byte >> (bit % 8) & 1 != 0
    }
}
