// Agent: `corral agent`, the control plane's hands on one host. Registers,
// beats, takes work orders by long poll, acknowledges each at once, acts
// through a ContainerRuntime and reports; after a restart it reconciles.

import ControlAPI
import CorralCore
import Foundation
import Settings

/// Who the agent is and how it reaches the control plane.
public struct AgentSettings: Sendable, Equatable {
    /// `subscribe`'s URL, or every replica's: the agent uses one and moves
    /// to the next when it cannot reach it.
    public var controlURLs: [String]
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
        controlURLs: [String], token: String, nodeID: String, stateDirectory: String, runtime: String = "docker",
        labels: [String: String] = [:],
        maxContainers: Int64 = 100, workers: Int = 8, stopGrace: Duration = .seconds(10)
    ) {
        self.controlURLs = controlURLs
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

extension AgentSettings {
    /// The settings a `[agent]` section holds (the file's, with the flags
    /// laid over it), with the defaults for what it lacks and the token read
    /// from its file: the one place an agent's setting becomes a value.
    public static func resolve(
        _ section: SettingsFile.Agent, source: String, defaultNodeID: String, readToken: (String) throws -> String?
    ) throws(ConfigError) -> AgentSettings {
        func fail(_ key: SettingsFile.Agent.CodingKeys, _ reason: String) -> ConfigError {
            ConfigError(file: source, key: "agent.\(key.rawValue)", reason: reason)
        }
        guard let list = section.controlURL else { throw fail(.controlURL, "is required: subscribe's URL (--control)") }
        let urls = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !urls.isEmpty else { throw fail(.controlURL, "is required: subscribe's URL (--control)") }
        for url in urls where !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            throw fail(.controlURL, "wants http:// URLs (several separated by commas), not '\(url)'")
        }
        guard let tokenFile = section.tokenFile else {
            throw fail(.tokenFile, "is required: the control plane's agent.token (--token-file)")
        }
        let token: String?
        do {
            token = try readToken(tokenFile)
        } catch {
            throw fail(.tokenFile, "\(error)")
        }
        guard let token else { throw fail(.tokenFile, "\(tokenFile) does not exist") }
        let runtime = section.runtime ?? "docker"
        guard runtime == "docker" || runtime == "native" else { throw fail(.runtime, "must be docker or native (boxes), not '\(runtime)'") }
        let workers = section.workers ?? 8
        guard (1...256).contains(workers) else { throw fail(.workers, "must be from 1 to 256, not \(workers)") }
        let maxContainers = section.maxContainers ?? 100
        guard maxContainers >= 1 else { throw fail(.maxContainers, "must be at least 1, not \(maxContainers)") }
        let node = section.nodeID ?? defaultNodeID
        guard ContainerSpec.isValidNodeID(node) else {
            throw fail(.nodeID, "must be 1 to 63 letters, digits, '.', '_' or '-', not '\(node)'")
        }
        return AgentSettings(
            controlURLs: urls, token: token, nodeID: node, stateDirectory: section.stateDir ?? "/var/lib/corral/agent", runtime: runtime,
            labels: section.labels ?? [:], maxContainers: Int64(maxContainers), workers: workers)
    }
}
