import CorralCore
import Foundation
import TOMLKit

extension EnforcerConfig {
    /// The keys a config file may hold; anything else is a mistake worth naming.
    static let topLevelKeys: Set<String> = [
        "interval_seconds", "high", "low", "sort_keys", "pool_width", "kill_mode", "grace_seconds", "spool_path", "scale_up", "selector",
        "images", "thresholds", "resolution", "scale_up_images", "collector", "generator", "metrics_port",
        "docker_socket", "module_file", "proc_root", "cgroup_root", "cgroup_parent", "journal_socket",
    ]

    static let collectorKeys: Set<String> = [
        "enabled", "image", "name", "port", "store_path", "batch_size", "spool_max_records", "flush_seconds", "start_seconds",
        "graph_window_seconds", "retention_days", "max_file_mib",
    ]

    /// Reads `path` over the defaults. A missing file at the default path means
    /// "use the defaults"; a missing file that was asked for is an error.
    public static func load(path: String, required: Bool) throws(ConfigError) -> EnforcerConfig {
        guard FileManager.default.fileExists(atPath: path) else {
            if required { throw ConfigError(file: path, key: nil, reason: "no such file") }
            return EnforcerConfig()
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ConfigError(file: path, key: nil, reason: "cannot open it for reading")
        }
        defer { try? handle.close() }
        guard let data = try? handle.readToEnd() ?? Data(), let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, key: nil, reason: "cannot read it as UTF-8 text")
        }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String) throws(ConfigError) -> EnforcerConfig {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError(
                file: file, key: nil,
                reason: "not valid TOML at line \(error.source.begin.line), column \(error.source.begin.column): \(error.description)")
        } catch {
            throw ConfigError(file: file, key: nil, reason: "not valid TOML: \(error)")
        }
        var config = EnforcerConfig()
        let reader = TableReader(file: file)
        try reader.unknownKeys(in: table, allowed: topLevelKeys, prefix: "")
        if let v = try reader.number(table, "interval_seconds") { config.intervalSeconds = v }
        if let v = try reader.integer(table, "high") { config.policy.desiredHigh = v }
        if let v = try reader.integer(table, "low") { config.policy.desiredLow = v }
        if let v = try reader.integer(table, "pool_width") { config.poolWidth = v }
        if let v = try reader.integer(table, "grace_seconds") { config.graceSeconds = v }
        if let v = try reader.string(table, "spool_path") { config.spoolPath = v }
        if let v = try reader.bool(table, "scale_up") { config.policy.scaleUp = v }
        if let v = try reader.string(table, "kill_mode") {
            guard let mode = KillMode(rawValue: v) else { throw reader.fail("kill_mode", "must be \"kill\" or \"term\", not \"\(v)\"") }
            config.killMode = mode
        }
        if let names = try reader.strings(table, "sort_keys") {
            config.policy.sortKeys = try names.map { name throws(ConfigError) in
                guard let key = SortKey(rawValue: name) else {
                    throw reader.fail("sort_keys", "\"\(name)\" is not one of cpu, mem, vsz, rss")
                }
                return key
            }
        }
        if let images = try reader.table(table, "images") {
            var map: [String: ContainerClass] = [:]
            for key in images.keys {
                guard let value = images[key]?.string, let cls = ContainerClass(rawValue: value) else {
                    throw reader.fail("images.\(key)", "must be \"high\" or \"low\"")
                }
                map[key] = cls
            }
            config.policy.imageClasses = map
        }
        if let thresholds = try reader.table(table, "thresholds") {
            try reader.unknownKeys(in: thresholds, allowed: ["cpu_percent", "mem_percent"], prefix: "thresholds.")
            if let v = try reader.number(thresholds, "cpu_percent", prefix: "thresholds.") { config.policy.highCPUPercent = v }
            if let v = try reader.number(thresholds, "mem_percent", prefix: "thresholds.") { config.policy.highMemPercent = v }
        }
        if let resolution = try reader.table(table, "resolution") {
            let p = "resolution."
            try reader.unknownKeys(in: resolution, allowed: Set(SortKey.allCases.map(resolutionKey)), prefix: p)
            for key in SortKey.allCases {
                if let v = try reader.number(resolution, resolutionKey(key), prefix: p) { config.policy.resolutions[key] = v }
            }
        }
        if let images = try reader.table(table, "scale_up_images") {
            try reader.unknownKeys(in: images, allowed: ["high", "low"], prefix: "scale_up_images.")
            if let v = try reader.strings(images, "high", prefix: "scale_up_images.") { config.policy.scaleUpImages[.high] = v }
            if let v = try reader.strings(images, "low", prefix: "scale_up_images.") { config.policy.scaleUpImages[.low] = v }
        }
        if let v = try reader.string(table, "generator") {
            guard let mode = GeneratorMode(rawValue: v) else {
                throw reader.fail(
                    "generator",
                    "must be one of \(GeneratorMode.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")), not \"\(v)\"")
            }
            config.generator = mode
        }
        if let v = try reader.string(table, "docker_socket") { config.socketPath = v }
        if let v = try reader.string(table, "module_file") { config.moduleFile = v }
        if let v = try reader.string(table, "proc_root") { config.procRoot = v }
        if let v = try reader.string(table, "cgroup_root") { config.cgroupRoot = v }
        if let v = try reader.string(table, "cgroup_parent") { config.cgroupParent = v }
        if let v = try reader.string(table, "journal_socket") { config.journalSocket = v }
        if let v = try reader.integer(table, "metrics_port") { config.metricsPort = v == 0 ? nil : v }
        if let collector = try reader.table(table, "collector") {
            let p = "collector."
            try reader.unknownKeys(in: collector, allowed: collectorKeys, prefix: p)
            if let v = try reader.bool(collector, "enabled", prefix: p) { config.collector.enabled = v }
            if let v = try reader.string(collector, "image", prefix: p) { config.collector.image = v }
            if let v = try reader.string(collector, "name", prefix: p) { config.collector.name = v }
            if let v = try reader.integer(collector, "port", prefix: p) { config.collector.port = v }
            if let v = try reader.string(collector, "store_path", prefix: p) { config.collector.storePath = v }
            if let v = try reader.integer(collector, "batch_size", prefix: p) { config.collector.batchSize = v }
            if let v = try reader.integer(collector, "spool_max_records", prefix: p) { config.collector.spoolMaxRecords = v }
            if let v = try reader.integer(collector, "flush_seconds", prefix: p) { config.collector.flushSeconds = v }
            if let v = try reader.integer(collector, "start_seconds", prefix: p) { config.collector.startSeconds = v }
            if let v = try reader.integer(collector, "graph_window_seconds", prefix: p) { config.collector.graphWindowSeconds = v }
            if let v = try reader.integer(collector, "retention_days", prefix: p) { config.collector.retentionDays = v }
            if let v = try reader.integer(collector, "max_file_mib", prefix: p) { config.collector.maxFileMiB = v }
        }
        if let selector = try reader.table(table, "selector") {
            for key in selector.keys {
                guard let value = selector[key]?.string else { throw reader.fail("selector.\(key)", "must be a string") }
                config.selector[key] = value
            }
        }
        return try config.validated(source: file)
    }
}

/// Typed reads of TOML values, each failure naming the file and the key.
private struct TableReader {
    let file: String

    func fail(_ key: String, _ reason: String) -> ConfigError { ConfigError(file: file, key: key, reason: reason) }

    func unknownKeys(in table: TOMLTable, allowed: Set<String>, prefix: String) throws(ConfigError) {
        for key in table.keys.sorted() where !allowed.contains(key) {
            throw fail(prefix + key, "is not a setting Corral knows (known: \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    func integer(_ table: TOMLTable, _ key: String, prefix: String = "") throws(ConfigError) -> Int? {
        guard let value = table[key] else { return nil }
        guard let int = value.int else { throw fail(prefix + key, "must be a whole number") }
        return int
    }

    func number(_ table: TOMLTable, _ key: String, prefix: String = "") throws(ConfigError) -> Double? {
        guard let value = table[key] else { return nil }
        if let double = value.double { return double }
        if let int = value.int { return Double(int) }
        throw fail(prefix + key, "must be a number")
    }

    func string(_ table: TOMLTable, _ key: String, prefix: String = "") throws(ConfigError) -> String? {
        guard let value = table[key] else { return nil }
        guard let text = value.string else { throw fail(prefix + key, "must be a string") }
        return text
    }

    func bool(_ table: TOMLTable, _ key: String, prefix: String = "") throws(ConfigError) -> Bool? {
        guard let value = table[key] else { return nil }
        guard let flag = value.bool else { throw fail(prefix + key, "must be true or false") }
        return flag
    }

    func strings(_ table: TOMLTable, _ key: String, prefix: String = "") throws(ConfigError) -> [String]? {
        guard let value = table[key] else { return nil }
        guard let array = value.array else { throw fail(prefix + key, "must be a list of strings") }
        var out: [String] = []
        for item in array {
            guard let text = item.string else { throw fail(prefix + key, "must be a list of strings") }
            out.append(text)
        }
        return out
    }

    func table(_ table: TOMLTable, _ key: String) throws(ConfigError) -> TOMLTable? {
        guard let value = table[key] else { return nil }
        guard let inner = value.table else { throw fail(key, "must be a table ([\(key)])") }
        return inner
    }
}
