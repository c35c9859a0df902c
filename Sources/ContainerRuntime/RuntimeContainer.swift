/// One container as its runtime reports it: what Corral needs to rank it,
/// gate it and find its processes, nothing of any runtime's wire format.
public struct RuntimeContainer: Sendable, Equatable, Identifiable {
    public let id: String
    /// Without the leading slash Docker adds.
    public let name: String
    public let image: String
    public let labels: [String: String]
    /// Seconds since the epoch.
    public let createdAt: Double
    public let state: State
    /// The main process's pid in the host's PID namespace, where the
    /// runtime knows it (listing may not say; inspecting a running one does).
    public let mainPID: Int32?
    /// The container's cgroup, relative to the cgroup root, where the runtime
    /// knows it.
    public let cgroup: String?
    /// Its IPv4 address on the node's bridge, when it has one.
    public let address: String?

    public enum State: Sendable, Equatable {
        case created
        case running
        case paused
        /// Exited (or dead) with this code.
        case exited(code: Int32)
        /// Being removed.
        case removing
        /// A state this protocol has no name for, in the runtime's word.
        case other(String)

        public var isRunning: Bool { self == .running }

        /// The exit code of an exited container; 0 for any other.
        public var exitCode: Int32 {
            if case .exited(let code) = self { return code }
            return 0
        }

        /// "running", "exited with code 1", in words for messages.
        public var words: String {
            switch self {
            case .created: return "created"
            case .running: return "running"
            case .paused: return "paused"
            case .exited(let code): return "exited with code \(code)"
            case .removing: return "being removed"
            case .other(let word): return word
            }
        }
    }

    public init(
        id: String, name: String, image: String, labels: [String: String], createdAt: Double, state: State, mainPID: Int32? = nil,
        cgroup: String? = nil, address: String? = nil
    ) {
        self.id = id
        self.name = name
        self.image = image
        self.labels = labels
        self.createdAt = createdAt
        self.state = state
        self.mainPID = mainPID
        self.cgroup = cgroup
        self.address = address
    }
}
