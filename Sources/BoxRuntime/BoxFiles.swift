import Foundation
import SystemPackage

/// The file operations boxes need, each failure naming the path: whole-file
/// writes that land all or nothing, JSON in and out, directories.
enum BoxFiles {
    static func reason(_ error: any Error) -> String {
        if let errno = error as? Errno { return String(cString: strerror(errno.rawValue)) }
        return "\(error)"
    }

    static func errnoReason() -> String { String(cString: strerror(errno)) }

    /// Writes a temporary file beside `path`, fsyncs it, renames it over `path`.
    static func replace(_ path: String, with data: Data) throws(BoxError) {
        let temporary = path + ".tmp"
        do {
            let fd = try FileDescriptor.open(
                FilePath(temporary), .writeOnly, options: [.create, .truncate, .closeOnExec], permissions: [.ownerReadWrite, .groupRead])
            try fd.closeAfter {
                _ = try fd.writeAll(data)
                guard fsync(fd.rawValue) == 0 else { throw Errno(rawValue: errno) }
            }
        } catch {
            unlink(temporary)
            throw .file(path: temporary, reason: reason(error))
        }
        guard rename(temporary, path) == 0 else { throw .file(path: path, reason: errnoReason()) }
    }

    static func read(_ path: String) throws(BoxError) -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .file(path: path, reason: exists(path) ? "cannot read it (\(error.localizedDescription))" : "no such file")
        }
    }

    /// The text of a small file, or nil when it is not there or not readable.
    static func text(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    static func writeJSON<T: Encodable>(_ value: T, to path: String) throws(BoxError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do {
            data = try encoder.encode(value)
        } catch {
            throw .file(path: path, reason: "cannot encode: \(error)")
        }
        try replace(path, with: data + Data("\n".utf8))
    }

    static func readJSON<T: Decodable>(_ type: T.Type, from path: String) throws(BoxError) -> T {
        let data = try read(path)
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw .file(path: path, reason: "not a valid \(type) document: \(error)")
        }
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    static func makeDirectory(_ path: String, mode: mode_t = 0o755) throws(BoxError) {
        if mkdir(path, mode) != 0, errno != EEXIST { throw .file(path: path, reason: errnoReason()) }
    }

    /// Removes a tree, never crossing into another file system (a mount left
    /// below it is an error, not something to delete through).
    static func removeTree(_ path: String) throws(BoxError) {
        guard exists(path) else { return }
        var top = stat()
        guard lstat(path, &top) == 0 else { throw .file(path: path, reason: errnoReason()) }
        try removeTree(path, device: top.st_dev)
    }

    private static func removeTree(_ path: String, device: dev_t) throws(BoxError) {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw .file(path: path, reason: errnoReason())
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            guard info.st_dev == device else { throw .file(path: path, reason: "another file system is mounted here; unmount it first") }
            let children: [String]
            do {
                children = try FileManager.default.contentsOfDirectory(atPath: path)
            } catch {
                throw .file(path: path, reason: "cannot list it: \(error.localizedDescription)")
            }
            for child in children { try removeTree(path + "/" + child, device: device) }
            if rmdir(path) != 0, errno != ENOENT { throw .file(path: path, reason: errnoReason()) }
        } else if unlink(path) != 0, errno != ENOENT {
            throw .file(path: path, reason: errnoReason())
        }
    }

    static func children(of path: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: path))?.sorted() ?? []
    }
}
