import CorralCore

/// What a client asks to run. The same body serves REST's create and
/// JSON-RPC's `ContainerService.Create` (where the command is `arguments`,
/// as in the original JSON-RPC service).
public struct ContainerSpec: Sendable, Codable, Equatable {
    public var image: String
    /// Arguments to the image's entrypoint; empty keeps the image's command.
    public var arguments: [String]
    public var env: [String: String]
    /// Labels on the container; `corral.*` labels are Corral's and refused.
    public var labels: [String: String]
    /// A name for people; unique among containers not deleted. One is made up when absent.
    public var name: String?
    /// CPUs reserved on the node (0.5 is half a core); none when absent.
    public var cpus: Double?
    /// Memory reserved on the node, in bytes; none when absent.
    public var memoryBytes: Int64?
    /// Labels the node must carry.
    public var nodeLabels: [String: String]
    /// The node's runtime, when it matters ("docker").
    public var runtime: String?
    /// Overrides the service's placement strategy for this container.
    public var strategy: String?
    /// "none" (loopback only, the default) or "bridge": an address of its own
    /// on its node's bridge, reachable from the node. Boxes only (runtime native).
    public var network: String?
    /// Ports published on its node's addresses; they put it on the bridge.
    public var ports: [PublishedPort]

    public init(
        image: String, arguments: [String] = [], env: [String: String] = [:], labels: [String: String] = [:], name: String? = nil,
        cpus: Double? = nil, memoryBytes: Int64? = nil, nodeLabels: [String: String] = [:], runtime: String? = nil, strategy: String? = nil,
        network: String? = nil, ports: [PublishedPort] = []
    ) {
        self.image = image
        self.arguments = arguments
        self.env = env
        self.labels = labels
        self.name = name
        self.cpus = cpus
        self.memoryBytes = memoryBytes
        self.nodeLabels = nodeLabels
        self.runtime = runtime
        self.strategy = strategy
        self.network = network
        self.ports = ports
    }

    enum CodingKeys: String, CodingKey {
        case image, arguments, env, labels, name, cpus, runtime, strategy, network, ports
        case memoryBytes = "memory_bytes"
        case nodeLabels = "node_labels"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        image = try container.decode(String.self, forKey: .image)
        arguments = try container.decodeIfPresent([String].self, forKey: .arguments) ?? []
        env = try container.decodeIfPresent([String: String].self, forKey: .env) ?? [:]
        labels = try container.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
        name = try container.decodeIfPresent(String.self, forKey: .name)
        cpus = try container.decodeIfPresent(Double.self, forKey: .cpus)
        memoryBytes = try container.decodeIfPresent(Int64.self, forKey: .memoryBytes)
        nodeLabels = try container.decodeIfPresent([String: String].self, forKey: .nodeLabels) ?? [:]
        runtime = try container.decodeIfPresent(String.self, forKey: .runtime)
        strategy = try container.decodeIfPresent(String.self, forKey: .strategy)
        network = try container.decodeIfPresent(String.self, forKey: .network)
        ports = try container.decodeIfPresent([PublishedPort].self, forKey: .ports) ?? []
    }

    /// Whether it goes on its node's bridge: asked for, or implied by ports.
    public var onBridge: Bool { network == "bridge" || (network == nil && !ports.isEmpty) }

    /// The runtime its node must have: the one asked for, or boxes' for the bridge.
    public var placementRuntime: String? { runtime ?? (onBridge ? "native" : nil) }

    /// The first thing wrong with this spec, in words, or nil.
    public func problem() -> String? {
        if !ContainerSpec.isValidImage(image) {
            return "image must be an image reference: a letter or digit, then up to 254 of letters, digits and ._/:@+-"
        }
        if let name, !ContainerSpec.isValidName(name) {
            return "name must be 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit"
        }
        if let key = labels.keys.sorted().first(where: { $0.utf8.starts(with: "corral.".utf8) && $0 != "corral.class" }) {
            return "label \(key) is Corral's own; only corral.class may be set"
        }
        if let cpus, !(cpus.isFinite && cpus >= 0 && cpus <= 1024) { return "cpus must be between 0 and 1024" }
        if let memoryBytes, memoryBytes < 0 { return "memory_bytes must not be negative" }
        if let strategy, PlacementStrategy(rawValue: strategy) == nil { return "strategy must be spread or binpack" }
        if let network, network != "none" && network != "bridge" { return "network must be none or bridge, not '\(network)'" }
        if network == "none" && !ports.isEmpty { return "ports need network bridge (they are published from its node's bridge)" }
        if onBridge, let runtime, runtime != "native" {
            return "network bridge and ports are boxes' (runtime native), not runtime \(runtime)'s"
        }
        for (index, port) in ports.enumerated() {
            if let problem = port.problem() { return "ports[\(index)]: \(problem)" }
        }
        if env.keys.contains(where: { $0.isEmpty || $0.utf8.contains(UInt8(ascii: "=")) }) {
            return "env names must be non-empty and contain no '='"
        }
        return nil
    }

    /// A node id has the shape of a container name (it goes into labels and paths).
    public static func isValidNodeID(_ id: String) -> Bool { isValidName(id) }

    static func isValidName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...63).contains(bytes.count), let first = bytes.first, isAlphanumeric(first) else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    static func isValidImage(_ image: String) -> Bool {
        let bytes = Array(image.utf8)
        guard (1...255).contains(bytes.count), let first = bytes.first, isAlphanumeric(first) else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || "._/:@+-".utf8.contains($0) }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
