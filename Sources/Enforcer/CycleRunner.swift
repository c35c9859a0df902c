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
    /// What the last pressure cycle's kills freed, until MemAvailable shows it.
    private var freed: FreedMemory?
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

    /// One cycle; with `pressure`, one woken early by it, which also
    /// relieves memory while MemAvailable stays under the floor.
    public mutating func run(cycle: Int, pressure: PressureSignal? = nil) async -> CycleReport {
        let clock = ContinuousClock()
        let start = clock.now
        let woken = pressure.map { PressureOutcome(signal: $0, wokenAfter: max(0, PressureWatcher.monotonic() - $0.at)) }
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
            report.pressure = woken
            return report
        }
        let exited = await settleStarts(taken.snapshot, cycle: cycle)
        let waiting = Dictionary(comingUp.values.map { ($0.started.order.containerClass, 1) }, uniquingKeysWith: +)
        var plan = planner.plan(taken.snapshot, comingUp: waiting)
        guard !config.dryRun else {
            var report = CycleReport(
                cycle: cycle, dryRun: true, snapshot: taken.snapshot, plan: plan, error: nil, notice: taken.notice, seconds: seconds())
            report.pressure = woken
            return report
        }
        let pool = KillPool(
            runtime: runtime, width: config.poolWidth, mode: config.killMode, graceSeconds: config.graceSeconds,
            deadline: config.removalDeadline, cgroups: cgroups)
        let surplus = SurplusPlan(
            plan, action: config.surplusAction, throttled: throttled, now: now(), killAfter: config.throttleThenKillSeconds)
        let before = woken == nil ? nil : try? MemInfo.read(procRoot: config.procRoot)
        var results = await pool.killAll(surplus.kills)
        var throttles = await throttle(surplus, plan: plan, kills: results.outcomes)
        var relief = woken
        if let woken {
            if let before {
                let held = surplus.kills.filter { results.outcomes[$0.id] == .removed }.reduce(UInt64(0)) { $0 + $1.rssKb }
                if held > 0, let after = try? MemInfo.read(procRoot: config.procRoot) {
                    freed = FreedMemory(expectedKb: before.availableKb + held, readKb: after.availableKb, at: now())
                }
            }
            relief = await relieve(woken, plan: &plan, results: &results, pool: pool)
            for id in relief?.removed ?? [] {
                throttles[id] = nil
                throttled[id] = nil
            }
        }
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
        // What this cycle started or removed is asked about next cycle, not
        // taken from the kept listing (a box the document does not show).
        if !kills.isEmpty || !plan.starts.isEmpty { source.listNextCycle() }
        var report = CycleReport(
            cycle: cycle, dryRun: false, snapshot: taken.snapshot, plan: plan, kills: kills, direct: results.direct, throttles: throttles,
            started: started,
            failedStarts: failed,
            exitedStarts: exited, error: nil, notice: taken.notice, seconds: seconds())
        report.pressure = relief
        return report
    }

    /// While MemAvailable stays under the floor, removes one more container
    /// at a time in ``PressureRelief``'s order, reading MemAvailable again
    /// after each and counting what the removed held as freed
    /// (``FreedMemory``): no more than the floor requires. Each removal goes
    /// through the kill pool's gate like any kill.
    mutating func relieve(
        _ woken: PressureOutcome, plan: inout Plan, results: inout KillPool.Results, pool: KillPool
    ) async -> PressureOutcome {
        var outcome = woken
        // What each high container holds now, from its cgroup; then MemAvailable. In
        // that order: one that freed its memory before it was weighed has given it
        // back by the time MemAvailable is read, so a light container is never taken
        // for a heavy one that just let go.
        let stats = CgroupStats(root: config.cgroupRoot)
        var holding: [String: UInt64] = [:]
        for decision in plan.decisions(of: .high) {
            if let usage = try? stats.figures(cgroup: "/\(config.cgroupParent)/\(decision.id)") {
                holding[decision.id] = usage.memoryUsageBytes / 1024
            }
        }
        guard let memory = try? MemInfo.read(procRoot: config.procRoot) else { return outcome }
        var available = freed?.effective(readKb: memory.availableKb, now: now()) ?? memory.availableKb
        outcome.availableAfterKb = available
        guard let floorKb = config.memoryFloor.kilobytes(totalKb: memory.totalKb), available < floorKb else { return outcome }
        let candidates = PressureRelief.candidates(
            plan, killing: Set(results.outcomes.keys), policy: config.pressurePolicy, holdingKb: holding)
        for candidate in candidates {
            guard available < floorKb else { break }
            let held = holding[candidate.id] ?? candidate.rssKb
            let removal = PressureRelief.removal(
                candidate, signal: woken.signal, availableKb: available, floorKb: floorKb, holdingKb: held)
            let done = await pool.killAll([removal])
            results.outcomes.merge(done.outcomes) { _, new in new }
            results.direct.merge(done.direct) { _, new in new }
            if let i = plan.decisions.firstIndex(where: { $0.id == removal.id }) { plan.decisions[i] = removal }
            guard let done = done.outcomes[removal.id], done == .removed || done == .alreadyGone else { continue }
            outcome.removed.append(removal.id)
            guard let after = try? MemInfo.read(procRoot: config.procRoot) else { break }
            let settling = FreedMemory(expectedKb: available + held, readKb: after.availableKb, at: now())
            freed = settling
            available = settling.effective(readKb: after.availableKb, now: settling.at)
            outcome.availableAfterKb = available
        }
        return outcome
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
