import CorralCore

/// The enforcer's memory log: the host's memory at one cycle, as the log
/// collector stores it (README, "Collector records").
public struct MemoryRecord: Sendable, Equatable, Codable {
    /// A UUID, so a batch sent twice is stored once.
    public var id: String
    /// RFC 3339, UTC, milliseconds: `2026-11-21T21:07:15.123Z`.
    public var timestamp: String
    public var cycle: Int
    public var totalKb: UInt64
    public var freeKb: UInt64
    public var availableKb: UInt64
    public var usedKb: UInt64
    public var usedPercent: Double

    enum CodingKeys: String, CodingKey {
        case id, timestamp, cycle
        case totalKb = "total_kb"
        case freeKb = "free_kb"
        case availableKb = "available_kb"
        case usedKb = "used_kb"
        case usedPercent = "used_percent"
    }

    public init(id: String, timestamp: String, cycle: Int, memory: HostMemory) {
        self.id = id
        self.timestamp = timestamp
        self.cycle = cycle
        totalKb = memory.totalKb
        freeKb = memory.freeKb
        availableKb = memory.availableKb
        usedKb = memory.usedKb
        usedPercent = (memory.usedPercent * 100).rounded() / 100
    }
}

/// The enforcer's process log: one container's figures and fate at one cycle.
public struct ProcessRecord: Sendable, Equatable, Codable {
    public var id: String
    public var timestamp: String
    public var cycle: Int
    public var containerID: String
    public var name: String
    public var image: String
    public var containerClass: ContainerClass
    /// The container's first process (0 when it had none in the document).
    public var pid: Int32
    public var vszKb: UInt64
    public var rssKb: UInt64
    /// Unrounded, as the planner ranked it: a replay buckets it again.
    public var memPercent: Double
    public var cpuPercent: Double
    public var action: Action
    public var reason: String
    /// Seconds since the epoch: the ranking's tie-break. Absent from records
    /// written before replay existed.
    public var createdAt: Double?
    /// Where the class came from (`label`, `image`, `threshold`). Absent from
    /// records written before replay existed.
    public var classSource: ClassSource?

    enum CodingKeys: String, CodingKey {
        case id, timestamp, cycle, name, image, pid, action, reason
        case containerID = "container_id"
        case containerClass = "class"
        case vszKb = "vsz_kb"
        case rssKb = "rss_kb"
        case memPercent = "mem_percent"
        case cpuPercent = "cpu_percent"
        case createdAt = "created_at"
        case classSource = "class_source"
    }

    public init(id: String, timestamp: String, cycle: Int, decision: Decision, pid: Int32) {
        self.id = id
        self.timestamp = timestamp
        self.cycle = cycle
        containerID = decision.id
        name = decision.name
        image = decision.container.image
        containerClass = decision.containerClass
        self.pid = pid
        vszKb = decision.vszKb
        rssKb = decision.rssKb
        memPercent = min(100, max(0, decision.memPercent))
        cpuPercent = decision.cpuPercent.isFinite ? max(0, decision.cpuPercent) : 0
        action = decision.action
        reason = decision.reason
        createdAt = decision.container.createdAt
        classSource = decision.classSource
    }
}
