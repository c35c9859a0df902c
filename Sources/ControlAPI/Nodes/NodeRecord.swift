import CorralCore

/// Whether a node takes work.
public enum NodeState: String, Sendable, Codable, CaseIterable, Equatable {
    /// Heartbeating and taking new containers.
    case ready
    /// Heartbeating, keeping its containers, taking no new ones.
    case draining
    /// Missed its heartbeats for the TTL: its containers are `lost`.
    case down
}

/// A host whose agent registered with `subscribe`.
public struct NodeRecord: Sendable, Codable, Equatable {
    public var id: String
    public var runtime: String
    public var labels: [String: String]
    public var state: NodeState
    /// What it offers: CPUs in thousandths, memory, and how many containers it takes.
    public var capacity: Resources
    /// What the containers placed on it (not deleted) reserved.
    public var allocated: Resources
    /// Containers its runtime runs, as its last heartbeat said.
    public var running: Int
    public var lastHeartbeat: String
    public var registeredAt: String

    public init(
        id: String, runtime: String, labels: [String: String], state: NodeState, capacity: Resources, allocated: Resources, running: Int,
        lastHeartbeat: String, registeredAt: String
    ) {
        self.id = id
        self.runtime = runtime
        self.labels = labels
        self.state = state
        self.capacity = capacity
        self.allocated = allocated
        self.running = running
        self.lastHeartbeat = lastHeartbeat
        self.registeredAt = registeredAt
    }

    enum CodingKeys: String, CodingKey {
        case id, runtime, labels, state, capacity, allocated, running
        case lastHeartbeat = "last_heartbeat"
        case registeredAt = "registered_at"
    }
}

/// The nodes a list asked for.
public struct NodeList: Sendable, Codable, Equatable {
    public var nodes: [NodeRecord]

    public init(nodes: [NodeRecord]) {
        self.nodes = nodes
    }
}
