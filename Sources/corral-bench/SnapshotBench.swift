import CorralCore
import DockerEngine
import Foundation
import Probe

/// A snapshot of the host (the procfs twin, cgroup statistics and Docker's
/// labels, merged) against `docker stats --no-stream` on the same containers,
/// how the snapshot's cost per container grows with their number, and a
/// whole sweep (the snapshot and the plan) at the largest count against
/// Corral's aim of 50 ms for 1,000 containers. A host that cannot hold the
/// largest count is swept at as many as it held, and the row says so.
struct SnapshotBench {
    let docker: DockerClient
    let counts: [Int]
    let statsAt: Int
    let trials: Int
    let width: Int
    /// The twin with its files kept open between documents, as the enforcer
    /// holds it; reading argv (the whole document, as `corral sysinfo` gives
    /// it) for the snapshot rows, and not (as a cycle reads) for the sweep.
    let probe: ProcfsProbe
    let cycleProbe: ProcfsProbe
    let cgroups: CgroupStats

    init(docker: DockerClient, counts: [Int], statsAt: Int, trials: Int, width: Int) {
        (self.docker, self.counts, self.statsAt, self.trials, self.width) = (docker, counts, statsAt, trials, width)
        OpenProcFiles.raiseDescriptorLimit()
        let files = OpenProcFiles()
        probe = ProcfsProbe(openFiles: files)
        cycleProbe = ProcfsProbe(openFiles: files, readsArgv: false)
        cgroups = CgroupStats(openFiles: files)
    }

    func run() async throws -> [BenchRow] {
        let batch = BenchBatch(docker: docker, width: width)
        var rows: [BenchRow] = []
        var perContainer: [(Int, Double)] = []
        var started = 0
        try await batch.run {
            for wanted in counts.sorted() {
                var count = wanted
                if count > started {
                    progress("snapshot: starting containers \(started + 1) to \(count)")
                    do {
                        try await batch.create(started..<count)
                    } catch {
                        count = try await listMetadata(batch.name).count
                        progress("snapshot: this host held \(count) containers, not \(wanted): \(error)")
                        guard count > started else { break }
                    }
                }
                started = count
                // The enforcer keeps Docker's labels from the event stream rather
                // than listing every cycle, so the list is timed on its own.
                var metadata: [ContainerMetadata] = []
                // Containers just started are still settling: the host's CPUs
                // quiet again, then one untimed round first.
                await HostQuiet.wait(label: "snapshot at \(count)")
                try takeSnapshot(try await listMetadata(batch.name), expecting: count)
                let list = try await timeMedian(trials: trials) { metadata = try await listMetadata(batch.name) }
                let document = try await timeMedian(trials: trials) { _ = try probe.document() }
                let snapshot = try await timeMedian(trials: max(trials, 5)) { try takeSnapshot(metadata, expecting: count) }
                perContainer.append((count, snapshot / Double(count)))
                if wanted == counts.max() {
                    let planner = Planner(policy: Policy())
                    // As a cycle sweeps: the cgroups asked for CPU time alone, and no
                    // argv; one untimed sweep first closes the argv files the
                    // snapshots above kept, as an enforcer never opens them.
                    try takeSnapshot(metadata, expecting: count, figures: .cpuTime)
                    // 15 sweeps (under a second): a median that one busy moment of
                    // this shared machine does not move, and their spread said.
                    let sweeps = try await timeTrials(max(trials, 15)) {
                        _ = planner.plan(try takeSnapshot(metadata, expecting: count, figures: .cpuTime))
                    }
                    let sweep = median(sweeps)
                    let taken = try takeSnapshot(metadata, expecting: count, figures: .cpuTime)
                    let plan = try await timeMedian(trials: max(trials, 5)) { _ = planner.plan(taken) }
                    progress(
                        String(
                            format:
                                "snapshot: the sweep of %d containers took %.2f ms (median of %d; %.2f to %.2f), the plan alone %.2f ms",
                            count, sweep * 1000, sweeps.count, (sweeps.first ?? 0) * 1000, (sweeps.last ?? 0) * 1000, plan * 1000))
                    let held = count < wanted ? " (as many as this host held of \(wanted))" : ""
                    rows.append(
                        BenchRow(
                            name: "sweep of \(count) containers\(held): snapshot and plan", corral: sweep, baseline: 0.05,
                            baselineName: "the aim: 50 ms for 1,000", aim: 1, unit: "s"))
                }
                progress(
                    String(
                        format: "snapshot: %d containers in %.2f ms (procfs document alone %.2f ms; Docker's list, not included, %.2f ms)",
                        count, snapshot * 1000, document * 1000, list * 1000))
                if count == statsAt {
                    let stats = try await timeMedian(trials: max(1, min(trials, 3))) { try dockerStats(batch.name) }
                    progress("snapshot: docker stats --no-stream on \(count) containers took \(String(format: "%.2f", stats)) s")
                    rows.append(
                        BenchRow(
                            name: "snapshot of \(count) containers", corral: snapshot, baseline: stats,
                            baselineName: "docker stats --no-stream", aim: 100, unit: "s"))
                }
            }
        }
        if let (smallest, base) = perContainer.first {
            for (count, cost) in perContainer {
                rows.append(
                    BenchRow(
                        name: "snapshot cost per container at \(count)", corral: cost * 1e6, baseline: base * 1e6,
                        baselineName: "the same at \(smallest) (1.00x = linear)", aim: nil, unit: "us", growth: true))
            }
        }
        return rows
    }

    func listMetadata(_ batch: String) async throws -> [ContainerMetadata] {
        try await docker.listContainers(filters: .label("corral.bench", batch)).map {
            ContainerMetadata(id: $0.id, name: $0.name, image: $0.image, labels: $0.labels, createdAt: Double($0.created))
        }
    }

    /// One snapshot: the procfs document and every container's cgroup
    /// figures (all of them, as docker stats reports, with the whole
    /// document; or as a cycle asks: the CPU time alone, and no argv), merged
    /// with the labels the enforcer holds.
    @discardableResult
    func takeSnapshot(_ metadata: [ContainerMetadata], expecting count: Int, figures: SnapshotBuilder.CgroupFigures = .all) throws
        -> Snapshot
    {
        var builder = SnapshotBuilder(cgroups: cgroups, figures: figures)
        let snapshot = builder.build(document: try (figures == .cpuTime ? cycleProbe : probe).document(), metadata: metadata)
        let measured = snapshot.containers.filter { $0.processCount > 0 && ($0.cgroup != nil || figures == .cpuTime) }.count
        guard measured == count else { throw BenchError("the snapshot measured \(measured) of \(count) containers") }
        return snapshot
    }

    func dockerStats(_ batch: String) throws {
        try shell("docker stats --no-stream $(docker ps -q --filter label=corral.bench=\(batch)) >/dev/null")
    }
}
