/// The scheduler's answer: the node chosen, or why no node could be.
public enum Placement: Sendable, Equatable {
    case node(String)
    /// No node fits; `reasons` says, node by node (sorted by id), why not.
    case none(NoPlacement)

    public var nodeID: String? {
        if case .node(let id) = self { return id }
        return nil
    }
}

/// Why a request could not be placed, in words an operator can act on.
public struct NoPlacement: Sendable, Equatable, Error, CustomStringConvertible {
    public var reasons: [Rejection]

    public init(reasons: [Rejection]) {
        self.reasons = reasons
    }

    public struct Rejection: Sendable, Equatable {
        public var node: String
        public var reason: Reason
    }

    public enum Reason: Sendable, Equatable, CustomStringConvertible {
        case notAccepting
        case runtime(wanted: String, has: String)
        case label(key: String, wanted: String, has: String?)
        case cpu(wanted: Int64, free: Int64)
        case memory(wanted: Int64, free: Int64)
        case containers(capacity: Int64)

        public var description: String {
            switch self {
            case .notAccepting: return "down or drained"
            case .runtime(let wanted, let has): return "runtime \(has), not \(wanted)"
            case .label(let key, let wanted, let has):
                return has.map { "label \(key)=\($0), not \(wanted)" } ?? "no label \(key) (wanted \(wanted))"
            case .cpu(let wanted, let free): return "\(free) millicpus free, \(wanted) asked"
            case .memory(let wanted, let free): return "\(free) bytes of memory free, \(wanted) asked"
            case .containers(let capacity): return "full (\(capacity) containers)"
            }
        }
    }

    public var description: String {
        if reasons.isEmpty { return "no nodes are registered" }
        return "no node fits: " + reasons.map { "\($0.node): \($0.reason)" }.joined(separator: "; ")
    }
}
