/// A node as the scheduler sees it: what it has, what is already placed on
/// it, and whether it takes new work. Values only; the store builds them.
public struct SchedulableNode: Sendable, Equatable {
    public var id: String
    /// The runtime its agent acts through ("docker", later "native").
    public var runtime: String
    public var labels: [String: String]
    /// Up and not drained: the only nodes that take new containers.
    public var accepting: Bool
    public var capacity: Resources
    /// The sum of what the containers placed on it asked for, and their count.
    public var allocated: Resources

    public init(
        id: String, runtime: String, labels: [String: String] = [:], accepting: Bool = true, capacity: Resources,
        allocated: Resources = .zero
    ) {
        self.id = id
        self.runtime = runtime
        self.labels = labels
        self.accepting = accepting
        self.capacity = capacity
        self.allocated = allocated
    }

    /// What is left once `allocated` is taken from `capacity`.
    public var free: Resources { capacity.minus(allocated) }
}

/// CPUs (in thousandths of a core), memory and a count of containers: what a
/// node offers and what a container asks for.
public struct Resources: Sendable, Equatable, Codable {
    public var millicpus: Int64
    public var memoryBytes: Int64
    public var containers: Int64

    public init(millicpus: Int64, memoryBytes: Int64, containers: Int64) {
        self.millicpus = millicpus
        self.memoryBytes = memoryBytes
        self.containers = containers
    }

    enum CodingKeys: String, CodingKey {
        case millicpus, containers
        case memoryBytes = "memory_bytes"
    }

    public static let zero = Resources(millicpus: 0, memoryBytes: 0, containers: 0)

    public func plus(_ other: Resources) -> Resources {
        Resources(
            millicpus: millicpus + other.millicpus, memoryBytes: memoryBytes + other.memoryBytes, containers: containers + other.containers)
    }

    public func minus(_ other: Resources) -> Resources {
        Resources(
            millicpus: millicpus - other.millicpus, memoryBytes: memoryBytes - other.memoryBytes, containers: containers - other.containers)
    }

    /// True when every dimension of `request` fits in these.
    public func fits(_ request: Resources) -> Bool {
        request.millicpus <= millicpus && request.memoryBytes <= memoryBytes && request.containers <= containers
    }
}
