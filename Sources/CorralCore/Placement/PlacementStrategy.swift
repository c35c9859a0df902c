/// How the scheduler chooses among nodes that can all take a container.
public enum PlacementStrategy: String, Sendable, Equatable, Codable, CaseIterable {
    /// The node that would be least used after the placement: containers
    /// spread evenly, one node's loss costs the fewest. The default.
    case spread
    /// The node that would be most used after the placement and still fits:
    /// nodes fill one after another, so others stay free for large requests.
    case binpack
}
