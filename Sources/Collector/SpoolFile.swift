import Foundation

/// The few POSIX file operations the spool needs, each failure naming the path
/// and the system's reason.
enum SpoolFile {
    static func reason() -> String { String(cString: strerror(errno)) }

    /// Appends `data` and fsyncs it.
    static func append(_ path: String, _ data: Data) throws(Spool.Failure) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .unwritable(path: path, reason: reason()) }
        defer { close(fd) }
        try writeAll(fd, data, path: path)
        guard fsync(fd) == 0 else { throw .unwritable(path: path, reason: reason()) }
    }

    /// Writes `data` to a temporary file beside `path`, fsyncs it and renames
    /// it over `path`, then fsyncs the directory: all of it or none of it.
    static func replace(_ path: String, with data: Data) throws(Spool.Failure) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .unwritable(path: temporary, reason: reason()) }
        do throws(Spool.Failure) {
            try writeAll(fd, data, path: temporary)
            guard fsync(fd) == 0 else { throw Spool.Failure.unwritable(path: temporary, reason: reason()) }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else { throw .unwritable(path: path, reason: reason()) }
        syncDirectory(of: path)
    }

    static func syncDirectory(of path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
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
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return Data() }
            throw .unreadable(path: path, reason: reason())
        }
        defer { close(fd) }
        // Never more than the file holds past `offset`: a small spool reads small.
        var info = stat()
        let available = fstat(fd, &info) == 0 ? max(Int64(info.st_size) - Int64(offset), 0) : Int64(maxBytes)
        var buffer = [UInt8](repeating: 0, count: Int(min(Int64(max(maxBytes, 0)), available)))
        var filled = 0
        while filled < buffer.count {
            let n = buffer.withUnsafeMutableBytes { raw in
                pread(fd, raw.baseAddress?.advanced(by: filled), raw.count - filled, off_t(offset) + off_t(filled))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw .unreadable(path: path, reason: reason())
            }
            if n == 0 { break }
            filled += n
        }
        return Data(buffer[0..<filled])
    }

    static func truncate(_ path: String) throws(Spool.Failure) {
        guard Foundation.truncate(path, 0) == 0 || errno == ENOENT else { throw .unwritable(path: path, reason: reason()) }
    }

    private static func writeAll(_ fd: Int32, _ data: Data, path: String) throws(Spool.Failure) {
        let ok = data.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress?.advanced(by: offset), raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += n
            }
            return true
        }
        guard ok else { throw .unwritable(path: path, reason: reason()) }
    }
}
