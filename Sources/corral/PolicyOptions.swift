import ArgumentParser
import CorralCore
import Enforcer
import Settings

/// The config file and a flag for each of its keys; a flag wins over the file.
struct PolicyOptions: ParsableArguments {
    @Option(
        name: .customLong("config"),
        help: ArgumentHelp(
            "The TOML config file.", discussion: "Default \(EnforcerConfig.defaultPath), used when present.", valueName: "path"))
    var configPath: String?

    @Option(help: ArgumentHelp("Seconds between cycles, at least 1 (default 10).", valueName: "seconds"))
    var interval: Double?

    @Option(help: ArgumentHelp("High-consumption containers to keep: the heaviest (default 2).", valueName: "n"))
    var high: Int?

    @Option(help: ArgumentHelp("Low-consumption containers to keep: the lightest (default 3).", valueName: "n"))
    var low: Int?

    @Option(help: ArgumentHelp("Ranking keys, most significant first (default cpu,mem,vsz,rss).", valueName: "cpu,mem,vsz,rss"))
    var sortKeys: String?

    @Option(
        help: ArgumentHelp(
            "How far apart figures must be for a sort key to decide (repeatable; default cpu=1,mem=0.1,vsz=1,rss=1).",
            discussion:
                "CPU and memory in percentage points, VSZ and RSS in MiB; closer figures tie and the next key decides; 0 compares exactly.",
            valueName: "key=value"))
    var resolution: [String] = []

    @Option(
        help: ArgumentHelp(
            "At or above either, a container with neither a class label nor an image class is high (repeatable; default cpu=50,mem=5).",
            discussion: "In percentage points: CPU% (100 = one core) and memory% of the host.", valueName: "cpu|mem=number"))
    var threshold: [String] = []

    @Option(help: ArgumentHelp("Kills in flight at once (default 8).", valueName: "n"))
    var poolWidth: Int?

    @Option(help: ArgumentHelp("kill: SIGKILL at once (default); term: SIGTERM, then SIGKILL after --grace.", valueName: "kill|term"))
    var killMode: String?

    @Flag(
        inversion: .prefixedNo,
        help:
            "With --kill-mode kill, SIGKILL a surplus container's processes through its cgroup before the runtime removes it (default on).")
    var cgroupKill: Bool?

    @Option(
        help: ArgumentHelp(
            "kill: remove a surplus container (default); throttle: cap its CPU and memory instead, and lift the cap when it is kept again.",
            valueName: "kill|throttle"))
    var surplusAction: String?

    @Option(
        help: ArgumentHelp(
            "With --surplus-action throttle, remove a container still surplus this long after it was capped (default 0: never).",
            valueName: "seconds"))
    var throttleThenKill: Double?

    @Option(
        help: ArgumentHelp(
            "MemAvailable under which a cycle runs at once, without waiting for the tick, and relieves memory: 5% (default), 512MiB, 2GiB, or 0 (off).",
            valueName: "size"))
    var memoryFloor: String?

    @Option(
        help: ArgumentHelp(
            "Beyond the plan, while under the floor a pressure cycle removes the heaviest surplus high containers (surplus, default), then the kept high ones too (kept).",
            valueName: "surplus|kept"))
    var pressurePolicy: String?

    @Option(
        help: ArgumentHelp(
            "Wake at once when tasks stall on memory this many ms within two seconds (a PSI trigger on /proc/pressure/memory); 0 turns it off (default 200).",
            valueName: "ms"))
    var pressureStallMs: Int?

    @Option(
        help: ArgumentHelp(
            "Seconds between SIGTERM and SIGKILL with --kill-mode term; plus 2 s, at most 80% of the interval (default 5).",
            valueName: "seconds"))
    var grace: Int?

    @Option(help: ArgumentHelp("Directory of the durable log spool (default /var/lib/corral/spool).", valueName: "path"))
    var spool: String?

    @Flag(inversion: .prefixedNo, help: "Start containers when a class is short of its count (default on).")
    var scaleUp: Bool?

    @Option(help: ArgumentHelp("Only consider containers that also carry this label (repeatable).", valueName: "key=value"))
    var selector: [String] = []

    @Option(
        name: .customLong("socket"),
        help: ArgumentHelp("The Docker daemon's unix socket (default /var/run/docker.sock).", valueName: "path"))
    var socketPath: String?

    @Option(help: ArgumentHelp("What runs the managed containers: docker (default) or native (corral box).", valueName: "docker|native"))
    var runtime: String?

    @Option(help: ArgumentHelp("Where boxes live with --runtime native (default /var/lib/corral).", valueName: "dir"))
    var boxRoot: String?

    @Option(help: ArgumentHelp("The kernel module's file (default /proc/sysinfo_corral).", valueName: "path"))
    var moduleFile: String?

    @Option(help: ArgumentHelp("The /proc to read (default /proc; in a container, the host's: /host/proc).", valueName: "path"))
    var procRoot: String?

    @Option(help: ArgumentHelp("The cgroup tree's root (default /sys/fs/cgroup).", valueName: "path"))
    var cgroupRoot: String?

    @Option(
        help: ArgumentHelp("journald's socket (default /run/systemd/journal/socket); without one, records go to stderr.", valueName: "path")
    )
    var journalSocket: String?

    @Flag(inversion: .prefixedNo, help: "Run the log collector container and ship the spool to it (default on).")
    var collector: Bool?

    @Option(help: ArgumentHelp("The collector's loopback port (default 9410).", valueName: "port"))
    var collectorPort: Int?

    @Option(help: ArgumentHelp("The collector container's name (default corral-collector).", valueName: "name"))
    var collectorName: String?

    @Option(help: ArgumentHelp("Host directory of the collector's store and graphs (default /var/lib/corral/logs).", valueName: "path"))
    var collectorStore: String?

    @Option(
        help: ArgumentHelp("Undelivered records per stream the spool keeps before dropping the oldest (default 100000).", valueName: "n"))
    var spoolMaxRecords: Int?

    @Option(
        help: ArgumentHelp(
            "What to turn off when the enforcer stops: auto (cron lines, and the timer under systemd), cron, timer, none (default auto).",
            valueName: "mode"))
    var generator: String?

    @Option(help: ArgumentHelp("Loopback port of the Prometheus /metrics endpoint; 0 turns it off (default 9411).", valueName: "port"))
    var metricsPort: Int?

    /// The flags, as the settings a config file would hold: the overlay.
    func settings() throws -> SettingsFile {
        var flags = SettingsFile()
        flags.intervalSeconds = interval.map { SettingsFile.Number($0) }
        flags.high = high
        flags.low = low
        flags.sortKeys = sortKeys.map { $0.split(separator: ",").map(String.init) }
        flags.poolWidth = poolWidth
        flags.killMode = killMode
        flags.cgroupKill = cgroupKill
        flags.surplusAction = surplusAction
        flags.throttleThenKillSeconds = throttleThenKill.map { SettingsFile.Number($0) }
        flags.memoryFloor = memoryFloor
        flags.pressurePolicy = pressurePolicy
        flags.pressureStallMs = pressureStallMs
        flags.graceSeconds = grace
        flags.spoolPath = spool
        flags.scaleUp = scaleUp
        flags.dockerSocket = socketPath
        flags.runtime = runtime
        flags.boxRoot = boxRoot
        flags.moduleFile = moduleFile
        flags.procRoot = procRoot
        flags.cgroupRoot = cgroupRoot
        flags.journalSocket = journalSocket
        flags.metricsPort = metricsPort
        flags.generator = generator
        var collector = SettingsFile.Collector()
        collector.enabled = self.collector
        collector.port = collectorPort
        collector.name = collectorName
        collector.storePath = collectorStore
        collector.spoolMaxRecords = spoolMaxRecords
        if collector != SettingsFile.Collector() { flags.collector = collector }
        for pair in resolution.flatMap({ $0.split(separator: ",").map(String.init) }) {
            guard let eq = pair.firstIndex(of: "="), let key = SortKey(rawValue: String(pair[..<eq])),
                let value = Double(pair[pair.index(after: eq)...])
            else { throw ValidationError("--resolution wants cpu|mem|vsz|rss=number, not '\(pair)'") }
            flags.resolution = flags.resolution ?? SettingsFile.Resolution()
            flags.resolution?[key] = SettingsFile.Number(value)
        }
        for pair in threshold.flatMap({ $0.split(separator: ",").map(String.init) }) {
            guard let eq = pair.firstIndex(of: "="), let value = Double(pair[pair.index(after: eq)...]) else {
                throw ValidationError("--threshold wants cpu|mem=number, not '\(pair)'")
            }
            flags.thresholds = flags.thresholds ?? SettingsFile.Thresholds()
            switch pair[..<eq] {
            case "cpu": flags.thresholds?.cpuPercent = SettingsFile.Number(value)
            case "mem": flags.thresholds?.memPercent = SettingsFile.Number(value)
            default: throw ValidationError("--threshold wants cpu|mem=number, not '\(pair)'")
            }
        }
        for pair in selector {
            guard let eq = pair.firstIndex(of: "="), eq != pair.startIndex else {
                throw ValidationError("--selector wants key=value, not '\(pair)'")
            }
            flags.selector = flags.selector ?? [:]
            flags.selector?[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
        }
        return flags
    }

    /// The file (when there is one) with the flags over it, validated.
    func resolve(dryRun: Bool = false, cycles: Int? = nil) throws -> EnforcerConfig {
        let file = try EnforcerConfig.load(path: configPath ?? EnforcerConfig.defaultPath, required: configPath != nil)
        var config = try file.applying(try settings(), source: "the command line")
        config.dryRun = dryRun
        config.cycles = cycles
        return try config.validated(source: "the command line")
    }
}
