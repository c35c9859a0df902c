// Actuation: acting on a plan through a ContainerRuntime, the only code that
// changes containers on the enforcer's behalf: the kill pool (the last gate
// before harm), the starter, and each decision's fate in the cycle's outcome.

import ContainerRuntime
import CorralCore

/// Kills the plan's surplus with at most `width` removals in flight, each
/// with a deadline, retried once on failure.
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

    public init(runtime: any ContainerRuntime, width: Int, mode: KillMode, graceSeconds: Int, deadline: Duration) {
        self.runtime = runtime
        self.width = width
        self.mode = mode
        self.graceSeconds = graceSeconds
        self.deadline = deadline
    }

    /// Outcomes by container id.
    public func kill(_ targets: [Decision]) async -> [String: Outcome] {
        await withTaskGroup(of: (String, Outcome).self) { group in
            var outcomes: [String: Outcome] = [:]
            var pending = targets.makeIterator()
            for _ in 0..<min(width, targets.count) {
                if let target = pending.next() { group.addTask { (target.id, await self.kill(target)) } }
            }
            for await (id, outcome) in group {
                outcomes[id] = outcome
                if let target = pending.next() { group.addTask { (target.id, await self.kill(target)) } }
            }
            return outcomes
        }
    }

    func kill(_ target: Decision) async -> Outcome {
        // The safety property, checked once more where the harm would be done.
        guard target.action == .kill, CorralLabel.isUnderPolicy(target.container.labels) else { return .refused }
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
