/// Every way a call to the Docker Engine API can fail, each carrying what a
/// person needs to act on it: the daemon's own message, the socket path, the
/// status code.
public enum DockerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The daemon answered 404: no such container, image or object.
    case notFound(message: String)
    /// The daemon answered 409: the name is taken, the container is not
    /// running, a removal is already in progress, and the like.
    case conflict(message: String)
    /// Nothing answered on the socket: the daemon is down, the path is wrong,
    /// or permission was refused. `reason` is the operating system's word.
    case daemonUnavailable(socketPath: String, reason: String)
    /// The daemon's API is older than this client can speak.
    case unsupportedAPIVersion(daemon: String, minimum: String)
    /// Any other non-success answer.
    case api(status: Int, message: String)
    /// The daemon answered with something this client could not read.
    case invalidResponse(endpoint: String, detail: String)

    public var description: String {
        switch self {
        case .notFound(let message):
            return "not found: \(message)"
        case .conflict(let message):
            return "conflict: \(message)"
        case .daemonUnavailable(let socketPath, let reason):
            return "Docker daemon not reachable at \(socketPath) (\(reason)); is dockerd running?"
        case .unsupportedAPIVersion(let daemon, let minimum):
            return "the Docker daemon speaks API \(daemon), older than the \(minimum) Corral needs"
        case .api(let status, let message):
            return "Docker API error \(status): \(message)"
        case .invalidResponse(let endpoint, let detail):
            return "unreadable answer from the Docker daemon for \(endpoint): \(detail)"
        }
    }

    /// True for errors that mean the daemon itself is gone, as opposed to a
    /// refusal of one request: callers back off and retry these.
    public var isDaemonUnavailable: Bool {
        if case .daemonUnavailable = self { return true }
        return false
    }

    public var isNotFound: Bool {
        if case .notFound = self { return true }
        return false
    }

    /// 409 "removal of container ... is already in progress": another
    /// DELETE (often an earlier attempt that timed out) is removing it.
    /// The daemon says so only in words.
    public var isRemovalInProgress: Bool {
        if case .conflict(let message) = self { return message.contains("is already in progress") }
        return false
    }

    public var isConflict: Bool {
        if case .conflict = self { return true }
        return false
    }
}
