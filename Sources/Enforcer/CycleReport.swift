import CorralCore

/// What one cycle saw, decided and did: the value every report (journal,
/// console, spool) is written from. Reports never change decisions.
public struct CycleReport: Sendable {
    public let cycle: Int
    public let dryRun: Bool
    /// Nil when the cycle could not take a snapshot (see `error`).
    public let snapshot: Snapshot?
    public let plan: Plan?
    /// By container id; empty in a dry run.
    public let kills: [String: KillPool.Outcome]
    public let started: [Starter.Started]
    public let failedStarts: [(StartOrder, String)]
    /// Why the cycle was skipped, in words.
    public let error: String?
    /// True when the cycle was skipped because the Docker daemon did not answer.
    public var daemonUnavailable = false
    /// A change of snapshot source worth saying once.
    public let notice: String?
    public let seconds: Double

    public var killedCount: Int {
        kills.values.filter { $0 == .removed || $0 == .alreadyGone }.count
    }
}
