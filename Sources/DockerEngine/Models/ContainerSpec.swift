/// What to create: the body of `POST /containers/create` in Swift terms.
public struct ContainerSpec: Sendable, Equatable {
    public var image: String
    /// Optional; the daemon picks a name when nil.
    public var name: String?
    public var labels: [String: String]
    /// Overrides the image's command when non-nil.
    public var cmd: [String]?
    public var env: [String: String]
    /// `none`, `host`, `bridge`, or a network name. nil leaves the daemon's default.
    public var networkMode: String?
    /// Memory limit in bytes.
    public var memoryBytes: Int64?
    /// CPU limit in billionths of a CPU (1_000_000_000 = one core).
    public var nanoCPUs: Int64?
    /// Bind mounts, `host:container[:ro]`.
    public var binds: [String]
    /// Capabilities added one by one (these hosts refuse `--privileged`).
    public var capAdd: [String]
    /// Remove the container when it exits.
    public var autoRemove: Bool

    public init(
        image: String, name: String? = nil, labels: [String: String] = [:], cmd: [String]? = nil,
        env: [String: String] = [:], networkMode: String? = nil, memoryBytes: Int64? = nil,
        nanoCPUs: Int64? = nil, binds: [String] = [], capAdd: [String] = [], autoRemove: Bool = false
    ) {
        self.image = image
        self.name = name
        self.labels = labels
        self.cmd = cmd
        self.env = env
        self.networkMode = networkMode
        self.memoryBytes = memoryBytes
        self.nanoCPUs = nanoCPUs
        self.binds = binds
        self.capAdd = capAdd
        self.autoRemove = autoRemove
    }
}

extension ContainerSpec: Encodable {
    enum CodingKeys: String, CodingKey {
        case image = "Image"
        case labels = "Labels"
        case cmd = "Cmd"
        case env = "Env"
        case hostConfig = "HostConfig"
    }

    struct HostConfigBody: Encodable {
        let networkMode: String?
        let memory: Int64?
        let nanoCPUs: Int64?
        let binds: [String]?
        let capAdd: [String]?
        let autoRemove: Bool

        enum CodingKeys: String, CodingKey {
            case networkMode = "NetworkMode"
            case memory = "Memory"
            case nanoCPUs = "NanoCpus"
            case binds = "Binds"
            case capAdd = "CapAdd"
            case autoRemove = "AutoRemove"
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(image, forKey: .image)
        try c.encode(labels, forKey: .labels)
        try c.encodeIfPresent(cmd, forKey: .cmd)
        if !env.isEmpty {
            try c.encode(env.keys.sorted().map { "\($0)=\(env[$0] ?? "")" }, forKey: .env)
        }
        try c.encode(
            HostConfigBody(
                networkMode: networkMode, memory: memoryBytes, nanoCPUs: nanoCPUs,
                binds: binds.isEmpty ? nil : binds, capAdd: capAdd.isEmpty ? nil : capAdd,
                autoRemove: autoRemove),
            forKey: .hostConfig)
    }
}
