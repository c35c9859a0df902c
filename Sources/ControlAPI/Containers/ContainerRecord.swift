/// One container as the service knows it: what was asked, where it was
/// placed, what it should be and what it is.
public struct ContainerRecord: Sendable, Codable, Equatable {
    public var id: String
    public var name: String
    public var spec: ContainerSpec
    /// The node it was placed on; nil until scheduled.
    public var node: String?
    public var desired: DesiredState
    public var actual: ActualState
    /// The runtime's id for it on its node, once created.
    public var runtimeID: String?
    public var exitCode: Int32?
    /// What the last failure or report said.
    public var reason: String?
    /// Its address on its node's bridge, once its node reported one.
    public var address: String?
    public var createdAt: String
    public var updatedAt: String

    public init(
        id: String, name: String, spec: ContainerSpec, node: String? = nil, desired: DesiredState = .running,
        actual: ActualState = .pending,
        runtimeID: String? = nil, exitCode: Int32? = nil, reason: String? = nil, address: String? = nil, createdAt: String,
        updatedAt: String
    ) {
        self.id = id
        self.name = name
        self.spec = spec
        self.node = node
        self.desired = desired
        self.actual = actual
        self.runtimeID = runtimeID
        self.exitCode = exitCode
        self.reason = reason
        self.address = address
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name, spec, node, desired, actual, reason, address
        case runtimeID = "runtime_id"
        case exitCode = "exit_code"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// The containers a list asked for.
public struct ContainerList: Sendable, Codable, Equatable {
    public var containers: [ContainerRecord]

    public init(containers: [ContainerRecord]) {
        self.containers = containers
    }
}

/// Which containers a list wants: every filter given must match.
public struct ContainerFilter: Sendable, Equatable, Codable {
    public var node: String?
    /// An actual state.
    public var state: ActualState?
    /// `key=value` labels the container must carry.
    public var labels: [String: String]

    public init(node: String? = nil, state: ActualState? = nil, labels: [String: String] = [:]) {
        self.node = node
        self.state = state
        self.labels = labels
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        node = try container.decodeIfPresent(String.self, forKey: .node)
        state = try container.decodeIfPresent(ActualState.self, forKey: .state)
        labels = try container.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
    }

    public func matches(_ record: ContainerRecord) -> Bool {
        if let node, record.node != node { return false }
        if let state, record.actual != state { return false }
        return labels.allSatisfy { record.spec.labels[$0.key] == $0.value }
    }
}
