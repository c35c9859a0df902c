import CorralCore

/// An agent introducing itself to `subscribe`, at start and after its node
/// was marked down: who it is, what it offers, and what its runtime runs.
public struct Registration: Sendable, Codable, Equatable {
    public var node: String
    /// Kept by the agent across restarts; a second agent claiming the same
    /// node id with another secret is refused, so two hosts never share one
    /// node's work.
    public var secret: String
    public var runtime: String
    public var labels: [String: String]
    public var capacity: Resources
    /// Every container its runtime has that carries its node's label.
    public var inventory: [InventoryItem]

    public init(node: String, secret: String, runtime: String, labels: [String: String], capacity: Resources, inventory: [InventoryItem]) {
        self.node = node
        self.secret = secret
        self.runtime = runtime
        self.labels = labels
        self.capacity = capacity
        self.inventory = inventory
    }
}

/// One of the runtime's containers, as the agent found it.
public struct InventoryItem: Sendable, Codable, Equatable {
    public var containerID: String
    public var runtimeID: String
    public var actual: ActualState
    public var exitCode: Int32?

    public init(containerID: String, runtimeID: String, actual: ActualState, exitCode: Int32? = nil) {
        self.containerID = containerID
        self.runtimeID = runtimeID
        self.actual = actual
        self.exitCode = exitCode
    }

    enum CodingKeys: String, CodingKey {
        case actual
        case containerID = "container_id"
        case runtimeID = "runtime_id"
        case exitCode = "exit_code"
    }
}

/// What `subscribe` answers a registration: the node as stored, the work it
/// still owes (every order not finished, delivered again: they are
/// idempotent), and the runtime's containers it must remove because the
/// service gave them to another node or deleted them while it was away.
public struct RegistrationReply: Sendable, Codable, Equatable {
    public var node: NodeRecord
    public var orders: [Order]
    public var remove: [String]
    public var heartbeatSeconds: Double
    public var ttlSeconds: Double

    public init(node: NodeRecord, orders: [Order], remove: [String], heartbeatSeconds: Double, ttlSeconds: Double) {
        self.node = node
        self.orders = orders
        self.remove = remove
        self.heartbeatSeconds = heartbeatSeconds
        self.ttlSeconds = ttlSeconds
    }

    enum CodingKeys: String, CodingKey {
        case node, orders, remove
        case heartbeatSeconds = "heartbeat_seconds"
        case ttlSeconds = "ttl_seconds"
    }
}

/// A heartbeat: the node is alive, and how many containers its runtime runs.
public struct Heartbeat: Sendable, Codable, Equatable {
    public var running: Int

    public init(running: Int) {
        self.running = running
    }
}
