import ContainerRuntime
import CorralCore

/// What became of one cap or uncap.
public enum ThrottleOutcome: Sendable, Equatable {
    /// Capped this cycle.
    case capped
    /// Capped in an earlier cycle, still surplus, left capped.
    case stillCapped
    /// Kept again: the cap lifted.
    case uncapped
    /// Gone before Corral got to it.
    case alreadyGone
    /// Not under the policy as the runtime reports it now: untouched.
    case refused
    /// The cgroup's words, or the runtime's.
    case failed(String)
}

/// Caps surplus containers and uncaps the ones kept again, through their
/// cgroups, each behind the same last gate as a kill: the labels the runtime
/// reports now, and the cgroup its main pid is in.
public struct ThrottlePool: Sendable {
    public let runtime: any ContainerRuntime
    public let cgroups: any CgroupThrottling
    public let limits: ThrottleLimits

    public init(runtime: any ContainerRuntime, cgroups: any CgroupThrottling, limits: ThrottleLimits) {
        self.runtime = runtime
        self.cgroups = cgroups
        self.limits = limits
    }

    public func cap(_ targets: [Decision]) async -> [String: ThrottleOutcome] {
        await each(targets) { id, pid in
            try await cgroups.cap(id, mainPID: pid, to: limits)
            return .capped
        }
    }

    public func uncap(_ targets: [Decision]) async -> [String: ThrottleOutcome] {
        await each(targets) { id, pid in
            try await cgroups.uncap(id, mainPID: pid)
            return .uncapped
        }
    }

    static func inspect(_ runtime: any ContainerRuntime, _ id: String) async -> Result<RuntimeContainer, RuntimeError> {
        do {
            return .success(try await runtime.inspect(id))
        } catch {
            return .failure(error)
        }
    }

    func each(_ targets: [Decision], _ act: @escaping @Sendable (String, Int32) async throws -> ThrottleOutcome) async -> [String:
        ThrottleOutcome]
    {
        let runtime = self.runtime
        return await withTaskGroup(of: (String, ThrottleOutcome).self) { group in
            for target in targets {
                group.addTask {
                    guard CorralLabel.isUnderPolicy(target.container.labels) else { return (target.id, .refused) }
                    let container: RuntimeContainer
                    switch await Self.inspect(runtime, target.id) {
                    case .success(let found): container = found
                    case .failure(let error): return (target.id, error.isNotFound ? .alreadyGone : .failed("inspect: \(error)"))
                    }
                    guard CorralLabel.isUnderPolicy(container.labels) else { return (target.id, .refused) }
                    guard let pid = container.mainPID, pid > 0 else { return (target.id, .alreadyGone) }
                    do {
                        return (target.id, try await act(target.id, pid))
                    } catch {
                        return (target.id, .failed("\(error)"))
                    }
                }
            }
            var outcomes: [String: ThrottleOutcome] = [:]
            for await (id, outcome) in group { outcomes[id] = outcome }
            return outcomes
        }
    }
}
