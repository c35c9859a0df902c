// CorralCore: Corral's domain in values: the labels that mark what Corral may
// touch, the consumption classes, and (as they arrive) the policy and the
// planner. No I/O, no clock, no Docker.

/// The Docker labels that are Corral's contract with the generator, the
/// collector and operators (see the README's "Contracts").
public enum CorralLabel {
    /// `corral.managed=true`: under Corral's policy. Corral never touches a
    /// container without it.
    public static let managed = "corral.managed"
    /// `corral.class=high|low`: the consumption class.
    public static let `class` = "corral.class"
    /// `corral.protected=true`: outside the policy, never killed, never counted.
    public static let protected = "corral.protected"
    /// `corral.role=collector`: the log collector the enforcer creates and reuses.
    public static let role = "corral.role"

    /// `corral.node=<id>`: the node whose agent created it; only that agent
    /// touches it.
    public static let node = "corral.node"
    /// `corral.container=<id>`: the control plane's id for it.
    public static let serviceContainer = "corral.container"

    public static let trueValue = "true"

    /// True when `labels` put a container under Corral's policy: managed, and
    /// neither protected nor the collector.
    public static func isUnderPolicy(_ labels: [String: String]) -> Bool {
        labels[managed] == trueValue && labels[protected] != trueValue && labels[role] == nil
    }
}
