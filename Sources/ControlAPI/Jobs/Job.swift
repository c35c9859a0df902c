/// One job as the API shows it.
public struct Job: Sendable, Codable, Equatable {
    public var id: String
    public var kind: JobKind
    public var containerID: String
    public var state: JobState
    /// Why it failed, or what it waits for.
    public var reason: String?
    /// The node it was given to, once scheduled.
    public var node: String?
    /// How many times it was scheduled (more than once after a node died
    /// before taking it).
    public var attempts: Int
    /// RFC 3339, UTC, milliseconds.
    public var createdAt: String
    public var updatedAt: String

    public init(
        id: String, kind: JobKind, containerID: String, state: JobState, reason: String? = nil, node: String? = nil, attempts: Int = 0,
        createdAt: String, updatedAt: String
    ) {
        self.id = id
        self.kind = kind
        self.containerID = containerID
        self.state = state
        self.reason = reason
        self.node = node
        self.attempts = attempts
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, kind, state, reason, node, attempts
        case containerID = "container_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// The answer to a create, stop or delete: the job that will do it.
public struct JobAccepted: Sendable, Codable, Equatable {
    public var jobID: String
    public var containerID: String
    public var state: JobState

    public init(jobID: String, containerID: String, state: JobState) {
        self.jobID = jobID
        self.containerID = containerID
        self.state = state
    }

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id"
        case containerID = "container_id"
        case state
    }
}
