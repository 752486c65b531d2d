/// The workload of share/guests/workload/workload.c in Embedded Swift, shared by the `bench` guest and by
/// `vmxlab`, which runs it as L1 and as L2 to measure what nesting costs.

/// 16 hexadecimal digits, as the C workload prints them.
func hex16(_ value: UInt64) -> String {
    var text = String(value, radix: 16)
    while text.utf8.count < 16 { text = "0" + text }
    return text
}

struct Workload {
    static let count = 2048
    var rngState: UInt64 = 0x853C_49E6_748F_EA9B
    let numbers = UnsafeMutableBufferPointer<Int32>.allocate(capacity: count)
    let scratch = UnsafeMutableBufferPointer<Int32>.allocate(capacity: count)
    var crcTable = [UInt32](repeating: 0, count: 256)

    /// PCG-XSH-RR, as in the C version.
    mutating func nextRandom() -> UInt32 {
        rngState = rngState &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let x = UInt32(truncatingIfNeeded: ((rngState >> 18) ^ rngState) >> 27)
        let rot = UInt32(truncatingIfNeeded: rngState >> 59)
        return (x >> rot) | (x << ((0 &- rot) & 31))
    }

    func mergeSort(_ a: UnsafeMutablePointer<Int32>, _ n: Int) {
        if n < 2 { return }
        let half = n / 2
        mergeSort(a, half)
        mergeSort(a + half, n - half)
        var i = 0, j = half, k = 0
        let tmp = scratch.baseAddress!
        while i < half && j < n {
            if a[i] <= a[j] { tmp[k] = a[i]; i += 1 } else { tmp[k] = a[j]; j += 1 }
            k += 1
        }
        while i < half { tmp[k] = a[i]; i += 1; k += 1 }
        while j < n { tmp[k] = a[j]; j += 1; k += 1 }
        a.update(from: tmp, count: n)
    }

    func quickSort(_ a: UnsafeMutablePointer<Int32>, _ low: Int, _ high: Int) {
        var lo = low, hi = high
        while lo < hi {
            let pivot = a[(lo + hi) / 2]
            var i = lo, j = hi
            while i <= j {
                while a[i] < pivot { i += 1 }
                while a[j] > pivot { j -= 1 }
                if i <= j { let t = a[i]; a[i] = a[j]; a[j] = t; i += 1; j -= 1 }
            }
            if j - lo < hi - i { quickSort(a, lo, j); lo = i } else { quickSort(a, i, hi); hi = j }
        }
    }

    mutating func crcInit() {
        for n in 0..<256 {
            var c = UInt32(n)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            crcTable[n] = c
        }
    }

    func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        crcTable.withUnsafeBufferPointer { table in
            for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        }
        return c ^ 0xFFFF_FFFF
    }

    func fnv1a(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    /// The stack machine: PUSH k, ADD, MUL, DUP, SWAP, DEC, JNZ target, OVER, DROP, HALT.
    func interpret(_ code: [Int64]) -> UInt64 {
        var stack = [Int64](repeating: 0, count: 64)
        var sp = 0, pc = 0
        while true {
            let op = code[pc]; pc += 1
            switch op {
            case 0: stack[sp] = code[pc]; pc += 1; sp += 1
            case 1: sp -= 1; stack[sp - 1] &+= stack[sp]
            case 2: sp -= 1; stack[sp - 1] &*= stack[sp]
            case 3: stack[sp] = stack[sp - 1]; sp += 1
            case 4: stack.swapAt(sp - 1, sp - 2)
            case 5: stack[sp - 1] &-= 1
            case 6:
                let target = Int(code[pc]); pc += 1
                if stack[sp - 1] != 0 { pc = target }
            case 7: stack[sp] = stack[sp - 2]; sp += 1
            case 8: sp -= 1
            default: return UInt64(bitPattern: stack[sp - 1])
            }
        }
    }

    /// Runs `rounds` rounds, or fewer when a stop is requested (`completed` says how many ran).
    mutating func run(rounds: Int) -> (sorted: UInt64, crc: UInt64, hash: UInt64, bytecode: UInt64, failed: Bool, completed: Int) {
        var sorted: UInt64 = 0, crcTotal: UInt64 = 0, hashTotal: UInt64 = 0, vmTotal: UInt64 = 0, failed = false
        crcInit()
        let a = numbers.baseAddress!
        let bytes = UnsafeRawBufferPointer(numbers)
        var completed = 0
        for round in 0..<rounds {
            if Machine.isStopRequested { break }
            completed += 1
            for i in 0..<Self.count { a[i] = Int32(bitPattern: nextRandom()) }
            quickSort(a, 0, Self.count - 1)
            for i in 1..<Self.count where a[i - 1] > a[i] { failed = true }
            for i in 0..<Self.count { a[i] = Int32(bitPattern: nextRandom()) }
            mergeSort(a, Self.count)
            for i in stride(from: 0, to: Self.count, by: 97) { sorted = sorted &* 31 &+ UInt64(UInt32(bitPattern: a[i])) }
            crcTotal &+= UInt64(crc32(bytes))
            hashTotal ^= fnv1a(bytes) &+ UInt64(round)
            let n = Int64(300 + round % 7)
            vmTotal &+= interpret([0, 0, 0, n, 4, 7, 3, 2, 1, 4, 5, 6, 4, 8, 9])
        }
        return (sorted, crcTotal, hashTotal, vmTotal, failed, completed)
    }
}
