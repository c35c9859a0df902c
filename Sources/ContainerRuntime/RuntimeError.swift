/// Every way a runtime call fails, in the words a person needs: which
/// container, and what the runtime itself said.
public enum RuntimeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No such container (or image): it may have been removed meanwhile.
    case notFound(String)
    /// Another removal of this container is under way.
    case removalInProgress(String)
    /// The runtime refused this call for this container's state (the name
    /// is taken, it is not running, ...), in its own words.
    case conflict(String)
    /// The runtime itself does not answer (its daemon is down, its socket
    /// gone): callers back off and retry.
    case unavailable(String)
    /// Any other failure, in the runtime's words.
    case failed(String)

    public var description: String {
        switch self {
        case .notFound(let message): return "not found: \(message)"
        case .removalInProgress(let message): return "conflict: \(message)"
        case .conflict(let message): return "conflict: \(message)"
        case .unavailable(let message): return message
        case .failed(let message): return message
        }
    }

    public var isNotFound: Bool {
        if case .notFound = self { return true }
        return false
    }

    public var isRemovalInProgress: Bool {
        if case .removalInProgress = self { return true }
        return false
    }

    public var isUnavailable: Bool {
        if case .unavailable = self { return true }
        return false
    }
}
