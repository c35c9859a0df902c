import Actuation
import CgroupActuation
import ContainerRuntime
import CorralCore
import Foundation
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
    /// Containers capped by `surplus_action = "throttle"`, by id, with when
    /// (seconds since the epoch). Held for the enforcer's life: a restarted
    /// enforcer uncaps nothing it does not know it capped.
    private var throttled: [String: Double] = [:]
    /// The clock `throttle_then_kill_seconds` is counted on.
    private let now: @Sendable () -> Double

    /// The direct path to a surplus container's processes: Docker's
    /// containers' cgroups on this host (boxes are killed by their runtime,
    /// which already signals their cgroup).
    var cgroups: (any CgroupKilling)? {
        guard config.cgroupKill, config.killMode == .kill, config.runtime == .docker else { return nil }
        return CgroupfsKiller(procRoot: config.procRoot, cgroupRoot: config.cgroupRoot, parent: config.cgroupParent)
    }

    public init(
        config: EnforcerConfig, runtime: any ContainerRuntime, now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) {
        self.config = config
        self.runtime = runtime
        self.now = now
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
        let surplus = SurplusPlan(
            plan, action: config.surplusAction, throttled: throttled, now: now(), killAfter: config.throttleThenKillSeconds)
        let results = await pool.killAll(surplus.kills)
        let kills = results.outcomes
        let throttles = await throttle(surplus, plan: plan, kills: kills)
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
            cycle: cycle, dryRun: false, snapshot: taken.snapshot, plan: plan, kills: kills, direct: results.direct, throttles: throttles,
            started: started,
            failedStarts: failed,
            exitedStarts: exited, error: nil, notice: taken.notice, seconds: seconds())
    }

    /// Caps the newly surplus, uncaps the kept again, and forgets the capped
    /// containers that are gone or killed.
    mutating func throttle(_ surplus: SurplusPlan, plan: Plan, kills: [String: KillPool.Outcome]) async -> [String: ThrottleOutcome] {
        var outcomes: [String: ThrottleOutcome] = Dictionary(
            surplus.stillThrottled.map { ($0.id, .stillCapped) }, uniquingKeysWith: { a, _ in a })
        if !surplus.throttles.isEmpty || !surplus.unthrottles.isEmpty {
            let pool = ThrottlePool(
                runtime: runtime,
                cgroups: CgroupfsThrottler(procRoot: config.procRoot, cgroupRoot: config.cgroupRoot, parent: config.cgroupParent),
                limits: ThrottleLimits(
                    cpuPercent: config.throttleCPUPercent, memoryBytes: UInt64(config.throttleMemoryMiB * 1_048_576)))
            let at = now()
            for (id, outcome) in await pool.cap(surplus.throttles) {
                outcomes[id] = outcome
                if outcome == .capped { throttled[id] = at }
            }
            for (id, outcome) in await pool.uncap(surplus.unthrottles) {
                outcomes[id] = outcome
                if outcome == .uncapped || outcome == .alreadyGone || outcome == .refused { throttled[id] = nil }
            }
        }
        let present = Set(plan.decisions.map(\.id))
        throttled = throttled.filter { present.contains($0.key) && kills[$0.key] == nil }
        return outcomes
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
