import NestErrors
import Foundation
import TestSupport
import Testing
@testable import NestStore

/// A fresh store in a temporary directory.
func freshInventory() throws -> Inventory {
    let dir = TestDirectory.path("store")
    return Inventory(store: try Store(directory: dir))
}

/// Runs `body` and returns the category it failed with (nil when it succeeded).
func category(_ body: () throws -> Void) -> ErrorCategory? {
    do {
        try body()
        return nil
    } catch let error as NestError {
        return error.category
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}

extension Inventory {
    /// Creates a VM with defaults and returns its row.
    @discardableResult
    func make(_ name: String, host: String? = nil, memory: Int64 = 1 << 30, version: String? = nil, generation: Int = 2) throws -> VMRow {
        var spec = NewVMSpec(name: name)
        spec.memoryStartupBytes = memory
        spec.version = version
        spec.generation = generation
        _ = try newVM(host: host, spec)
        return try vms(host: host, selectors: [.name(name)]).rows[0]
    }
}
