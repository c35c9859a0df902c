import CorralCore
import Foundation

extension EnforcerConfig {
    /// Reads `path` over the defaults. A missing file at the default path means
    /// "use the defaults"; a missing file that was asked for is an error.
    public static func load(path: String, required: Bool) throws(ConfigError) -> EnforcerConfig {
        guard let settings = try SettingsFile.load(path: path, required: required) else { return EnforcerConfig() }
        return try EnforcerConfig().applying(settings, source: path).validated(source: path)
    }

    /// A config file's text over the defaults, validated.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> EnforcerConfig {
        try EnforcerConfig().applying(try SettingsFile.decode(text, file: file), source: file).validated(source: file)
    }

    /// This config with every setting `settings` holds: the one place a
    /// setting, from the file or a flag, becomes a value. Names in words
    /// (kill modes, sort keys, classes) are checked here; ranges in
    /// ``validated(source:)``.
    public func applying(_ settings: SettingsFile, source: String) throws(ConfigError) -> EnforcerConfig {
        func fail(_ key: SettingsFile.CodingKeys, _ reason: String) -> ConfigError {
            ConfigError(file: source, key: key.rawValue, reason: reason)
        }
        var config = self
        func set<T>(_ setting: KeyPath<SettingsFile, T?>, _ value: WritableKeyPath<EnforcerConfig, T>) {
            if let v = settings[keyPath: setting] { config[keyPath: value] = v }
        }
        set(\.high, \.policy.desiredHigh)
        set(\.low, \.policy.desiredLow)
        set(\.poolWidth, \.poolWidth)
        set(\.graceSeconds, \.graceSeconds)
        set(\.cgroupKill, \.cgroupKill)
        set(\.throttleCpuPercent?.value, \.throttleCPUPercent)
        set(\.throttleMemoryMib?.value, \.throttleMemoryMiB)
        if let v = settings.throttleThenKillSeconds?.value { config.throttleThenKillSeconds = v == 0 ? nil : v }
        if let v = settings.surplusAction {
            guard let action = SurplusAction(rawValue: v) else {
                throw fail(.surplusAction, "must be \"kill\" or \"throttle\", not \"\(v)\"")
            }
            config.surplusAction = action
        }
        if let v = settings.memoryFloor {
            guard let floor = MemoryFloor(v) else {
                throw fail(.memoryFloor, "must be a share like \"5%\", a size like \"512MiB\" or \"2GiB\", or \"0\" (off), not \"\(v)\"")
            }
            config.memoryFloor = floor
        }
        if let v = settings.pressurePolicy {
            guard let policy = PressurePolicy(rawValue: v) else {
                throw fail(.pressurePolicy, "must be \"surplus\" or \"kept\", not \"\(v)\"")
            }
            config.pressurePolicy = policy
        }
        if let v = settings.pressureStallMs { config.pressureStallMs = v == 0 ? nil : v }
        set(\.spoolPath, \.spoolPath)
        set(\.scaleUp, \.policy.scaleUp)
        set(\.dockerSocket, \.socketPath)
        set(\.moduleFile, \.moduleFile)
        set(\.procRoot, \.procRoot)
        set(\.cgroupRoot, \.cgroupRoot)
        set(\.boxRoot, \.boxRoot)
        if let v = settings.runtime {
            guard let kind = RuntimeKind(rawValue: v) else { throw fail(.runtime, "must be \"docker\" or \"native\", not \"\(v)\"") }
            config.runtime = kind
        }
        set(\.cgroupParent, \.cgroupParent)
        // cgroup_parent is Docker's; boxes' cgroups are always /corral-boxes/<id>.
        if config.runtime == .native { config.cgroupParent = "corral-boxes" }
        set(\.journalSocket, \.journalSocket)
        set(\.intervalSeconds?.value, \.intervalSeconds)
        set(\.thresholds?.cpuPercent?.value, \.policy.highCPUPercent)
        set(\.thresholds?.memPercent?.value, \.policy.highMemPercent)
        for key in SortKey.allCases {
            if let v = settings.resolution?[key] { config.policy.resolutions[key] = v.value }
        }
        if let v = settings.scaleUpImages?.high { config.policy.scaleUpImages[.high] = v }
        if let v = settings.scaleUpImages?.low { config.policy.scaleUpImages[.low] = v }
        if let v = settings.metricsPort { config.metricsPort = v == 0 ? nil : v }
        if let v = settings.killMode {
            guard let mode = KillMode(rawValue: v) else { throw fail(.killMode, "must be \"kill\" or \"term\", not \"\(v)\"") }
            config.killMode = mode
        }
        if let v = settings.generator {
            guard let mode = GeneratorMode(rawValue: v) else {
                throw fail(
                    .generator,
                    "must be one of \(GeneratorMode.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")), not \"\(v)\"")
            }
            config.generator = mode
        }
        if let names = settings.sortKeys {
            config.policy.sortKeys = try names.map { name throws(ConfigError) in
                guard let key = SortKey(rawValue: name) else { throw fail(.sortKeys, "\"\(name)\" is not one of cpu, mem, vsz, rss") }
                return key
            }
        }
        if let images = settings.images {
            var map: [String: ContainerClass] = [:]
            for (image, name) in images.sorted(by: { $0.key < $1.key }) {
                guard let cls = ContainerClass(rawValue: name) else {
                    throw ConfigError(file: source, key: "images.\(image)", reason: "must be \"high\" or \"low\"")
                }
                map[image] = cls
            }
            config.policy.imageClasses = map
        }
        if let collector = settings.collector { config.collector = config.collector.applying(collector) }
        if let selector = settings.selector { config.selector.merge(selector) { _, new in new } }
        return config
    }

    /// The config file's key for a resolution (`[resolution]` table).
    public static func resolutionKey(_ key: SortKey) -> String {
        SettingsFile.Resolution.name(of: key)
    }
}

extension CollectorSettings {
    func applying(_ section: SettingsFile.Collector) -> CollectorSettings {
        var settings = self
        func set<T>(_ setting: KeyPath<SettingsFile.Collector, T?>, _ value: WritableKeyPath<CollectorSettings, T>) {
            if let v = section[keyPath: setting] { settings[keyPath: value] = v }
        }
        set(\.enabled, \.enabled)
        set(\.image, \.image)
        set(\.name, \.name)
        set(\.port, \.port)
        set(\.storePath, \.storePath)
        set(\.batchSize, \.batchSize)
        set(\.spoolMaxRecords, \.spoolMaxRecords)
        set(\.flushSeconds, \.flushSeconds)
        set(\.startSeconds, \.startSeconds)
        set(\.graphWindowSeconds, \.graphWindowSeconds)
        set(\.retentionDays, \.retentionDays)
        set(\.maxFileMib, \.maxFileMiB)
        return settings
    }
}
