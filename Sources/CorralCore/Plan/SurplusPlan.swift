/// What the enforcer does with a surplus container (`surplus_action`).
public enum SurplusAction: String, Sendable, Equatable, CaseIterable {
    /// Remove it (SIGKILL through its cgroup, then the runtime's removal).
    case kill
    /// Cap its CPU and memory instead; lift the cap when it is kept again.
    case throttle
}

/// A plan's surplus under the surplus action, given which containers are
/// capped and since when: who is killed, capped, left capped, or uncapped.
/// Pure: the throttled set and the clock are values.
public struct SurplusPlan: Sendable, Equatable {
    public var kills: [Decision] = []
    /// Surplus, not capped yet: cap now.
    public var throttles: [Decision] = []
    /// Surplus and capped already, not yet due for removal: left as is.
    public var stillThrottled: [Decision] = []
    /// Kept again while capped: lift the cap.
    public var unthrottles: [Decision] = []

    public init() {}

    /// `throttled` maps a capped container's id to when it was capped
    /// (seconds, the same clock as `now`); with `killAfter`, one still
    /// surplus that long after is killed.
    public init(_ plan: Plan, action: SurplusAction, throttled: [String: Double], now: Double, killAfter: Double?) {
        for decision in plan.decisions {
            switch (decision.action, action) {
            case (.keep, _):
                if throttled[decision.id] != nil { unthrottles.append(decision) }
            case (.kill, .kill):
                kills.append(decision)
            case (.kill, .throttle):
                guard let since = throttled[decision.id] else {
                    throttles.append(decision)
                    continue
                }
                if let killAfter, now - since >= killAfter {
                    kills.append(decision)
                } else {
                    stillThrottled.append(decision)
                }
            }
        }
    }
}
