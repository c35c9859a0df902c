// Agent: `corral agent`, the control plane's hands on one host. Registers,
// beats, takes work orders by long poll, acknowledges each at once, acts
// through a ContainerRuntime and reports; after a restart it reconciles.

import CorralCore

/// Who the agent is and how it reaches the control plane.
public struct AgentSettings: Sendable, Equatable {
    /// `subscribe`'s URL.
    public var controlURL: String
    /// The agents' bearer token (the control plane's agent.token).
    public var token: String
    /// This node's id: the host name unless given.
    public var nodeID: String
    /// Holds the node's secret.
    public var stateDirectory: String
    /// "docker" today.
    public var runtime: String
    public var labels: [String: String]
    /// How many containers this node takes.
    public var maxContainers: Int64
    /// Orders acted on at once.
    public var workers: Int
    /// How long a container's processes get between SIGTERM and SIGKILL on stop.
    public var stopGrace: Duration

    public init(
        controlURL: String, token: String, nodeID: String, stateDirectory: String, runtime: String = "docker",
        labels: [String: String] = [:],
        maxContainers: Int64 = 100, workers: Int = 8, stopGrace: Duration = .seconds(10)
    ) {
        self.controlURL = controlURL
        self.token = token
        self.nodeID = nodeID
        self.stateDirectory = stateDirectory
        self.runtime = runtime
        self.labels = labels
        self.maxContainers = maxContainers
        self.workers = workers
        self.stopGrace = stopGrace
    }

    /// The labels that mark a runtime container as this node's own.
    public var ownLabels: [String: String] {
        [CorralLabel.managed: CorralLabel.trueValue, CorralLabel.node: nodeID]
    }
}
