import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// /proc and cgroup files read every cycle through descriptors kept open
/// between cycles: a pread at offset 0 makes the kernel write such a file
/// anew, so a read costs one syscall instead of an open, a read and a close
/// (the way long-running collectors read /proc). A kept descriptor whose
/// process or cgroup has gone (ESRCH, ENODEV) is closed and the path opened
/// again by name, once: a reused pid is a new process. A round is one
/// document: the files it did not read are closed when it ends. At most
/// `capacity` descriptors are kept; past it, files are read the plain way.
public final class OpenProcFiles: Sendable {
    private struct State {
        var files: [String: (fd: Int32, round: UInt64)] = [:]
        var round: UInt64 = 0
    }

    private let state = Mutex(State())
    public let capacity: Int

    /// `capacity` defaults to half the descriptors this process may open.
    public init(capacity: Int? = nil) {
        var limit = rlimit()
        let soft = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 ? Int(clamping: limit.rlim_cur) : 1024
        self.capacity = capacity ?? max(0, soft / 2 - 64)
    }

    deinit {
        state.withLock { state in
            for file in state.files.values { close(file.fd) }
            state.files = [:]
        }
    }

    /// Raises this process's soft limit on open files towards its hard limit
    /// (at most 65536), as long-running readers of /proc do: the default soft
    /// limit of 1024 would keep the files of fewer than 150 containers.
    /// Returns the soft limit now in force.
    @discardableResult
    public static func raiseDescriptorLimit(to wanted: Int = 65536) -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        let target = min(rlim_t(wanted), limit.rlim_max)
        if limit.rlim_cur < target {
            limit.rlim_cur = target
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) != 0 { _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) }
        }
        return Int(clamping: limit.rlim_cur)
    }

    /// How many descriptors are kept now.
    public var count: Int { state.withLock { $0.files.count } }

    func readAll(_ path: String, limit: Int) -> Result<[UInt8], ProcFile.Failure> {
        read(path, upTo: limit, truncate: false)
    }

    func readPrefix(_ path: String, count: Int) -> Result<[UInt8], ProcFile.Failure> {
        read(path, upTo: count, truncate: true)
    }

    /// A directory's link count (2 plus its subdirectories on cgroupfs),
    /// from a kept descriptor: fstat, not a path walk.
    func linkCount(_ path: String) -> UInt64? {
        state.withLock { state in
            let key = path + "/"
            if let kept = state.files[key] {
                var info = stat()
                if fstat(kept.fd, &info) == 0, info.st_nlink > 0 {
                    state.files[key] = (kept.fd, state.round)
                    return UInt64(info.st_nlink)
                }
                close(kept.fd)
                state.files[key] = nil
            }
            let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0 else { return nil }
            var info = stat()
            guard fstat(fd, &info) == 0 else {
                close(fd)
                return nil
            }
            if state.files.count < capacity { state.files[key] = (fd, state.round) } else { close(fd) }
            return UInt64(info.st_nlink)
        }
    }

    /// Closes the files this round did not read, and starts the next.
    public func endRound() {
        state.withLock { state in
            let round = state.round
            for (path, file) in state.files where file.round != round {
                close(file.fd)
                state.files[path] = nil
            }
            state.round += 1
        }
    }

    private func read(_ path: String, upTo limit: Int, truncate: Bool) -> Result<[UInt8], ProcFile.Failure> {
        state.withLock { state in
            // One hash of the path per read: the entry is found once and marked through its index.
            if let index = state.files.index(forKey: path) {
                let fd = state.files.values[index].fd
                if case .success(let bytes) = Self.read(fd, upTo: limit, truncate: truncate) {
                    state.files.values[index].round = state.round
                    return .success(bytes)
                }
                close(fd)
                state.files.remove(at: index)
            }
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return .failure(Self.failure(errno)) }
            let result = Self.read(fd, upTo: limit, truncate: truncate)
            if case .success = result, state.files.count < capacity {
                state.files[path] = (fd, state.round)
            } else {
                close(fd)
            }
            return result
        }
    }

    /// The file from its start: preads until a short one (a seq_file ends a
    /// read where its records run out; a regular file only at its end),
    /// each straight into the bytes returned.
    private static func read(_ fd: Int32, upTo limit: Int, truncate: Bool) -> Result<[UInt8], ProcFile.Failure> {
        var bytes: [UInt8] = []
        let step = min(max(limit, 1), 4096) + (truncate ? 0 : 1)
        while true {
            let wanted = truncate ? min(step, limit - bytes.count) : step
            if wanted == 0 { return .success(bytes) }
            let start = bytes.count
            bytes.append(contentsOf: repeatElement(0, count: wanted))
            let n = bytes.withUnsafeMutableBytes { buffer in
                buffer.baseAddress.map { pread(fd, $0 + start, wanted, off_t(start)) } ?? -1
            }
            if n < 0 {
                let code = errno
                bytes.removeLast(wanted)
                if code == EINTR { continue }
                return .failure(failure(code))
            }
            bytes.removeLast(wanted - n)
            if !truncate, bytes.count > limit { return .failure(.tooLarge) }
            if n < wanted { return .success(bytes) }
        }
    }

    private static func failure(_ code: Int32) -> ProcFile.Failure {
        code == ENOENT || code == ESRCH ? .missing : .other(String(cString: strerror(code)))
    }
}
