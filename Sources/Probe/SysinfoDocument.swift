// Probe: what the host's containers consume, from the kernel module's
// document or its userspace twin, plus cgroup statistics, merged into a
// Snapshot. Knows nothing of the policy.

import CorralCore

/// The `corral.sysinfo/v1` document (schemas/corral.sysinfo.v1.schema.json):
/// host memory and every container's processes, as the kernel module writes it
/// at /proc/sysinfo_<suffix> and `corral sysinfo --source procfs` writes it too.
public struct SysinfoDocument: Sendable, Equatable {
    public static let schemaV1 = "corral.sysinfo/v1"

    public enum Source: String, Sendable {
        case kernel
        case procfs
    }

    public var source: Source
    /// CLOCK_REALTIME when taken, ns since the epoch.
    public var takenAtNs: UInt64
    /// CLOCK_BOOTTIME when taken, ns: subtract two documents' values for the time between them.
    public var bootNs: UInt64
    public var memory: HostMemory
    public var containers: [Container]
    /// Whole containers the module's size bound left out (the last ones by id).
    public var containersOmitted: UInt64

    public init(
        source: Source, takenAtNs: UInt64, bootNs: UInt64, memory: HostMemory, containers: [Container], containersOmitted: UInt64 = 0
    ) {
        self.source = source
        self.takenAtNs = takenAtNs
        self.bootNs = bootNs
        self.memory = memory
        self.containers = containers
        self.containersOmitted = containersOmitted
    }

    /// A container found by the cgroup its processes are in.
    public struct Container: Sendable, Equatable {
        /// The 64-hex container id.
        public var id: String
        /// Its cgroup path: `/docker/<id>` or `/system.slice/docker-<id>.scope`.
        public var cgroup: String
        public var processes: [Process]
        /// Processes left out because the document reached its size bound
        /// (the kernel module's `max_bytes`): the figures are a lower bound.
        public var processesOmitted: UInt64

        public init(id: String, cgroup: String, processes: [Process], processesOmitted: UInt64 = 0) {
            self.id = id
            self.cgroup = cgroup
            self.processes = processes
            self.processesOmitted = processesOmitted
        }
    }

    public struct Process: Sendable, Equatable {
        public var pid: Int32
        public var ppid: Int32
        /// The command name (comm).
        public var name: String
        /// argv joined by spaces, at most 256 bytes of it.
        public var cmdline: String
        public var vszKb: UInt64
        public var rssKb: UInt64
        /// rss / host total x 100.
        public var memPercent: Percent
        /// User plus system time of all its threads.
        public var cpuTimeNs: UInt64
        /// CLOCK_BOOTTIME at its start.
        public var startTimeNs: UInt64
        /// Lifetime average; 100 is one core.
        public var cpuPercent: Percent

        public init(
            pid: Int32, ppid: Int32, name: String, cmdline: String, vszKb: UInt64, rssKb: UInt64, memPercent: Percent,
            cpuTimeNs: UInt64, startTimeNs: UInt64, cpuPercent: Percent
        ) {
            self.pid = pid
            self.ppid = ppid
            self.name = name
            self.cmdline = cmdline
            self.vszKb = vszKb
            self.rssKb = rssKb
            self.memPercent = memPercent
            self.cpuTimeNs = cpuTimeNs
            self.startTimeNs = startTimeNs
            self.cpuPercent = cpuPercent
        }
    }
}
