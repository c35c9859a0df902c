/// One cycle as the enforcer recorded it: every container it ranked, with
/// the figures it ranked them on and what it decided. The input of a replay.
public struct RecordedCycle: Sendable, Equatable {
    /// RFC 3339, UTC, milliseconds: every record of a cycle carries the same one.
    public var timestamp: String
    /// The cycle's number since its enforcer started (it restarts at 1).
    public var cycle: Int
    public var decisions: [RecordedDecision]

    public init(timestamp: String, cycle: Int, decisions: [RecordedDecision]) {
        self.timestamp = timestamp
        self.cycle = cycle
        self.decisions = decisions
    }
}

/// One container's recorded figures and fate.
public struct RecordedDecision: Sendable, Equatable {
    /// The container as the planner saw it: its identity (labels rebuilt
    /// from what the record says: managed, and its class label when the class
    /// came from one) and its figures.
    public var sample: ContainerSample
    public var containerClass: ContainerClass
    public var classSource: ClassSource
    public var action: Action
    /// False for a record written before `created_at` and `class_source`
    /// were recorded: its tie-break and class source are inferred, and its
    /// figures were rounded to two decimals, so a figure on a resolution
    /// step's edge may rank differently on replay.
    public var complete: Bool

    public init(sample: ContainerSample, containerClass: ContainerClass, classSource: ClassSource, action: Action, complete: Bool) {
        self.sample = sample
        self.containerClass = containerClass
        self.classSource = classSource
        self.action = action
        self.complete = complete
    }

    public var id: String { sample.id }
}
