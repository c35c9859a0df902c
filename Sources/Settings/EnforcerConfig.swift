// Settings: every setting `corral enforce` runs with, from the config
// file and the flags, validated once, with errors that name the file and key.

import CorralCore

/// Everything `corral enforce` runs with: the policy and how to apply it.
public struct EnforcerConfig: Sendable, Equatable {
    public var policy = Policy()
    /// Seconds between cycle starts.
    public var intervalSeconds: Double = 10
    /// Kills in flight at once.
    public var poolWidth = 8
    public var killMode = KillMode.kill
    /// In kill mode, SIGKILL a surplus container's processes through its
    /// cgroup (cgroup.kill, or cgroup.procs with pidfds) before the runtime
    /// removes it, so its memory is free without waiting for the daemon.
    public var cgroupKill = true
    /// What a surplus container gets: removed, or capped until kept again.
    public var surplusAction = SurplusAction.kill
    /// With throttle: a container still surplus this long after it was
    /// capped is removed (nil: never).
    public var throttleThenKillSeconds: Double?
    /// The cap: CPU (100 = one core) and the memory soft limit.
    public var throttleCPUPercent: Double = 10
    public var throttleMemoryMiB: Double = 64
    /// MemAvailable under which a cycle runs at once and relieves memory.
    public var memoryFloor = MemoryFloor.percent(5)
    /// What a pressure cycle may remove beyond the plan while under the floor.
    public var pressurePolicy = PressurePolicy.surplus
    /// A PSI trigger's stall (ms within two seconds) that wakes a cycle at once; nil: none.
    public var pressureStallMs: Int? = 200
    /// Seconds between SIGTERM and SIGKILL in term mode. With the seconds a
    /// removal needs, it must fit in the interval (see ``validated(source:)``).
    public var graceSeconds = 5
    public var spoolPath = "/var/lib/corral/spool"
    /// Plan and report every cycle; kill and start nothing.
    public var dryRun = false
    /// Stop after this many cycles (nil: until SIGINT or SIGTERM).
    public var cycles: Int?
    /// Labels a container must also carry to be a candidate. Narrows Corral's
    /// reach (one batch, one tenant); it can never widen it past corral.managed.
    public var selector: [String: String] = [:]
    public var socketPath = "/var/run/docker.sock"
    public var moduleFile = "/proc/sysinfo_corral"
    public var procRoot = "/proc"
    public var cgroupRoot = "/sys/fs/cgroup"
    /// The daemon's cgroup parent (cgroupfs driver): containers are
    /// `/<parent>/<id>` directly under the hierarchy's root.
    public var cgroupParent = "docker"
    /// What runs the managed containers: Docker, or Corral's own boxes.
    public var runtime = RuntimeKind.docker
    /// Where boxes live with the native runtime (holds boxes/ and images/).
    public var boxRoot = "/var/lib/corral"
    public var journalSocket = "/run/systemd/journal/socket"
    /// The log collector container and the delivery of the spool to it.
    public var collector = CollectorSettings()
    /// What to turn off when the enforcer stops.
    public var generator = GeneratorMode.auto
    /// The loopback port of the Prometheus metrics (`/metrics`); nil: none.
    public var metricsPort: Int? = 9411

    public init() {}

    /// The seconds a term-mode kill needs beyond its grace for the SIGKILL and
    /// the removal.
    public static let removalReserveSeconds = 2.0

    /// The share of the interval a cycle's kills may take (two attempts at
    /// most), so every kill ends before the next cycle is due.
    public var killBudgetSeconds: Double { intervalSeconds * 0.8 }

    /// How long one removal may take before it is retried.
    public var removalDeadline: Duration {
        .milliseconds(Int64(max(1, killBudgetSeconds / 2) * 1000))
    }

    /// The file read when none is named.
    public static let defaultPath = "/etc/corral/corral.toml"
}

/// A config that cannot be used, naming the file and the key.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    /// The key's dotted path (`thresholds.cpu_percent`), or nil for the whole file.
    public let key: String?
    public let reason: String

    public init(file: String, key: String?, reason: String) {
        self.file = file
        self.key = key
        self.reason = reason
    }

    public var description: String {
        if let key { return "\(file): \(key): \(reason)" }
        return "\(file): \(reason)"
    }
}

extension EnforcerConfig {
    /// Checks the values whatever their source (file or flag): `source` names
    /// it in the error.
    public func validated(source: String) throws(ConfigError) -> EnforcerConfig {
        func fail(_ key: String, _ reason: String) -> ConfigError { ConfigError(file: source, key: key, reason: reason) }
        // Not a number, infinities: refused before any comparison lets them through.
        guard intervalSeconds.isFinite, intervalSeconds >= 1, intervalSeconds <= 86_400 else {
            throw fail("interval_seconds", "must be a number of seconds from 1 to 86400, not \(intervalSeconds)")
        }
        guard (0...10_000).contains(policy.desiredHigh) else { throw fail("high", "must be from 0 to 10000, not \(policy.desiredHigh)") }
        guard (0...10_000).contains(policy.desiredLow) else { throw fail("low", "must be from 0 to 10000, not \(policy.desiredLow)") }
        guard !policy.sortKeys.isEmpty, Set(policy.sortKeys).count == policy.sortKeys.count else {
            throw fail("sort_keys", "must name each of cpu, mem, vsz, rss at most once, and at least one")
        }
        guard (1...256).contains(poolWidth) else { throw fail("pool_width", "must be from 1 to 256, not \(poolWidth)") }
        guard (0...3600).contains(graceSeconds) else { throw fail("grace_seconds", "must be from 0 to 3600, not \(graceSeconds)") }
        if killMode == .term, Double(graceSeconds) + Self.removalReserveSeconds > killBudgetSeconds {
            throw fail(
                "grace_seconds",
                "\(graceSeconds) s of grace cannot fit in an interval of \(Planner.oneDecimal(intervalSeconds)) s: with kill_mode \"term\" the grace plus \(Int(Self.removalReserveSeconds)) s for SIGKILL and removal must be at most 80% of interval_seconds (lower grace_seconds or raise interval_seconds)"
            )
        }
        guard policy.highCPUPercent.isFinite, policy.highCPUPercent >= 0 else {
            throw fail("thresholds.cpu_percent", "must be a finite number, not negative, not \(policy.highCPUPercent)")
        }
        guard policy.highMemPercent.isFinite, (0...100).contains(policy.highMemPercent) else {
            throw fail("thresholds.mem_percent", "must be from 0 to 100, not \(policy.highMemPercent)")
        }
        for (key, value) in policy.resolutions.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            guard value.isFinite, value >= 0, value <= 1_000_000 else {
                throw fail("resolution.\(Self.resolutionKey(key))", "must be a finite number from 0 (exact) to 1000000, not \(value)")
            }
        }
        if runtime == .native, collector.enabled {
            throw fail(
                "runtime",
                "the log collector is a Docker container; with runtime \"native\" turn it off (--no-collector, or [collector] enabled = false): records stay in the spool"
            )
        }
        guard throttleCPUPercent.isFinite, (1...10_000).contains(throttleCPUPercent) else {
            throw fail("throttle_cpu_percent", "must be from 1 to 10000 (100 = one core), not \(throttleCPUPercent)")
        }
        guard throttleMemoryMiB.isFinite, (1...1_048_576).contains(throttleMemoryMiB) else {
            throw fail("throttle_memory_mib", "must be from 1 to 1048576, not \(throttleMemoryMiB)")
        }
        if let after = throttleThenKillSeconds {
            guard after.isFinite, (1...604_800).contains(after) else {
                throw fail("throttle_then_kill_seconds", "must be from 1 to 604800 seconds (0 or absent: never), not \(after)")
            }
        }
        switch memoryFloor {
        case .off: break
        case .percent(let p):
            guard p <= 90 else { throw fail("memory_floor", "must be at most 90% of the host's memory, not \(memoryFloor)") }
        case .mebibytes(let m):
            guard m <= 16_777_216 else { throw fail("memory_floor", "must be at most 16TiB, not \(memoryFloor)") }
        }
        if let stall = pressureStallMs {
            guard (1...2000).contains(stall) else {
                throw fail("pressure_stall_ms", "must be from 1 to 2000 ms within the two-second window (0: no PSI trigger), not \(stall)")
            }
        }
        if surplusAction == .throttle, runtime == .native {
            throw fail("surplus_action", "\"throttle\" caps Docker containers' cgroups; with runtime \"native\" use \"kill\"")
        }
        if let cycles, cycles < 1 { throw fail("cycles", "must be at least 1, not \(cycles)") }
        let parentComponents = cgroupParent.split(separator: "/")
        guard !parentComponents.isEmpty, parentComponents.allSatisfy({ $0 != "." && $0 != ".." }), cgroupParent.utf8.count <= 64 else {
            throw fail("cgroup_parent", "must be a cgroup path of at most 64 bytes without '.' or '..' components, not '\(cgroupParent)'")
        }
        guard !spoolPath.isEmpty else { throw fail("spool_path", "must not be empty") }
        guard (1...65535).contains(collector.port) else { throw fail("collector.port", "must be from 1 to 65535, not \(collector.port)") }
        guard (1...10_000).contains(collector.batchSize) else {
            throw fail("collector.batch_size", "must be from 1 to 10000, not \(collector.batchSize)")
        }
        guard collector.spoolMaxRecords >= 1 else {
            throw fail("collector.spool_max_records", "must be at least 1, not \(collector.spoolMaxRecords)")
        }
        guard (0...600).contains(collector.flushSeconds) else {
            throw fail("collector.flush_seconds", "must be from 0 to 600, not \(collector.flushSeconds)")
        }
        guard (1...600).contains(collector.startSeconds) else {
            throw fail("collector.start_seconds", "must be from 1 to 600, not \(collector.startSeconds)")
        }
        guard (60...31_622_400).contains(collector.graphWindowSeconds) else {
            throw fail(
                "collector.graph_window_seconds", "must be from 60 (a minute) to 31622400 (366 days), not \(collector.graphWindowSeconds)")
        }
        guard (0...3660).contains(collector.retentionDays) else {
            throw fail("collector.retention_days", "must be from 0 (keep everything) to 3660, not \(collector.retentionDays)")
        }
        guard (1...4096).contains(collector.maxFileMiB) else {
            throw fail("collector.max_file_mib", "must be from 1 to 4096, not \(collector.maxFileMiB)")
        }
        guard !collector.image.isEmpty else { throw fail("collector.image", "must not be empty") }
        guard Self.isContainerName(collector.name) else {
            throw fail(
                "collector.name",
                "must be a container name (letters, digits, '_', '.', '-', starting with a letter or digit), not '\(collector.name)'")
        }
        guard collector.storePath.hasPrefix("/") else {
            throw fail("collector.store_path", "must be an absolute path, not '\(collector.storePath)'")
        }
        if let metricsPort, !(1...65535).contains(metricsPort) {
            throw fail("metrics_port", "must be from 1 to 65535 (0 turns metrics off), not \(metricsPort)")
        }
        if let metricsPort, collector.enabled, metricsPort == collector.port {
            throw fail("metrics_port", "must differ from collector.port (\(collector.port))")
        }
        for key in selector.keys.sorted() where key == CorralLabel.managed || key == CorralLabel.protected {
            throw fail("selector", "cannot name \(key): Corral decides on that label itself")
        }
        // A selector on the class would hide the other class, keep the plan
        // short forever and have scale-up start containers every cycle.
        for key in selector.keys.sorted() where key == CorralLabel.class || key == CorralLabel.role {
            throw fail(
                "selector",
                "cannot name \(key): a selector narrows which containers Corral sees, and \(key) decides how it treats them (use high/low instead)"
            )
        }
        return self
    }

    /// Docker's rule for names: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`.
    static func isContainerName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count >= 2, first.isASCII,
            first.properties.isAlphabetic || ("0"..."9").contains(first)
        else { return false }
        return name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_.-".unicodeScalars.contains($0))
        }
    }
}

/// What runs the containers Corral manages.
public enum RuntimeKind: String, Sendable, Equatable, CaseIterable {
    /// The Docker daemon, through its Engine API.
    case docker
    /// Corral's own boxes (`corral box`): no daemon.
    case native
}
