import NestErrors
import Foundation
import NestStore

/// Where guest images come from: a shipped guest's name (`hello`, `bench`) found in the guest directories, or
/// the path of any ELF64 file.
public enum GuestImages {
    /// The directories searched for shipped guests, in order: `$NESTVM_GUESTS`, the installed
    /// `PREFIX/share/nestvm/guests` beside the tools, and the build tree's `.build/guests` (from
    /// `.build/debug` or `.build/TRIPLE/debug`).
    public static var searchPath: [String] {
        var directories: [String] = []
        if let value = ProcessInfo.processInfo.environment["NESTVM_GUESTS"], !value.isEmpty {
            directories += value.split(separator: ":").map(String.init)
        }
        let bin = URL(fileURLWithPath: CommandLine.arguments[0].contains("/") ? CommandLine.arguments[0] : "/proc/self/exe")
            .resolvingSymlinksInPath().deletingLastPathComponent()
        directories.append(bin.appendingPathComponent("../share/nestvm/guests").standardized.path)
        directories.append(bin.appendingPathComponent("../guests").standardized.path)
        directories.append(bin.appendingPathComponent("../../guests").standardized.path)
        return directories
    }

    /// Whether `image` names a file rather than a shipped guest.
    static func isPath(_ image: String) -> Bool { image.contains("/") || image.hasSuffix(".elf") }

    /// What to store for `image` as given on a command line: an absolute path for a file, the name for a shipped
    /// guest. Fails when it does not exist.
    public static func normalize(_ image: String) throws(NestError) -> String {
        if isPath(image) {
            let absolute = URL(fileURLWithPath: image).standardized.path
            _ = try locate(absolute)
            return absolute
        }
        _ = try locate(image)
        return image
    }

    /// The file an image setting refers to.
    public static func locate(_ image: String) throws(NestError) -> String {
        if isPath(image) {
            let shipped = String(image.split(separator: "/").last ?? "").replacingOccurrences(of: ".elf", with: "")
            do { try checkFile(image, what: "image file") } catch var error
                where shippedNames.contains(shipped) && !FileManager.default.fileExists(atPath: image)
            {
                error.message =
                    "image file \(image) does not exist; a name with '/' or ending in .elf is a path: for the shipped guest, give --image \(shipped)"
                throw error
            }
            return image
        }
        for directory in searchPath {
            let candidate = directory + "/" + image + ".elf"
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        let known = shippedNames
        throw NestError(
            .imageNotFound,
            "no shipped guest named '\(image)' (\(known.isEmpty ? "none are built; run make" : "there are: " + known.joined(separator: ", "))); or give the path of an ELF64 file"
        )
    }

    /// Refuses `path` unless it is a regular file this process can read, saying what it is instead.
    public static func checkFile(_ path: String, what: String) throws(NestError) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let why = errno == ENOENT ? "does not exist" : "cannot be reached: \(String(cString: strerror(errno)))"
            let names = "; give the path of an ELF64 file or a shipped guest's name (\(shippedNames.joined(separator: ", ")))"
            throw NestError(.imageNotFound, "\(what) \(path) \(why)" + (what == "image file" ? names : ""))
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw NestError(.imageNotFound, "\(what) \(path) is a directory, not a file")
        default: throw NestError(.imageNotFound, "\(what) \(path) is not a regular file (a device, FIFO or socket)")
        }
        guard access(path, R_OK) == 0 else {
            throw NestError(.imageNotFound, "\(what) \(path) cannot be read: \(String(cString: strerror(errno)))")
        }
    }

    /// The shipped guests that can be found.
    public static var shippedNames: [String] {
        var names: Set<String> = []
        for directory in searchPath {
            for file in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where file.hasSuffix(".elf") {
                names.insert(String(file.dropLast(4)))
            }
        }
        return names.sorted()
    }

    /// The bytes of an image setting's file.
    public static func read(_ image: String) throws(NestError) -> [UInt8] {
        let path = try locate(image)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw NestError(.imageNotFound, "cannot read image file \(path): \(String(cString: strerror(errno)))")
        }
        return [UInt8](data)
    }
}
