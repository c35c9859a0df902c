/// A container the plan leaves alone because it is outside the policy, and why.
public struct Untouched: Sendable, Equatable {
    public enum Reason: String, Sendable, Equatable {
        /// Not labelled `corral.managed=true`.
        case unmanaged
        /// Labelled `corral.protected=true`.
        case protected
        /// One of Corral's own, by its `corral.role` label (the log collector).
        case role
    }

    public var id: String
    public var reason: Reason

    public init(id: String, reason: Reason) {
        self.id = id
        self.reason = reason
    }

    /// Why a container with these labels is outside the policy; nil when it is under it.
    public static func reason(_ labels: [String: String]) -> Reason? {
        if labels[CorralLabel.managed] != CorralLabel.trueValue { return .unmanaged }
        if labels[CorralLabel.protected] == CorralLabel.trueValue { return .protected }
        if labels[CorralLabel.role] != nil { return .role }
        return nil
    }
}
