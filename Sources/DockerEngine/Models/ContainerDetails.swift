/// What `GET /containers/{id}/json` says of one container: the parts Corral
/// reads (state and pid, labels, image, creation time, limits).
public struct ContainerDetails: Sendable, Decodable, Equatable, Identifiable {
    public let id: String
    /// The name without its leading slash.
    public let name: String
    /// RFC 3339 with nanoseconds, as the daemon writes it.
    public let created: String
    /// The image id (`sha256:...`); `config.image` holds the reference used.
    public let imageID: String
    public let state: State
    public let config: Config
    public let hostConfig: HostConfig

    public struct State: Sendable, Decodable, Equatable {
        public let status: String
        public let running: Bool
        public let paused: Bool
        public let restarting: Bool
        public let oomKilled: Bool
        public let dead: Bool
        /// The host pid of the container's first process; 0 when not running.
        public let pid: Int32
        public let exitCode: Int32
        public let error: String
        public let startedAt: String
        public let finishedAt: String

        enum CodingKeys: String, CodingKey {
            case status = "Status"
            case running = "Running"
            case paused = "Paused"
            case restarting = "Restarting"
            case oomKilled = "OOMKilled"
            case dead = "Dead"
            case pid = "Pid"
            case exitCode = "ExitCode"
            case error = "Error"
            case startedAt = "StartedAt"
            case finishedAt = "FinishedAt"
        }
    }

    public struct Config: Sendable, Decodable, Equatable {
        public let image: String
        public let labels: [String: String]
        public let cmd: [String]
        public let env: [String]

        enum CodingKeys: String, CodingKey {
            case image = "Image"
            case labels = "Labels"
            case cmd = "Cmd"
            case env = "Env"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            image = try c.decode(String.self, forKey: .image)
            labels = try c.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
            cmd = try c.decodeIfPresent([String].self, forKey: .cmd) ?? []
            env = try c.decodeIfPresent([String].self, forKey: .env) ?? []
        }
    }

    public struct HostConfig: Sendable, Decodable, Equatable {
        public let networkMode: String?
        /// Memory limit in bytes; 0 means none.
        public let memory: Int64
        /// CPU limit in billionths of a CPU; 0 means none.
        public let nanoCPUs: Int64

        enum CodingKeys: String, CodingKey {
            case networkMode = "NetworkMode"
            case memory = "Memory"
            case nanoCPUs = "NanoCpus"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            networkMode = try c.decodeIfPresent(String.self, forKey: .networkMode)
            memory = try c.decodeIfPresent(Int64.self, forKey: .memory) ?? 0
            nanoCPUs = try c.decodeIfPresent(Int64.self, forKey: .nanoCPUs) ?? 0
        }
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case name = "Name"
        case created = "Created"
        case imageID = "Image"
        case state = "State"
        case config = "Config"
        case hostConfig = "HostConfig"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        name = ContainerSummary.trimSlash(try c.decode(String.self, forKey: .name))
        created = try c.decode(String.self, forKey: .created)
        imageID = try c.decode(String.self, forKey: .imageID)
        state = try c.decode(State.self, forKey: .state)
        config = try c.decode(Config.self, forKey: .config)
        hostConfig = try c.decode(HostConfig.self, forKey: .hostConfig)
    }

    /// Labels of the container (from its config).
    public var labels: [String: String] { config.labels }

    /// Creation time in seconds since the epoch, parsed from `created`.
    public var createdEpochSeconds: Double? { RFC3339.epochSeconds(created) }
}
