import Actuation
import CgroupKill
import ContainerRuntime
import CorralCore
import Probe
import Settings

/// One cycle: snapshot, plan, act. Holds what lasts between cycles (the CPU
/// meter, the snapshot source, the containers it started that are still
/// coming up); reports are written by the caller.
public struct CycleRunner: Sendable {
    public let config: EnforcerConfig
    public let runtime: any ContainerRuntime
    private var source: SnapshotSource
    private let planner: Planner
    /// Containers this enforcer started that no snapshot has measured yet,
    /// by id, with the cycle that started them.
    private var comingUp: [String: (started: Starter.Started, cycle: Int)] = [:]
    /// A start still unmeasured after this many cycles is no longer waited
    /// for: it is then an unmeasured container like any other.
    static let comingUpCycles = 3

    /// The direct path to a surplus container's processes: Docker's
    /// containers' cgroups on this host (boxes are killed by their runtime,
    /// which already signals their cgroup).
    var cgroups: (any CgroupKilling)? {
        guard config.cgroupKill, config.killMode == .kill, config.runtime == .docker else { return nil }
        return CgroupfsKiller(procRoot: config.procRoot, cgroupRoot: config.cgroupRoot, parent: config.cgroupParent)
    }

    public init(config: EnforcerConfig, runtime: any ContainerRuntime) {
        self.config = config
        self.runtime = runtime
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
            taken = try await source.take(runtime: runtime)
        } catch {
            var report = CycleReport(
                cycle: cycle, dryRun: config.dryRun, snapshot: nil, plan: nil, error: "cycle skipped: \(error)", notice: nil,
                seconds: seconds())
            report.daemonUnavailable = (error as? RuntimeError)?.isUnavailable == true
            return report
        }
        let exited = await settleStarts(taken.snapshot, cycle: cycle)
        let waiting = Dictionary(comingUp.values.map { ($0.started.order.containerClass, 1) }, uniquingKeysWith: +)
        let plan = planner.plan(taken.snapshot, comingUp: waiting)
        guard !config.dryRun else {
            return CycleReport(
                cycle: cycle, dryRun: true, snapshot: taken.snapshot, plan: plan, error: nil, notice: taken.notice, seconds: seconds())
        }
        let pool = KillPool(
            runtime: runtime, width: config.poolWidth, mode: config.killMode, graceSeconds: config.graceSeconds,
            deadline: config.removalDeadline, cgroups: cgroups)
        let results = await pool.killAll(plan.kills)
        let kills = results.outcomes
        var started: [Starter.Started] = []
        var failed: [(StartOrder, String)] = []
        let starter = Starter(runtime: runtime, labels: config.selector)
        for order in plan.starts {
            switch await starter.start(order) {
            case .success(let s):
                started.append(s)
                comingUp[s.id] = (s, cycle)
            case .failure(let error): failed.append((order, error.description))
            }
        }
        return CycleReport(
            cycle: cycle, dryRun: false, snapshot: taken.snapshot, plan: plan, kills: kills, direct: results.direct, started: started,
            failedStarts: failed,
            exitedStarts: exited, error: nil, notice: taken.notice, seconds: seconds())
    }

    /// What became of the containers earlier cycles started: measured ones
    /// have arrived; one that is no longer running exited at once and is
    /// removed (a broken image must not be started again every cycle while
    /// its corpses pile up); one still unmeasured is still coming up.
    mutating func settleStarts(_ snapshot: Snapshot, cycle: Int) async -> [CycleReport.ExitedStart] {
        guard !comingUp.isEmpty else { return [] }
        let seen = Dictionary(snapshot.containers.map { ($0.id, $0.measured) }, uniquingKeysWith: { a, _ in a })
        var exited: [CycleReport.ExitedStart] = []
        for (id, start) in comingUp.sorted(by: { $0.key < $1.key }) {
            switch seen[id] {
            case true?:
                comingUp[id] = nil
            case false?:
                if cycle - start.cycle >= Self.comingUpCycles { comingUp[id] = nil }
            case nil:
                comingUp[id] = nil
                guard let container = try? await runtime.inspect(id) else { continue }  // gone already
                guard !container.state.isRunning else { continue }  // out of this enforcer's scope now
                var removal: String?
                do {
                    try await runtime.remove(id, force: true)
                } catch {
                    if !error.isNotFound { removal = error.description }
                }
                exited.append(.init(started: start.started, exitCode: container.state.exitCode, removalError: removal))
            }
        }
        return exited
    }
}
