/// What one container asks of a node: its resources and the constraints a
/// node must meet.
public struct PlacementRequest: Sendable, Equatable {
    /// Each container counts as one against a node's container capacity.
    public var resources: Resources
    /// Every label here must be on the node with this value.
    public var nodeLabels: [String: String]
    /// The node's runtime, when the container needs a particular one.
    public var runtime: String?
    public var strategy: PlacementStrategy

    public init(
        millicpus: Int64 = 0, memoryBytes: Int64 = 0, nodeLabels: [String: String] = [:], runtime: String? = nil,
        strategy: PlacementStrategy = .spread
    ) {
        self.resources = Resources(millicpus: millicpus, memoryBytes: memoryBytes, containers: 1)
        self.nodeLabels = nodeLabels
        self.runtime = runtime
        self.strategy = strategy
    }
}
