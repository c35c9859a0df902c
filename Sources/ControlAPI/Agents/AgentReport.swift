/// What an agent tells `subscribe` about its own work: how jobs ended and
/// what containers are. Reporting a job or container of another node is
/// refused whole (403).
public struct AgentReport: Sendable, Codable, Equatable {
    public var jobs: [JobOutcome]
    public var containers: [ContainerStatus]

    public init(jobs: [JobOutcome] = [], containers: [ContainerStatus] = []) {
        self.jobs = jobs
        self.containers = containers
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        jobs = try container.decodeIfPresent([JobOutcome].self, forKey: .jobs) ?? []
        containers = try container.decodeIfPresent([ContainerStatus].self, forKey: .containers) ?? []
    }
}

/// A job finished, well or not.
public struct JobOutcome: Sendable, Codable, Equatable {
    public var jobID: String
    public var succeeded: Bool
    public var reason: String?

    public init(jobID: String, succeeded: Bool, reason: String? = nil) {
        self.jobID = jobID
        self.succeeded = succeeded
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey {
        case succeeded, reason
        case jobID = "job_id"
    }
}

/// A container's actual state on its node; `removed` when the runtime no
/// longer has it because it was deleted.
public struct ContainerStatus: Sendable, Codable, Equatable {
    public var containerID: String
    public var actual: ActualState
    public var runtimeID: String?
    public var exitCode: Int32?
    public var reason: String?
    public var removed: Bool
    /// Its address on its node's bridge, when it has one.
    public var address: String?

    public init(
        containerID: String, actual: ActualState, runtimeID: String? = nil, exitCode: Int32? = nil, reason: String? = nil,
        removed: Bool = false, address: String? = nil
    ) {
        self.containerID = containerID
        self.actual = actual
        self.runtimeID = runtimeID
        self.exitCode = exitCode
        self.reason = reason
        self.removed = removed
        self.address = address
    }

    enum CodingKeys: String, CodingKey {
        case actual, reason, removed, address
        case containerID = "container_id"
        case runtimeID = "runtime_id"
        case exitCode = "exit_code"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        containerID = try container.decode(String.self, forKey: .containerID)
        actual = try container.decode(ActualState.self, forKey: .actual)
        runtimeID = try container.decodeIfPresent(String.self, forKey: .runtimeID)
        exitCode = try container.decodeIfPresent(Int32.self, forKey: .exitCode)
        reason = try container.decodeIfPresent(String.self, forKey: .reason)
        removed = try container.decodeIfPresent(Bool.self, forKey: .removed) ?? false
        address = try container.decodeIfPresent(String.self, forKey: .address)
    }
}

/// An error as every endpoint answers it: a stable code and a message that
/// names what was wrong.
public struct APIErrorBody: Sendable, Codable, Equatable {
    public var error: Detail

    public struct Detail: Sendable, Codable, Equatable {
        public var code: String
        public var message: String
    }

    public init(code: String, message: String) {
        error = Detail(code: code, message: message)
    }
}
