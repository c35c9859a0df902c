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

    public func killAll(_ targets: [Decision]) async -> Results {
        await withTaskGroup(of: (String, Outcome, Direct?).self) { group in
            var results = Results()
            var pending = targets.makeIterator()
            for _ in 0..<min(width, targets.count) {
                if let target = pending.next() { group.addTask { await self.kill(target) } }
            }
            for await (id, outcome, direct) in group {
                results.outcomes[id] = outcome
                results.direct[id] = direct
                if let target = pending.next() { group.addTask { await self.kill(target) } }
            }
            return results
        }
    }

    func kill(_ target: Decision) async -> (String, Outcome, Direct?) {
        // The safety property, checked once more where the harm would be done.
        guard target.action == .kill, CorralLabel.isUnderPolicy(target.container.labels) else { return (target.id, .refused, nil) }
        var direct: Direct?
        if mode == .kill, let cgroups {
            switch await empty(target.id, cgroups) {
            case .gone: return (target.id, .alreadyGone, nil)
            case .refused: return (target.id, .refused, nil)
            case .done(let result): direct = result
            }
        }
        return (target.id, await remove(target), direct)
    }

    enum DirectStep {
        case gone
        case refused
        case done(Direct?)
    }

    /// The container as the runtime knows it now: its labels are the last
    /// gate, its main pid names the cgroup to empty.
    func empty(_ id: String, _ cgroups: any CgroupKilling) async -> DirectStep {
        let container: RuntimeContainer
        do {
            container = try await runtime.inspect(id)
        } catch {
            if error.isNotFound { return .gone }
            return .done(.failed("inspect: \(error)"))
        }
        guard CorralLabel.isUnderPolicy(container.labels) else { return .refused }
        guard let pid = container.mainPID, pid > 0 else { return .done(nil) }
        do {
            return .done(.emptied(try await cgroups.empty(id, mainPID: pid)))
        } catch {
            return .done(.failed("\(error)"))
        }
    }

    func remove(_ target: Decision) async -> Outcome {
        var lastError = ""
        for _ in 1...2 {
            switch await attempt(target.id) {
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
