/// What Docker says of a container, as the snapshot needs it: who it is, not
/// what it consumes.
public struct ContainerMetadata: Sendable, Equatable {
    public var id: String
    public var name: String
    public var image: String
    public var labels: [String: String]
    /// Seconds since the epoch.
    public var createdAt: Double

    public init(id: String, name: String, image: String, labels: [String: String], createdAt: Double) {
        self.id = id
        self.name = name
        self.image = image
        self.labels = labels
        self.createdAt = createdAt
    }
}

/// One container at one moment: its identity and what it consumes, summed
/// over its processes, with its cgroup's own figures when they could be read.
public struct ContainerSample: Sendable, Equatable {
    public var metadata: ContainerMetadata
    public var processCount: Int
    /// Its first process (the lowest pid in the document); 0 when it has none.
    public var mainPid: Int32
    /// Instantaneous when an earlier sample exists, else the lifetime average. 100 = one core.
    public var cpuPercent: Double
    /// RSS as a share of host memory.
    public var memPercent: Double
    public var vszKb: UInt64
    public var rssKb: UInt64
    public var cgroup: CgroupUsage?
    /// False when Docker lists the container as running but the document has
    /// none of its processes (another cgroup parent, restarting, or exited
    /// between the list and the read): its figures are zeros that mean
    /// "unknown", not "light", and the planner neither ranks nor keeps it.
    public var measured: Bool

    public init(
        metadata: ContainerMetadata, processCount: Int, mainPid: Int32 = 0, cpuPercent: Double, memPercent: Double, vszKb: UInt64,
        rssKb: UInt64,
        cgroup: CgroupUsage?, measured: Bool = true
    ) {
        self.metadata = metadata
        self.processCount = processCount
        self.mainPid = mainPid
        self.cpuPercent = cpuPercent
        self.memPercent = memPercent
        self.vszKb = vszKb
        self.rssKb = rssKb
        self.cgroup = cgroup
        self.measured = measured
    }

    public var id: String { metadata.id }
    public var name: String { metadata.name }
    public var labels: [String: String] { metadata.labels }
}

/// What the kernel accounts to one container's cgroup, as values: read by
/// the probe (CgroupStats), carried in the snapshot.
public struct CgroupUsage: Sendable, Equatable {
    public var memoryUsageBytes: UInt64
    /// nil when the cgroup has no memory limit.
    public var memoryLimitBytes: UInt64?
    public var cpuUsageNs: UInt64
    /// CFS periods in which the cgroup hit its CPU quota, and the time it waited.
    public var throttledPeriods: UInt64
    public var throttledNs: UInt64
    /// Tasks in the cgroup.
    public var pids: UInt64

    public init(
        memoryUsageBytes: UInt64, memoryLimitBytes: UInt64?, cpuUsageNs: UInt64, throttledPeriods: UInt64, throttledNs: UInt64, pids: UInt64
    ) {
        self.memoryUsageBytes = memoryUsageBytes
        self.memoryLimitBytes = memoryLimitBytes
        self.cpuUsageNs = cpuUsageNs
        self.throttledPeriods = throttledPeriods
        self.throttledNs = throttledNs
        self.pids = pids
    }
}

/// The host at one moment: its memory and every container Docker knows of,
/// whichever source the figures came from.
public struct Snapshot: Sendable, Equatable {
    /// Wall clock, ns since the epoch.
    public var takenAtNs: UInt64
    /// Which document the figures came from.
    public var source: Source
    public var memory: HostMemory
    public var containers: [ContainerSample]

    /// The kernel module's document, or its userspace twin's.
    public enum Source: String, Sendable, Equatable, CaseIterable {
        case kernel
        case procfs
    }

    public init(takenAtNs: UInt64, source: Source, memory: HostMemory, containers: [ContainerSample]) {
        self.takenAtNs = takenAtNs
        self.source = source
        self.memory = memory
        self.containers = containers
    }
}
