/// Something that happened to one container.
public struct RuntimeEvent: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        case created, started, died, killed, stopped, removed
        /// An action this protocol has no name for, in the runtime's word.
        case other(String)
    }

    public let container: String
    public let action: Action
    /// Seconds since the epoch.
    public let time: Double
    public let labels: [String: String]

    public init(container: String, action: Action, time: Double, labels: [String: String]) {
        self.container = container
        self.action = action
        self.time = time
        self.labels = labels
    }
}
