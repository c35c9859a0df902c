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
    /// What the direct path through the cgroup did before each removal, by
    /// container id; only for the kills it was tried on.
    public let direct: [String: KillPool.Direct]
    /// Caps and uncaps with `surplus_action = "throttle"`, by container id.
    public let throttles: [String: ThrottleOutcome]
    /// What became of each decision, by container id: the one reading every
    /// report uses.
    public let fates: [String: Fate]
    public let started: [Starter.Started]
    public let failedStarts: [(StartOrder, String)]
    /// Containers earlier cycles started that exited at once, and were removed.
    public let exitedStarts: [ExitedStart]
    /// Why the cycle was skipped, in words.
    public let error: String?
    /// True when the cycle was skipped because the Docker daemon did not answer.
    public var daemonUnavailable = false
    /// Set when memory pressure woke this cycle before its tick.
    public var pressure: PressureOutcome?
    /// A change of snapshot source worth saying once.
    public let notice: String?
    public let seconds: Double

    public init(
        cycle: Int, dryRun: Bool, snapshot: Snapshot?, plan: Plan?, kills: [String: KillPool.Outcome] = [:],
        direct: [String: KillPool.Direct] = [:], throttles: [String: ThrottleOutcome] = [:],
        started: [Starter.Started] = [],
        failedStarts: [(StartOrder, String)] = [], exitedStarts: [ExitedStart] = [], error: String?, notice: String?, seconds: Double
    ) {
        self.cycle = cycle
        self.dryRun = dryRun
        self.snapshot = snapshot
        self.plan = plan
        self.kills = kills
        self.direct = direct
        self.throttles = throttles
        fates = Dictionary(
            (plan?.decisions ?? []).map {
                ($0.id, Fate($0, outcome: kills[$0.id], dryRun: dryRun, throttle: throttles[$0.id]))
            }, uniquingKeysWith: { a, _ in a })
        self.started = started
        self.failedStarts = failedStarts
        self.exitedStarts = exitedStarts
        self.error = error
        self.notice = notice
        self.seconds = seconds
    }

    /// A container Corral started that was no longer running by the next cycle.
    public struct ExitedStart: Sendable, Equatable {
        public let started: Starter.Started
        public let exitCode: Int32
        /// Why it could not be removed; nil when it was.
        public let removalError: String?

        public init(started: Starter.Started, exitCode: Int32, removalError: String?) {
            self.started = started
            self.exitCode = exitCode
            self.removalError = removalError
        }
    }

    /// Containers gone because of this cycle (killed, or vanished first).
    public var killedCount: Int {
        fates.values.filter(\.isKill).count
    }

    /// The fate of one decision of this cycle's plan.
    public func fate(of decision: Decision) -> Fate {
        fates[decision.id]
            ?? Fate(decision, outcome: kills[decision.id], dryRun: dryRun, throttle: throttles[decision.id])
    }
}
