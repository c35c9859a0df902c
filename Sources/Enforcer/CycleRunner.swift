import CorralCore
import DockerEngine
import Probe

/// One cycle: snapshot, plan, act. Holds what lasts between cycles (the CPU
/// meter, the snapshot source); reports are written by the caller.
public struct CycleRunner: Sendable {
    public let config: EnforcerConfig
    public let docker: DockerClient
    private var source: SnapshotSource
    private let planner: Planner

    public init(config: EnforcerConfig, docker: DockerClient) {
        self.config = config
        self.docker = docker
        source = SnapshotSource(config: config)
        planner = Planner(policy: config.policy)
    }

    public mutating func run(cycle: Int) async -> CycleReport {
        let clock = ContinuousClock()
        let start = clock.now
        func seconds() -> Double {
            let d = clock.now - start
            return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        }
        let taken: SnapshotSource.Taken
        do {
            taken = try await source.take(docker: docker)
        } catch {
            var report = CycleReport(
                cycle: cycle, dryRun: config.dryRun, snapshot: nil, plan: nil, kills: [:], started: [], failedStarts: [],
                error: "cycle skipped: \(error)", notice: nil, seconds: seconds())
            report.daemonUnavailable = (error as? DockerError)?.isDaemonUnavailable == true
            return report
        }
        let plan = planner.plan(taken.snapshot)
        guard !config.dryRun else {
            return CycleReport(
                cycle: cycle, dryRun: true, snapshot: taken.snapshot, plan: plan, kills: [:], started: [], failedStarts: [], error: nil,
                notice: taken.notice, seconds: seconds())
        }
        // Every kill must end before the next cycle is due.
        let deadline = Duration.seconds(max(1, config.intervalSeconds * 0.8 / 2))
        let pool = KillPool(docker: docker, width: config.poolWidth, mode: config.killMode, graceSeconds: config.graceSeconds, deadline: deadline)
        let kills = await pool.kill(plan.kills)
        var started: [Starter.Started] = []
        var failed: [(StartOrder, String)] = []
        let starter = Starter(docker: docker, labels: config.selector)
        for order in plan.starts {
            switch await starter.start(order) {
            case .success(let s): started.append(s)
            case .failure(let error): failed.append((order, error.description))
            }
        }
        return CycleReport(
            cycle: cycle, dryRun: false, snapshot: taken.snapshot, plan: plan, kills: kills, started: started, failedStarts: failed, error: nil,
            notice: taken.notice, seconds: seconds())
    }
}
