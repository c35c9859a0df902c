/// The planner's answer for one snapshot: every container under the policy
/// kept or killed, the containers to start, and what was left alone.
public struct Plan: Sendable, Equatable {
    /// Keeps and kills, high class first, each class from heaviest to lightest.
    public var decisions: [Decision]
    public var starts: [StartOrder]
    /// Containers outside the policy, each with why: never acted on,
    /// listed so a report can say so.
    public var untouched: [Untouched]
    /// Containers under the policy that the snapshot could not measure: not
    /// ranked, not kept, not killed this cycle; listed so a report says so.
    public var unmeasured: [Unmeasured]

    public init(decisions: [Decision], starts: [StartOrder], untouched: [Untouched], unmeasured: [Unmeasured] = []) {
        self.decisions = decisions
        self.starts = starts
        self.untouched = untouched
        self.unmeasured = unmeasured
    }

    public var kills: [Decision] { decisions.filter { $0.action == .kill } }
    public var keeps: [Decision] { decisions.filter { $0.action == .keep } }

    public func decisions(of cls: ContainerClass) -> [Decision] {
        decisions.filter { $0.containerClass == cls }
    }

    /// True when the plan changes nothing on the host.
    public var isQuiet: Bool { kills.isEmpty && starts.isEmpty }
}
