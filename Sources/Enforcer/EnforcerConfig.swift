// Enforcer: the cycle (snapshot, plan, act, report), the kill pool, the
// console report, and the long-running service that owns them.

import CorralCore

/// Everything `corral enforce` runs with: the policy and how to apply it.
public struct EnforcerConfig: Sendable, Equatable {
    public enum KillMode: String, Sendable, Equatable, CaseIterable {
        /// SIGKILL at once, then remove (one `rm -f`).
        case kill
        /// SIGTERM, `graceSeconds` to exit, then SIGKILL, then remove.
        case term
    }

    public var policy = Policy()
    /// Seconds between cycle starts.
    public var intervalSeconds: Double = 10
    /// Kills in flight at once.
    public var poolWidth = 8
    public var killMode = KillMode.kill
    public var graceSeconds = 10
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
    public var journalSocket = "/run/systemd/journal/socket"
    /// The log collector container and the delivery of the spool to it.
    public var collector = CollectorSettings()
    /// What to turn off when the enforcer stops.
    public var generator = GeneratorStopper.Mode.auto
    /// The loopback port of the Prometheus metrics (`/metrics`); nil: none.
    public var metricsPort: Int? = 9411

    public init() {}

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
        guard intervalSeconds >= 1 else { throw fail("interval_seconds", "must be at least 1 second, not \(intervalSeconds)") }
        guard policy.desiredHigh >= 0 else { throw fail("high", "must not be negative, not \(policy.desiredHigh)") }
        guard policy.desiredLow >= 0 else { throw fail("low", "must not be negative, not \(policy.desiredLow)") }
        guard !policy.sortKeys.isEmpty, Set(policy.sortKeys).count == policy.sortKeys.count else {
            throw fail("sort_keys", "must name each of cpu, mem, vsz, rss at most once, and at least one")
        }
        guard (1...256).contains(poolWidth) else { throw fail("pool_width", "must be from 1 to 256, not \(poolWidth)") }
        guard (0...3600).contains(graceSeconds) else { throw fail("grace_seconds", "must be from 0 to 3600, not \(graceSeconds)") }
        guard policy.highCPUPercent >= 0 else { throw fail("thresholds.cpu_percent", "must not be negative") }
        guard policy.highMemPercent >= 0 else { throw fail("thresholds.mem_percent", "must not be negative") }
        if let cycles, cycles < 1 { throw fail("cycles", "must be at least 1, not \(cycles)") }
        guard !spoolPath.isEmpty else { throw fail("spool_path", "must not be empty") }
        guard (1...65535).contains(collector.port) else { throw fail("collector.port", "must be from 1 to 65535, not \(collector.port)") }
        guard (1...10_000).contains(collector.batchSize) else { throw fail("collector.batch_size", "must be from 1 to 10000, not \(collector.batchSize)") }
        guard collector.spoolMaxRecords >= 1 else { throw fail("collector.spool_max_records", "must be at least 1, not \(collector.spoolMaxRecords)") }
        guard (0...600).contains(collector.flushSeconds) else { throw fail("collector.flush_seconds", "must be from 0 to 600, not \(collector.flushSeconds)") }
        guard (1...600).contains(collector.startSeconds) else { throw fail("collector.start_seconds", "must be from 1 to 600, not \(collector.startSeconds)") }
        guard !collector.image.isEmpty else { throw fail("collector.image", "must not be empty") }
        guard Self.isContainerName(collector.name) else {
            throw fail("collector.name", "must be a container name (letters, digits, '_', '.', '-', starting with a letter or digit), not '\(collector.name)'")
        }
        guard collector.storePath.hasPrefix("/") else { throw fail("collector.store_path", "must be an absolute path, not '\(collector.storePath)'") }
        if let metricsPort, !(1...65535).contains(metricsPort) { throw fail("metrics_port", "must be from 1 to 65535 (0 turns metrics off), not \(metricsPort)") }
        if let metricsPort, collector.enabled, metricsPort == collector.port {
            throw fail("metrics_port", "must differ from collector.port (\(collector.port))")
        }
        for key in selector.keys where key == CorralLabel.managed || key == CorralLabel.protected {
            throw fail("selector", "cannot name \(key): Corral decides on that label itself")
        }
        return self
    }

    /// Docker's rule for names: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`.
    static func isContainerName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count >= 2, first.isASCII,
            first.properties.isAlphabetic || ("0"..."9").contains(first)
        else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_.-".unicodeScalars.contains($0)) }
    }
}
