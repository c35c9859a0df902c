import SystemPackage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Small reads of /proc and /sys files with plain syscalls: these files report
/// a size of 0, change between reads, and vanish with their process, so a read
/// is one open, reads to EOF, and a close, with errno kept for the caller.
enum ProcFile {
    enum Failure: Error, Equatable {
        /// ENOENT or ESRCH: the file or its process is gone.
        case missing
        case tooLarge
        case other(String)
    }

    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// The whole file, up to `limit` bytes (more is `tooLarge`).
    static func readAll(_ path: String, limit: Int = 1 << 20) -> Result<[UInt8], Failure> {
        read(path, upTo: limit, truncate: false)
    }

    /// At most the first `count` bytes, without error when the file is longer.
    static func readPrefix(_ path: String, count: Int) -> Result<[UInt8], Failure> {
        read(path, upTo: count, truncate: true)
    }

    private static func read(_ path: String, upTo limit: Int, truncate: Bool) -> Result<[UInt8], Failure> {
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(FilePath(path), .readOnly, options: .closeOnExec)
        } catch {
            return .failure(failure(error))
        }
        defer { try? fd.close() }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: min(max(limit, 1), 4096) + (truncate ? 0 : 1))
        while true {
            let wanted = truncate ? min(chunk.count, limit - bytes.count) : chunk.count
            if wanted == 0 { return .success(bytes) }
            let n: Int
            do {
                // swift-system retries a read interrupted by a signal.
                n = try chunk.withUnsafeMutableBytes { try fd.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<wanted])) }
            } catch {
                return .failure(failure(error))
            }
            if n == 0 { return .success(bytes) }
            bytes.append(contentsOf: chunk[0..<n])
            if !truncate, bytes.count > limit { return .failure(.tooLarge) }
            // A seq_file (every /proc and cgroup file read here) fills a read
            // until its records run out: a short one is the end, and the
            // read that would say so is a syscall saved, per file, per cycle.
            if n < wanted, path.hasPrefix("/proc/") || path.hasPrefix("/sys/") { return .success(bytes) }
        }
    }

    private static func failure(_ error: any Error) -> Failure {
        guard let errno = error as? Errno else { return .other("\(error)") }
        return errno == .noSuchFileOrDirectory || errno == .noSuchProcess ? .missing : .other(String(cString: strerror(errno.rawValue)))
    }

    /// The number of hard links to `path` (a directory's is 2 plus its
    /// subdirectories on most filesystems), or nil when it cannot be stat'ed.
    static func linkCount(_ path: String) -> UInt64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return UInt64(info.st_nlink)
    }

    /// The names of a directory's entries (without . and ..).
    static func entries(_ path: String) -> [String]? {
        entries(path, directoriesOnly: false)
    }

    /// The names of a directory's subdirectories, by the entries' types
    /// (proc, sysfs and cgroupfs all give them).
    static func subdirectories(_ path: String) -> [String]? {
        entries(path, directoriesOnly: true)
    }

    private static func entries(_ path: String, directoriesOnly: Bool) -> [String]? {
        guard let dir = opendir(path) else { return nil }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            if directoriesOnly, entry.pointee.d_type != UInt8(DT_DIR) { continue }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
