/// Empties a container's cgroup: every process in it SIGKILLed, directly,
/// without the runtime in between. The seam between the kill pool and the
/// cgroup filesystem (``CgroupfsKiller`` in CgroupActuation), faked in tests.
public protocol CgroupKilling: Sendable {
    /// SIGKILLs every process of container `id`'s cgroup and returns once the
    /// cgroup is empty. `mainPID` is the runtime's word for the container's
    /// first process: the cgroup is the one it lives in, and only if that
    /// cgroup is the container's own. Throws when the cgroup cannot be
    /// resolved or stay empty; the runtime's removal then does the killing.
    func empty(_ id: String, mainPID: Int32) async throws -> CgroupKill
}

/// How a container's cgroup was emptied.
public struct CgroupKill: Sendable, Equatable {
    public enum Via: String, Sendable, Equatable {
        /// cgroup v2's `cgroup.kill`: the kernel kills every process at once.
        case cgroupKill = "cgroup.kill"
        /// Every pid in `cgroup.procs`, each through a pidfd, until none is left.
        case cgroupProcs = "cgroup.procs"
    }

    public var via: Via
    /// The cgroup directory emptied.
    public var cgroup: String
    /// Processes signalled (with `cgroup.kill`, those listed when it was written).
    public var signalled: Int
    /// From the first signal until the cgroup was seen empty.
    public var seconds: Double

    public init(via: Via, cgroup: String, signalled: Int, seconds: Double) {
        self.via = via
        self.cgroup = cgroup
        self.signalled = signalled
        self.seconds = seconds
    }
}

/// Caps a container through its cgroup instead of killing it, and lifts the
/// cap: the seam of `surplus_action = "throttle"` (``CgroupfsThrottler`` in
/// CgroupActuation), faked in tests. Resolved like ``CgroupKilling``: from the
/// runtime's main pid, only if it is in the container's own cgroup.
public protocol CgroupThrottling: Sendable {
    func cap(_ id: String, mainPID: Int32, to limits: ThrottleLimits) async throws
    func uncap(_ id: String, mainPID: Int32) async throws
}

/// What a throttled container is held to.
public struct ThrottleLimits: Sendable, Equatable {
    /// CPU quota, 100 = one core.
    public var cpuPercent: Double
    /// The memory soft limit: `memory.high` on cgroup v2 (allocation above it
    /// is throttled and reclaimed), `memory.soft_limit_in_bytes` on v1
    /// (reclaimed down to it under host pressure).
    public var memoryBytes: UInt64

    public init(cpuPercent: Double, memoryBytes: UInt64) {
        self.cpuPercent = cpuPercent
        self.memoryBytes = memoryBytes
    }
}
