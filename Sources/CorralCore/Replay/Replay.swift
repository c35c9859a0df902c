/// A recorded run under another policy: every recorded cycle planned again,
/// each container's replayed fate set against its recorded one. Pure: values
/// in, a ``ReplayReport`` out.
///
/// Each cycle is replayed on what was recorded: a container the recording
/// killed is absent from later cycles even where the other policy would have
/// kept it, and starts are not replayed (only the ranking's keeps and kills).
public struct Replay: Sendable {
    public let policy: Policy

    public init(policy: Policy) {
        self.policy = policy
    }

    public func run(_ cycles: [RecordedCycle]) -> ReplayReport {
        var report = ReplayReport()
        let planner = Planner(policy: policy)
        for cycle in cycles {
            let snapshot = Snapshot(
                takenAtNs: 0, source: .procfs, memory: HostMemory(totalKb: 0, freeKb: 0, availableKb: 0, usedKb: 0),
                containers: cycle.decisions.map(\.sample))
            let plan = planner.plan(snapshot)
            let replayed = Dictionary(plan.decisions.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            var differs = false
            for recorded in cycle.decisions {
                report.decisions += 1
                if !recorded.complete { report.incomplete += 1 }
                report.recorded.count(recorded.action, id: recorded.id, rssKb: recorded.sample.rssKb)
                // Every recorded sample is managed and measured, so the plan
                // decides each one; a missing one would be a planner bug.
                guard let decision = replayed[recorded.id] else { continue }
                report.replayed.count(decision.action, id: decision.id, rssKb: decision.rssKb)
                guard decision.action != recorded.action || decision.containerClass != recorded.containerClass else { continue }
                differs = true
                report.differences.append(
                    ReplayDifference(
                        timestamp: cycle.timestamp, cycle: cycle.cycle, container: recorded.sample.metadata,
                        recordedClass: recorded.containerClass, replayedClass: decision.containerClass, recordedAction: recorded.action,
                        replayedAction: decision.action, rssKb: recorded.sample.rssKb, reason: decision.reason))
            }
            report.cycles += 1
            if differs { report.cyclesDiffering += 1 }
            if report.first == nil { report.first = cycle.timestamp }
            report.last = cycle.timestamp
        }
        return report
    }
}

/// What a replay found: the decisions that differ and the totals of both runs.
public struct ReplayReport: Sendable, Equatable {
    public var cycles = 0
    public var cyclesDiffering = 0
    public var decisions = 0
    /// Decisions whose record lacks `created_at`/`class_source` (see ``RecordedDecision/complete``).
    public var incomplete = 0
    public var recorded = Tally()
    public var replayed = Tally()
    /// In recorded order: by cycle, then as each cycle was recorded.
    public var differences: [ReplayDifference] = []
    /// The first and last cycles' timestamps.
    public var first: String?
    public var last: String?

    public init() {}

    /// What one run kills, and the memory that frees. A container counts
    /// once, at the first cycle it is killed in: the recording's kills are
    /// gone from later cycles, but a replay may decide to kill a container
    /// the recording kept in every cycle it is seen.
    public struct Tally: Sendable, Equatable {
        public private(set) var killed: Set<String> = []
        /// RSS of each killed container when first killed, summed.
        public private(set) var freedKb: UInt64 = 0

        public init() {}

        public var kills: Int { killed.count }

        mutating func count(_ action: Action, id: String, rssKb: UInt64) {
            guard action == .kill, killed.insert(id).inserted else { return }
            freedKb += rssKb
        }
    }
}

/// One container whose replayed fate (or class) is not the recorded one.
public struct ReplayDifference: Sendable, Equatable {
    public var timestamp: String
    public var cycle: Int
    public var container: ContainerMetadata
    public var recordedClass: ContainerClass
    public var replayedClass: ContainerClass
    public var recordedAction: Action
    public var replayedAction: Action
    public var rssKb: UInt64
    /// The replayed plan's reason, in words.
    public var reason: String

    public init(
        timestamp: String, cycle: Int, container: ContainerMetadata, recordedClass: ContainerClass, replayedClass: ContainerClass,
        recordedAction: Action, replayedAction: Action, rssKb: UInt64, reason: String
    ) {
        self.timestamp = timestamp
        self.cycle = cycle
        self.container = container
        self.recordedClass = recordedClass
        self.replayedClass = replayedClass
        self.recordedAction = recordedAction
        self.replayedAction = replayedAction
        self.rssKb = rssKb
        self.reason = reason
    }
}
