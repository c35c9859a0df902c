// Actuation: acting on a plan through a ContainerRuntime, the only code that
// changes containers on the enforcer's behalf: the kill pool (the last gate
// before harm), the starter, and each decision's fate in the cycle's outcome.

import ContainerRuntime
import CorralCore

/// Kills the plan's surplus with at most `width` removals in flight, each
/// with a deadline, retried once on failure. With `cgroups` (kill mode), a
/// container's processes are SIGKILLed through its cgroup first, so its
/// memory is free when the cgroup is empty; the runtime's removal follows.
public struct KillPool: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// Killed and removed.
        case removed
        /// Gone before Corral got to it: counts as done.
        case alreadyGone
        /// Both attempts failed; the daemon's (or the deadline's) words.
        case failed(String)
        /// Not under the policy: the last gate refused it, whatever the plan said.
        case refused
    }

    public let runtime: any ContainerRuntime
    public let width: Int
    public let mode: KillMode
    public let graceSeconds: Int
    /// How long one attempt's removal may take; in term mode the grace is
    /// added, so the attempt covers SIGTERM, the grace, SIGKILL and removal.
    public let deadline: Duration
    /// The direct path to a container's processes; nil: the runtime's removal alone.
    public let cgroups: (any CgroupKilling)?

    public init(
        runtime: any ContainerRuntime, width: Int, mode: KillMode, graceSeconds: Int, deadline: Duration,
        cgroups: (any CgroupKilling)? = nil
    ) {
        self.runtime = runtime
        self.width = width
        self.mode = mode
        self.graceSeconds = graceSeconds
        self.deadline = deadline
        self.cgroups = cgroups
    }

    /// What the direct path did for one container before its removal.
    public enum Direct: Sendable, Equatable {
        /// Its cgroup was emptied.
        case emptied(CgroupKill)
        /// It could not be (the words say why); the runtime's removal killed it.
        case failed(String)
    }

    /// Everything the pool did, by container id.
    public struct Results: Sendable, Equatable {
        public var outcomes: [String: Outcome] = [:]
        /// Only for the containers the direct path was tried on.
        public var direct: [String: Direct] = [:]
    }

    /// Outcomes by container id.
    public func kill(_ targets: [Decision]) async -> [String: Outcome] {
        await killAll(targets).outcomes
    }

    /// Three passes, each with at most `width` in flight: every target
    /// through the last gate (with `cgroups`, as the runtime reports it now);
    /// then each gated cgroup emptied (cheap: every surplus container's memory
    /// is free before the first slow removal starts, and before the daemon is
    /// busy with the deaths); then the runtime's removals.
    public func killAll(_ targets: [Decision]) async -> Results {
        var results = Results()
        var gated: [(Decision, Int32?)] = []
        for (target, step) in await bounded(targets, { await self.gate($0) }) {
            switch step {
            case .gone: results.outcomes[target.id] = .alreadyGone
            case .refused: results.outcomes[target.id] = .refused
            case .failed(let why):
                results.direct[target.id] = .failed(why)
                gated.append((target, nil))
            case .passed(let pid): gated.append((target, pid))
            }
        }
        if let cgroups {
            let pids = Dictionary(gated.compactMap { target, pid in pid.map { (target.id, $0) } }, uniquingKeysWith: { a, _ in a })
            let withPid = gated.map(\.0).filter { pids[$0.id] != nil }
            for (target, direct) in await bounded(
                withPid,
                { target in
                    do {
                        return KillPool.Direct.emptied(try await cgroups.empty(target.id, mainPID: pids[target.id] ?? 0))
                    } catch {
                        return .failed("\(error)")
                    }
                })
            {
                results.direct[target.id] = direct
            }
        }
        for (target, outcome) in await bounded(gated.map(\.0), { await self.remove($0) }) { results.outcomes[target.id] = outcome }
        return results
    }

    /// `body` on each target, at most `width` at once, with its target.
    func bounded<T: Sendable>(_ targets: [Decision], _ body: @escaping @Sendable (Decision) async -> T) async -> [(Decision, T)] {
        await withTaskGroup(of: (Decision, T).self) { group in
            var done: [(Decision, T)] = []
            var pending = targets.makeIterator()
            for _ in 0..<min(max(1, width), targets.count) {
                if let target = pending.next() { group.addTask { (target, await body(target)) } }
            }
            for await result in group {
                done.append(result)
                if let target = pending.next() { group.addTask { (target, await body(target)) } }
            }
            return done
        }
    }

    enum GateStep {
        case gone
        case refused
        /// Through the gate; the main pid whose cgroup to empty, when there
        /// is a direct path and a process.
        case passed(Int32?)
        /// Through the plan's gate, but the runtime could not be asked: the
        /// removal alone acts (it re-reads the container itself).
        case failed(String)
    }

    /// The last gate: the plan's labels, and in kill mode with `cgroups` the
    /// labels the runtime reports now, since the cgroup kill bypasses it.
    func gate(_ target: Decision) async -> GateStep {
        // The safety property, checked once more where the harm would be done.
        guard target.action == .kill, CorralLabel.isUnderPolicy(target.container.labels) else { return .refused }
        guard mode == .kill, cgroups != nil else { return .passed(nil) }
        let container: RuntimeContainer
        do {
            container = try await runtime.inspect(target.id)
        } catch {
            if error.isNotFound { return .gone }
            return .failed("inspect: \(error)")
        }
        guard CorralLabel.isUnderPolicy(container.labels) else { return .refused }
        guard let pid = container.mainPID, pid > 0 else { return .passed(nil) }
        return .passed(pid)
    }

    func remove(_ target: Decision) async -> Outcome {
        var lastError = ""
        for round in 1...2 {
            switch await attempt(target.id) {
            // The first attempt's stop or removal can go on in the runtime
            // after its deadline: a container gone when the retry asks was
            // removed by Corral, not gone before Corral got to it.
            case .success(.alreadyGone) where round > 1: return .removed
            case .success(let outcome): return outcome
            case .failure(let error): lastError = error.description
            }
        }
        return .failed(lastError)
    }

    struct AttemptError: Error, CustomStringConvertible {
        let description: String
    }

    func attempt(_ id: String) async -> Result<Outcome, AttemptError> {
        let runtime = self.runtime
        let mode = self.mode
        let grace = graceSeconds
        let deadline = mode == .term ? self.deadline + .seconds(grace) : self.deadline
        do {
            return try await withThrowingTaskGroup(of: Outcome?.self) { group in
                group.addTask {
                    do {
                        // The runtime's stop is the escalation: SIGTERM, the
                        // grace, then SIGKILL; the forced removal follows.
                        if mode == .term { try await runtime.stop(id, grace: .seconds(grace)) }
                        try await runtime.remove(id, force: true)
                        return .removed
                    } catch let error as RuntimeError where error.isNotFound {
                        return .alreadyGone
                    } catch let error as RuntimeError where error.isRemovalInProgress {
                        // The previous attempt's removal is still running in the
                        // runtime: done when the container is gone (within the deadline).
                        while true {
                            do {
                                _ = try await runtime.inspect(id)
                            } catch let error as RuntimeError where error.isNotFound {
                                return .removed
                            }
                            try await Task.sleep(for: .milliseconds(100))
                        }
                    }
                }
                group.addTask {
                    try await Task.sleep(for: deadline)
                    return nil
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                guard let outcome = first else {
                    return .failure(AttemptError(description: "no answer within \(deadline)"))
                }
                return .success(outcome)
            }
        } catch {
            return .failure(AttemptError(description: "\(error)"))
        }
    }
}
