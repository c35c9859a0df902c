import CorralCore

/// Merges one sysinfo document with the containers' cgroup figures and what
/// Docker says of them into a ``Snapshot``. It keeps the CPU meter between
/// calls, so a snapshot's CPU% is instantaneous from the second one on.
public struct SnapshotBuilder: Sendable {
    /// What each container's cgroup is asked for.
    public enum CgroupFigures: Sendable {
        /// Every figure of ``CgroupUsage``, carried on each sample.
        case all
        /// Only the CPU time its CPU% is measured from (one file, not five):
        /// what a cycle needs; samples carry no ``CgroupUsage``.
        case cpuTime
    }

    public let cgroups: CgroupStats?
    public let figures: CgroupFigures
    private var meter = CPUMeter()

    /// `cgroups` nil leaves the cgroup figures out (the document alone).
    public init(cgroups: CgroupStats? = CgroupStats(), figures: CgroupFigures = .all) {
        self.cgroups = cgroups
        self.figures = figures
    }

    /// One sample per container Docker knows; containers the document has but
    /// Docker does not are not Corral's business and are left out. A container
    /// with no processes in the document (another cgroup parent, restarting,
    /// or exited between Docker's list and the read) is `measured: false`,
    /// with zero figures that the planner will not rank.
    public mutating func build(document: SysinfoDocument, metadata: [ContainerMetadata]) -> Snapshot {
        let byID = Dictionary(document.containers.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var samples: [ContainerSample] = []
        samples.reserveCapacity(metadata.count)
        for meta in metadata {
            let found = byID[meta.id]
            let processes = found?.processes ?? []
            var usage: CgroupUsage?
            var cgroupCPU: UInt64?
            if let found, let cgroups {
                switch figures {
                case .all:
                    usage = try? cgroups.figures(cgroup: found.cgroup)
                    cgroupCPU = usage?.cpuUsageNs
                case .cpuTime: cgroupCPU = try? cgroups.cpuUsageNs(cgroup: found.cgroup)
                }
            }
            let summedCPU = processes.reduce(UInt64(0)) { $0 + $1.cpuTimeNs }
            let lifetime = processes.reduce(0.0) { $0 + $1.cpuPercent.value }
            let cpu = meter.percent(id: meta.id, cpuNs: cgroupCPU ?? summedCPU, atNs: document.bootNs, lifetime: lifetime)
            samples.append(
                ContainerSample(
                    metadata: meta, processCount: processes.count, mainPid: processes.map(\.pid).min() ?? 0, cpuPercent: cpu,
                    memPercent: processes.reduce(0.0) { $0 + $1.memPercent.value }, vszKb: processes.reduce(0) { $0 + $1.vszKb },
                    rssKb: processes.reduce(0) { $0 + $1.rssKb }, cgroup: usage, measured: !processes.isEmpty))
        }
        meter.retain(only: Set(metadata.map(\.id)))
        return Snapshot(
            takenAtNs: document.takenAtNs, source: Snapshot.Source(rawValue: document.source.rawValue) ?? .procfs, memory: document.memory,
            containers: samples)
    }
}
