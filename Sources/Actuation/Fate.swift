import CorralCore

/// What became of one decision in one cycle, computed once (``CycleReport/fates``)
/// and read under this one name by every report: the console's ACTION
/// column, the journal's `CORRAL_FATE`, the metrics' `state` label.
public enum Fate: String, Sendable, CaseIterable {
    /// The plan kept it.
    case kept
    /// Killed and removed.
    case killed
    /// Gone before Corral got to it (it exited, or someone removed it): the
    /// plan's wish came true without a kill.
    case vanished
    /// The last gate refused it: not under the policy, whatever the plan said.
    case refused
    /// Both attempts failed; the runtime's words are in the kill's outcome.
    case failed
    /// A dry run's kill: planned, not done.
    case wouldKill = "would_kill"
    /// Surplus, and capped (CPU quota, memory soft limit) instead of killed:
    /// `surplus_action = "throttle"`.
    case throttled

    public init(_ decision: Decision, outcome: KillPool.Outcome?, dryRun: Bool, throttle: ThrottleOutcome? = nil) {
        switch (decision.action, outcome) {
        case (.keep, _): self = .kept
        case (.kill, _) where dryRun: self = .wouldKill
        case (.kill, nil) where throttle != nil:
            switch throttle {
            case .capped?, .stillCapped?: self = .throttled
            case .alreadyGone?: self = .vanished
            case .refused?: self = .refused
            case .failed?, .uncapped?, nil: self = .failed
            }
        case (.kill, .removed?): self = .killed
        case (.kill, .alreadyGone?): self = .vanished
        case (.kill, .refused?): self = .refused
        // A kill the pool never answered for is a kill that did not happen.
        case (.kill, .failed?), (.kill, nil): self = .failed
        }
    }

    /// The name in words, for people: "would kill".
    public var words: String { rawValue.split(separator: "_").joined(separator: " ") }

    /// True when the container is gone because of this cycle.
    public var isKill: Bool { self == .killed || self == .vanished }

    /// True for a kill that was meant and did not happen: said loudly.
    public var isFailure: Bool { self == .refused || self == .failed }
}
