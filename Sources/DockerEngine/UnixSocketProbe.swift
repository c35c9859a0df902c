#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// One direct connect(2) to the daemon's socket before the HTTP client is
/// used. The connection pool retries a refused connection until its timeout;
/// this answers at once, with the operating system's own reason.
enum UnixSocketProbe {
    /// nil when something accepts connections at `path`; otherwise why not.
    static func failure(at path: String) -> String? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        let bytes = Array(path.utf8)
        guard bytes.count < capacity else { return "socket path longer than \(capacity - 1) bytes" }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        #if canImport(Darwin)
            let fd = socket(AF_UNIX, SOCK_STREAM, 0)
        #else
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #endif
        guard fd >= 0 else { return "socket(): \(String(cString: strerror(errno)))" }
        defer { close(fd) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result != 0 else { return nil }
        switch errno {
        case ENOENT: return "no such socket file"
        case ECONNREFUSED: return "connection refused: the socket exists but nothing listens on it"
        case EACCES: return "permission denied: run as root or as a member of the docker group"
        default: return String(cString: strerror(errno))
        }
    }
}
