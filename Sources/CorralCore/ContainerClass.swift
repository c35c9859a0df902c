/// A workload's consumption class, as its `corral.class` label says.
public enum ContainerClass: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    case high
    case low

    /// Reads a label value; nil for anything that is not exactly `high` or `low`.
    public init?(label: String?) {
        guard let label, let value = ContainerClass(rawValue: label) else { return nil }
        self = value
    }

    public static func < (lhs: ContainerClass, rhs: ContainerClass) -> Bool {
        lhs == .high && rhs == .low
    }
}
