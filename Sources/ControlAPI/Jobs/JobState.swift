// ControlAPI: the service's vocabulary in values, shared by the control
// plane, its agents, `corral ctl` and the tests: jobs, containers and nodes,
// the agents' messages, and JSON-RPC 2.0. No I/O.

/// Where a job is. A job is a request to change one container (create, stop,
/// delete); it moves forward only:
/// received -> scheduled -> running -> succeeded | failed.
public enum JobState: String, Sendable, Codable, CaseIterable, Equatable {
    /// Durably stored: the answer a client gets at once ("received").
    case received
    /// A node was chosen; the order waits for its agent to take it.
    case scheduled
    /// The agent acknowledged the order and is acting on it.
    case running
    case succeeded
    /// With a reason.
    case failed

    public var isFinished: Bool { self == .succeeded || self == .failed }
}

/// What a job asks for.
public enum JobKind: String, Sendable, Codable, CaseIterable, Equatable {
    case create
    case stop
    case delete
}
