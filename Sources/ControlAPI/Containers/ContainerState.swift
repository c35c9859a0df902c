/// What a container should be: what the clients last asked for.
public enum DesiredState: String, Sendable, Codable, CaseIterable, Equatable {
    case running
    case stopped
    case deleted
}

/// What a container is, as its node last reported it, kept apart from what
/// it should be.
public enum ActualState: String, Sendable, Codable, CaseIterable, Equatable {
    /// Not (yet) created on a node.
    case pending
    case running
    /// Stopped on request.
    case stopped
    /// Its process ended on its own (exit code kept).
    case exited
    /// Its node is down: nobody knows.
    case lost
}
