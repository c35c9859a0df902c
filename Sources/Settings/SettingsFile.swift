import CorralCore
import Foundation
import TOMLKit

/// Every setting of `corral enforce` as the config file spells it: one
/// property and one key each, all optional (absent: the default). The file is
/// decoded by TOMLKit's decoder, strictly (a key Corral does not know is an
/// error naming it); the command line's flags fill the same type, so a flag is
/// an overlay of the value a file would hold. Both reach ``EnforcerConfig``
/// through ``EnforcerConfig/applying(_:source:)``, the one place a setting
/// becomes a value. The README's table of settings is checked against
/// ``allKeys`` by the tests.
public struct SettingsFile: Codable, Equatable, Sendable {
    public var intervalSeconds: Number?
    public var high: Int?
    public var low: Int?
    public var sortKeys: [String]?
    public var poolWidth: Int?
    public var killMode: String?
    public var cgroupKill: Bool?
    public var surplusAction: String?
    public var throttleThenKillSeconds: Number?
    public var throttleCpuPercent: Number?
    public var throttleMemoryMib: Number?
    public var memoryFloor: String?
    public var pressurePolicy: String?
    public var pressureStallMs: Int?
    public var graceSeconds: Int?
    public var spoolPath: String?
    public var scaleUp: Bool?
    public var selector: [String: String]?
    public var images: [String: String]?
    public var thresholds: Thresholds?
    public var resolution: Resolution?
    public var scaleUpImages: ScaleUpImages?
    public var collector: Collector?
    public var generator: String?
    public var metricsPort: Int?
    public var dockerSocket: String?
    public var moduleFile: String?
    public var procRoot: String?
    public var cgroupRoot: String?
    public var cgroupParent: String?
    public var runtime: String?
    public var boxRoot: String?
    public var journalSocket: String?
    public var control: Control?
    public var agent: Agent?

    public init() {}

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case intervalSeconds = "interval_seconds"
        case high, low
        case sortKeys = "sort_keys"
        case poolWidth = "pool_width"
        case killMode = "kill_mode"
        case cgroupKill = "cgroup_kill"
        case surplusAction = "surplus_action"
        case throttleThenKillSeconds = "throttle_then_kill_seconds"
        case throttleCpuPercent = "throttle_cpu_percent"
        case throttleMemoryMib = "throttle_memory_mib"
        case memoryFloor = "memory_floor"
        case pressurePolicy = "pressure_policy"
        case pressureStallMs = "pressure_stall_ms"
        case graceSeconds = "grace_seconds"
        case spoolPath = "spool_path"
        case scaleUp = "scale_up"
        case selector, images, thresholds, resolution
        case scaleUpImages = "scale_up_images"
        case collector, generator
        case metricsPort = "metrics_port"
        case dockerSocket = "docker_socket"
        case moduleFile = "module_file"
        case procRoot = "proc_root"
        case cgroupRoot = "cgroup_root"
        case cgroupParent = "cgroup_parent"
        case runtime
        case boxRoot = "box_root"
        case journalSocket = "journal_socket"
        case control, agent
    }

    /// `[thresholds]`: at or above either, a container without a class label is high.
    public struct Thresholds: Codable, Equatable, Sendable {
        public var cpuPercent: Number?
        public var memPercent: Number?

        public init() {}

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case cpuPercent = "cpu_percent"
            case memPercent = "mem_percent"
        }
    }

    /// `[resolution]`: how far apart figures must be for a sort key to decide.
    public struct Resolution: Codable, Equatable, Sendable {
        public var cpuPercent: Number?
        public var memPercent: Number?
        public var vszMib: Number?
        public var rssMib: Number?

        public init() {}

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case cpuPercent = "cpu_percent"
            case memPercent = "mem_percent"
            case vszMib = "vsz_mib"
            case rssMib = "rss_mib"
        }

        /// The setting for one sort key.
        public subscript(key: SortKey) -> Number? {
            get {
                switch key {
                case .cpu: return cpuPercent
                case .mem: return memPercent
                case .vsz: return vszMib
                case .rss: return rssMib
                }
            }
            set {
                switch key {
                case .cpu: cpuPercent = newValue
                case .mem: memPercent = newValue
                case .vsz: vszMib = newValue
                case .rss: rssMib = newValue
                }
            }
        }

        /// The key's name in the file (`cpu_percent` for `cpu`).
        public static func name(of key: SortKey) -> String {
            switch key {
            case .cpu: return CodingKeys.cpuPercent.rawValue
            case .mem: return CodingKeys.memPercent.rawValue
            case .vsz: return CodingKeys.vszMib.rawValue
            case .rss: return CodingKeys.rssMib.rawValue
            }
        }
    }

    /// `[scale_up_images]`: the images scale-up starts, per class.
    public struct ScaleUpImages: Codable, Equatable, Sendable {
        public var high: [String]?
        public var low: [String]?

        public init() {}

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case high, low
        }
    }

    /// `[collector]`: the log collector's container and delivery.
    public struct Collector: Codable, Equatable, Sendable {
        public var enabled: Bool?
        public var image: String?
        public var name: String?
        public var port: Int?
        public var storePath: String?
        public var batchSize: Int?
        public var spoolMaxRecords: Int?
        public var flushSeconds: Int?
        public var startSeconds: Int?
        public var graphWindowSeconds: Int?
        public var retentionDays: Int?
        public var maxFileMib: Int?

        public init() {}

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case enabled, image, name, port
            case storePath = "store_path"
            case batchSize = "batch_size"
            case spoolMaxRecords = "spool_max_records"
            case flushSeconds = "flush_seconds"
            case startSeconds = "start_seconds"
            case graphWindowSeconds = "graph_window_seconds"
            case retentionDays = "retention_days"
            case maxFileMib = "max_file_mib"
        }
    }

    /// `[control]`: `corral control`, the control plane.
    public struct Control: Codable, Equatable, Sendable {
        public var stateDir: String?
        public var adminListen: String?
        public var subscribeListen: String?
        public var heartbeatSeconds: Number?
        public var nodeTTLSeconds: Number?
        public var queueLimit: Int?
        public var strategy: String?
        public var placementTimeoutSeconds: Number?
        public var store: String?
        public var storeFile: String?

        public init() {}

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case stateDir = "state_dir"
            case adminListen = "admin_listen"
            case subscribeListen = "subscribe_listen"
            case heartbeatSeconds = "heartbeat_seconds"
            case nodeTTLSeconds = "node_ttl_seconds"
            case queueLimit = "queue_limit"
            case strategy
            case placementTimeoutSeconds = "placement_timeout_seconds"
            case store
            case storeFile = "store_file"
        }
    }

    /// `[agent]`: `corral agent`, a host's agent.
    public struct Agent: Codable, Equatable, Sendable {
        public var controlURL: String?
        public var tokenFile: String?
        public var nodeID: String?
        public var stateDir: String?
        public var runtime: String?
        public var labels: [String: String]?
        public var maxContainers: Int?
        public var workers: Int?
        public var enforce: Bool?

        public init() {}

        /// This section with every key `overlay` sets taken from it (the
        /// flags over the file's): key by key, so a key added here is merged here.
        public func overlaid(by overlay: Agent) -> Agent {
            var merged = self
            merged.controlURL = overlay.controlURL ?? controlURL
            merged.tokenFile = overlay.tokenFile ?? tokenFile
            merged.nodeID = overlay.nodeID ?? nodeID
            merged.stateDir = overlay.stateDir ?? stateDir
            merged.runtime = overlay.runtime ?? runtime
            merged.labels = overlay.labels ?? labels
            merged.maxContainers = overlay.maxContainers ?? maxContainers
            merged.workers = overlay.workers ?? workers
            merged.enforce = overlay.enforce ?? enforce
            return merged
        }

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case controlURL = "control_url"
            case tokenFile = "token_file"
            case nodeID = "node_id"
            case stateDir = "state_dir"
            case runtime, labels
            case maxContainers = "max_containers"
            case workers, enforce
        }
    }

    /// A number in the file: TOML's integers and floats alike (`10` and `10.0`).
    public struct Number: Codable, Equatable, Sendable, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral {
        public var value: Double

        public init(_ value: Double) { self.value = value }
        public init(floatLiteral value: Double) { self.value = value }
        public init(integerLiteral value: Int) { self.value = Double(value) }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let double = try? container.decode(Double.self) {
                value = double
            } else {
                value = Double(try container.decode(Int.self))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(value)
        }
    }

    /// Every key the file may hold, dotted (`collector.port`); a table whose
    /// keys are free (`selector`, `images`) by its own name.
    public static var allKeys: [String] {
        CodingKeys.allCases.flatMap { key -> [String] in
            let section = key.rawValue
            switch key {
            case .thresholds: return Thresholds.CodingKeys.allCases.map { "\(section).\($0.rawValue)" }
            case .resolution: return Resolution.CodingKeys.allCases.map { "\(section).\($0.rawValue)" }
            case .scaleUpImages: return ScaleUpImages.CodingKeys.allCases.map { "\(section).\($0.rawValue)" }
            case .collector: return Collector.CodingKeys.allCases.map { "\(section).\($0.rawValue)" }
            case .control: return Control.CodingKeys.allCases.map { "\(section).\($0.rawValue)" }
            case .agent: return Agent.CodingKeys.allCases.map { "\(section).\($0.rawValue)" }
            default: return [section]
            }
        }
    }

    /// The keys one level of the file may hold, for the error that names an unknown one.
    static func knownKeys(in section: String?) -> [String] {
        switch section {
        case nil: return CodingKeys.allCases.map(\.rawValue)
        case CodingKeys.thresholds.rawValue?: return Thresholds.CodingKeys.allCases.map(\.rawValue)
        case CodingKeys.resolution.rawValue?: return Resolution.CodingKeys.allCases.map(\.rawValue)
        case CodingKeys.scaleUpImages.rawValue?: return ScaleUpImages.CodingKeys.allCases.map(\.rawValue)
        case CodingKeys.collector.rawValue?: return Collector.CodingKeys.allCases.map(\.rawValue)
        case CodingKeys.control.rawValue?: return Control.CodingKeys.allCases.map(\.rawValue)
        case CodingKeys.agent.rawValue?: return Agent.CodingKeys.allCases.map(\.rawValue)
        default: return []
        }
    }

    /// The file at `path`, decoded; nil when it does not exist and is not `required`.
    public static func load(path: String, required: Bool) throws(ConfigError) -> SettingsFile? {
        guard FileManager.default.fileExists(atPath: path) else {
            if required { throw ConfigError(file: path, key: nil, reason: "no such file") }
            return nil
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ConfigError(file: path, key: nil, reason: "cannot open it for reading")
        }
        defer { try? handle.close() }
        guard let data = try? handle.readToEnd() ?? Data(), let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, key: nil, reason: "cannot read it as UTF-8 text")
        }
        return try decode(text, file: path)
    }

    /// The file's text, decoded; every failure names the file and the key.
    public static func decode(_ text: String, file: String) throws(ConfigError) -> SettingsFile {
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
        do {
            return try TOMLDecoder(strictDecoding: true).decode(SettingsFile.self, from: table)
        } catch let error as UnexpectedKeysError {
            let unknown =
                error.keys.values.map { $0.map(\.stringValue) }.min { $0.joined(separator: ".") < $1.joined(separator: ".") } ?? []
            let section = unknown.count > 1 ? unknown.dropLast().joined(separator: ".") : nil
            throw ConfigError(
                file: file, key: unknown.joined(separator: "."),
                reason: "is not a setting Corral knows (known: \(knownKeys(in: section).sorted().joined(separator: ", ")))")
        } catch let error as DecodingError {
            throw Self.failure(error, file: file)
        } catch {
            throw ConfigError(file: file, key: nil, reason: "cannot be read: \(error)")
        }
    }

    /// A value of the wrong kind, in words: TOMLKit says which Swift type it
    /// wanted only in its description.
    static func failure(_ error: DecodingError, file: String) -> ConfigError {
        let context: DecodingError.Context
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c), .dataCorrupted(let c): context = c
        @unknown default: return ConfigError(file: file, key: nil, reason: "\(error)")
        }
        let key = context.codingPath.map(\.stringValue).filter { Int($0) == nil }.joined(separator: ".")
        let wanted = context.debugDescription
        let kind =
            wanted.contains("\"Int\"")
            ? "a whole number"
            : wanted.contains("\"Double\"")
                ? "a number"
                : wanted.contains("\"Bool\"")
                    ? "true or false"
                    : wanted.contains("\"String\"")
                        ? (context.codingPath.contains { Int($0.stringValue) != nil } ? "a list of strings" : "a string")
                        : wanted.contains("Array") || wanted.contains("Unkeyed")
                            ? "a list"
                            : wanted.contains("Dictionary") || wanted.contains("Keyed")
                                ? "a table ([\(key)])" : "of another kind (\(wanted))"
        return ConfigError(file: file, key: key.isEmpty ? nil : key, reason: "must be \(kind)")
    }
}
