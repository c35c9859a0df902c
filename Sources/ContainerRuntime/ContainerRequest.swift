import CorralCore

/// What to create: the parts of a container Corral decides, in its own terms.
public struct ContainerRequest: Sendable, Equatable {
    public var image: String
    /// The runtime picks one when nil.
    public var name: String?
    public var labels: [String: String]
    /// Arguments replacing the image's command; nil keeps the image's.
    public var command: [String]?
    public var environment: [String: String]
    public var network: Network
    /// Host directories mounted into the container.
    public var mounts: [Mount]

    public enum Network: Sendable, Equatable {
        /// Loopback only.
        case none
        /// The host's own network namespace.
        case host
        /// The node's bridge: an address of the container's own, reachable
        /// from the host, and these ports published on the host.
        case bridge(publish: [PublishedPort])
    }

    public struct Mount: Sendable, Equatable {
        public var hostPath: String
        public var containerPath: String
        public var readOnly: Bool

        public init(hostPath: String, containerPath: String, readOnly: Bool = false) {
            self.hostPath = hostPath
            self.containerPath = containerPath
            self.readOnly = readOnly
        }
    }

    public init(
        image: String, name: String? = nil, labels: [String: String] = [:], command: [String]? = nil, environment: [String: String] = [:],
        network: Network = .none, mounts: [Mount] = []
    ) {
        self.image = image
        self.name = name
        self.labels = labels
        self.command = command
        self.environment = environment
        self.network = network
        self.mounts = mounts
    }
}
