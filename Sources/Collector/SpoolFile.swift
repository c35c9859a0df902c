import Foundation
import SystemPackage

/// The few file operations the spool needs, through swift-system's
/// descriptors (which retry calls a signal interrupted), each failure naming
/// the path and the system's reason.
enum SpoolFile {
    static func reason() -> String { String(cString: strerror(errno)) }

    static func reason(_ error: any Error) -> String {
        guard let errno = error as? Errno else { return "\(error)" }
        return String(cString: strerror(errno.rawValue))
    }

    /// Appends `data` and fsyncs it.
    static func append(_ path: String, _ data: Data) throws(Spool.Failure) {
        do {
            try write(path, data, options: .append)
        } catch {
            throw .unwritable(path: path, reason: reason(error))
        }
    }

    /// Writes `data` to a temporary file beside `path`, fsyncs it and renames
    /// it over `path`, then fsyncs the directory: all of it or none of it.
    static func replace(_ path: String, with data: Data) throws(Spool.Failure) {
        let temporary = path + ".tmp"
        do {
            try write(temporary, data, options: .truncate)
        } catch {
            unlink(temporary)
            throw .unwritable(path: temporary, reason: reason(error))
        }
        guard rename(temporary, path) == 0 else { throw .unwritable(path: path, reason: reason()) }
        syncDirectory(of: path)
    }

    static func syncDirectory(of path: String) {
        let directory = FilePath(path).removingLastComponent()
        guard
            let fd = try? FileDescriptor.open(
                directory.isEmpty ? "." : directory, .readOnly, options: [.directory, .closeOnExec])
        else { return }
        try? fd.closeAfter { try sync(fd) }
    }

    /// Opens `path` (created 0644 if absent) with `options`, writes all of
    /// `data` and fsyncs it before closing.
    private static func write(_ path: String, _ data: Data, options: FileDescriptor.OpenOptions) throws {
        let fd = try FileDescriptor.open(
            FilePath(path), .writeOnly, options: options.union([.create, .closeOnExec]),
            permissions: [.ownerReadWrite, .groupRead, .otherRead])
        try fd.closeAfter {
            _ = try fd.writeAll(data)
            try sync(fd)
        }
    }

    /// fsync: swift-system has no call for it.
    private static func sync(_ fd: FileDescriptor) throws {
        guard fsync(fd.rawValue) == 0 else { throw Errno(rawValue: errno) }
    }

    /// Size and inode of `path`, or nil when it does not exist.
    static func identity(_ path: String) throws(Spool.Failure) -> (inode: UInt64, size: UInt64)? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw .unreadable(path: path, reason: reason())
        }
        return (UInt64(info.st_ino), UInt64(info.st_size))
    }

    /// Up to `maxBytes` bytes of `path` from `offset`.
    static func read(_ path: String, from offset: UInt64, maxBytes: Int) throws(Spool.Failure) -> Data {
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(FilePath(path), .readOnly, options: .closeOnExec)
        } catch Errno.noSuchFileOrDirectory {
            return Data()
        } catch {
            throw .unreadable(path: path, reason: reason(error))
        }
        do {
            return try fd.closeAfter {
                // Never more than the file holds past `offset`: a small spool reads small.
                var info = stat()
                let available = fstat(fd.rawValue, &info) == 0 ? max(Int64(info.st_size) - Int64(offset), 0) : Int64(maxBytes)
                var buffer = [UInt8](repeating: 0, count: Int(min(Int64(max(maxBytes, 0)), available)))
                var filled = 0
                while filled < buffer.count {
                    let n = try buffer.withUnsafeMutableBytes { raw in
                        try fd.read(
                            fromAbsoluteOffset: Int64(offset) + Int64(filled), into: UnsafeMutableRawBufferPointer(rebasing: raw[filled...])
                        )
                    }
                    if n == 0 { break }
                    filled += n
                }
                return Data(buffer[0..<filled])
            }
        } catch {
            throw .unreadable(path: path, reason: reason(error))
        }
    }

    static func truncate(_ path: String) throws(Spool.Failure) {
        guard Foundation.truncate(path, 0) == 0 || errno == ENOENT else { throw .unwritable(path: path, reason: reason()) }
    }
}
