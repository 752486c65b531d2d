import ArgumentParser
import Foundation
import NestStore

/// Shell completion of object names from the live store.
///
/// The generated scripts call back into the tool (`TOOL ---completion …`) with the words typed so far; the
/// closures find `--state-dir` and `--host` among them, open the store read-only, and list names. They are silent
/// on any error (no store, a bad host, a locked database) and never create anything.
public enum Completions {
    /// VM names on the host the words select (`onHost: false` lists L0's VMs, for `--host` itself).
    public static func vmNames(onHost: Bool = true, states: [VMState] = []) -> CompletionKind {
        .custom { words, _, prefix in
            names(words, prefix, onHost: onHost) { inventory, host in try inventory.vms(host: host, states: states).rows.map(\.name) }
        }
    }

    /// Switch names.
    public static var switchNames: CompletionKind {
        .custom { words, _, prefix in
            names(words, prefix) { inventory, host in try inventory.switches(host: host).compactMap { $0.string("Name") } }
        }
    }

    /// NAT names.
    public static var natNames: CompletionKind {
        .custom { words, _, prefix in
            names(words, prefix) { inventory, host in try inventory.natRecords(host: host).compactMap { $0.string("Name") } }
        }
    }

    /// Host adapter names (`vEthernet (SWITCH)` …).
    public static var netAdapterNames: CompletionKind {
        .custom { words, _, prefix in
            names(words, prefix) { inventory, host in try inventory.netAdapterRecords(host: host).compactMap { $0.string("Name") } }
        }
    }

    /// IP addresses on the host.
    public static var ipAddresses: CompletionKind {
        .custom { words, _, prefix in
            names(words, prefix) { inventory, host in try inventory.ipAddressRecords(host: host).compactMap { $0.string("IPAddress") } }
        }
    }

    /// A guest image: the shipped guests' names (from `shipped`) and the files and directories the word begins to
    /// name, as `--image` takes either.
    public static func images(shipped: @escaping @Sendable () -> [String]) -> CompletionKind {
        .custom { _, _, prefix in
            let word = unquote(prefix)
            var candidates = word.contains("/") ? [] : shipped().filter { $0.hasPrefix(word) }
            let slash = word.lastIndex(of: "/")
            let folder = slash.map { String(word[...$0]) } ?? ""
            let start = slash.map { String(word[word.index(after: $0)...]) } ?? word
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)) ?? []
            for entry in entries.sorted() where entry.hasPrefix(start) && (start.hasPrefix(".") || !entry.hasPrefix(".")) {
                var isDirectory: ObjCBool = false
                _ = FileManager.default.fileExists(atPath: folder + entry, isDirectory: &isDirectory)
                candidates.append(folder + entry + (isDirectory.boolValue ? "/" : ""))
            }
            return Array(candidates.prefix(limit))
        }
    }

    /// The most candidates a completion offers.
    static let limit = 500

    static func names(
        _ words: [String], _ prefix: String, onHost: Bool = true,
        _ list: (Inventory, String?) throws -> [String]
    ) -> [String] {
        guard let stateDirectory = GlobalOptions.stateDirectory(flag: value(of: ["--state-dir"], in: words)) else { return [] }
        let host = onHost ? (value(of: ["--host", "--computer-name"], in: words) ?? Environment.value("NESTVM_HOST")) : nil
        guard let store = try? Store(directory: stateDirectory, busyTimeout: 0.2, readOnly: true),
            let all = try? list(Inventory(store: store), host)
        else { return [] }
        defer { store.close() }
        let unquoted = prefix.filter { $0 != "'" && $0 != "\"" }
        return Array(all.filter { $0.lowercased().hasPrefix(unquoted.lowercased()) }.prefix(limit))
    }

    /// The value after `--flag` or in `--flag=value` among the words, unquoted.
    static func value(of flags: [String], in words: [String]) -> String? {
        for (i, word) in words.enumerated() {
            for flag in flags {
                if word == flag, i + 1 < words.count { return unquote(words[i + 1]) }
                if word.hasPrefix(flag + "=") { return unquote(String(word.dropFirst(flag.count + 1))) }
            }
        }
        return nil
    }

    static func unquote(_ word: String) -> String {
        var text = word
        if text.count >= 2, let first = text.first, first == "'" || first == "\"", text.last == first {
            text = String(text.dropFirst().dropLast())
        }
        if text.hasPrefix("~/"), let home = Environment.value("HOME") { text = home + text.dropFirst() }
        return text
    }
}
