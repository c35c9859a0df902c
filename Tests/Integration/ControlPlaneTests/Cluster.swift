import ControlAPI
import ControlClient
import CorralTestSupport
import DockerEngine
import Foundation
import NIOHTTP1

/// A control plane on this machine and two agents, each in its own network
/// namespace joined to a bridge this test made, reaching `subscribe` at the
/// bridge's address: traffic stays on the bridge and loopback. Everything
/// (processes, containers, namespaces, the bridge, the state) is removed
/// afterwards, whatever happened.
final class Cluster: @unchecked Sendable {
    let run = String(UUID().uuidString.lowercased().filter { $0 != "-" }.prefix(6))
    let directory: String
    let subnet: Int
    var control: Process?
    var agents: [String: Process] = [:]
    var adminURL = ""
    var subscribeURL = ""
    let corral = repositoryRoot.path + "/.build/debug/corral"
    let ttl: Double
    let heartbeat: Double

    var bridge: String { "cpb\(run)" }
    var nodes: [String] { ["cp\(run)a", "cp\(run)b"] }
    var bridgeAddress: String { "10.213.\(subnet).1" }

    private init(ttl: Double, heartbeat: Double) throws {
        directory = try scratchDirectory("corral-cluster")
        subnet = Int.random(in: 10...250)
        self.ttl = ttl
        self.heartbeat = heartbeat
    }

    /// Runs `body` with a cluster up (both agents registered), and tears it down.
    static func with(
        ttl: Double = 3, heartbeat: Double = 0.5, maxContainers: Int64 = 100, agentArguments: [String] = [],
        prepare: (String) throws -> Void = { _ in }, body: (Cluster) async throws -> Void
    ) async throws {
        let cluster = try Cluster(ttl: ttl, heartbeat: heartbeat)
        do {
            try prepare(cluster.directory)
            try cluster.makeNetwork()
            try await cluster.startControl()
            for node in cluster.nodes { try cluster.startAgent(node, maxContainers: maxContainers, extra: agentArguments) }
            try await cluster.waitForNodes(cluster.nodes)
            try await body(cluster)
        } catch {
            await cluster.tearDown()
            throw error
        }
        await cluster.tearDown()
    }

    // MARK: - Parts

    private func ip(_ arguments: [String]) throws {
        let result = try runCommand("/usr/sbin/ip", arguments)
        guard result.status == 0 else { throw ClusterError(description: "ip \(arguments.joined(separator: " ")): \(result.stderr)") }
    }

    private func makeNetwork() throws {
        try ip(["link", "add", bridge, "type", "bridge"])
        try ip(["addr", "add", "\(bridgeAddress)/24", "dev", bridge])
        try ip(["link", "set", bridge, "up"])
        for (index, node) in nodes.enumerated() {
            let host = "cpv\(run)\(index)"
            let peer = "cpp\(run)\(index)"
            try ip(["netns", "add", node])
            try ip(["link", "add", host, "type", "veth", "peer", "name", peer])
            try ip(["link", "set", host, "master", bridge, "up"])
            try ip(["link", "set", peer, "netns", node])
            try ip(["-n", node, "link", "set", peer, "name", "eth0"])
            try ip(["-n", node, "addr", "add", "10.213.\(subnet).\(index + 2)/24", "dev", "eth0"])
            try ip(["-n", node, "link", "set", "eth0", "up"])
            try ip(["-n", node, "link", "set", "lo", "up"])
        }
    }

    func startControl() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: corral)
        process.arguments = [
            "control", "--config", "/dev/null", "--state", directory + "/control", "--admin-listen", "127.0.0.1:0", "--subscribe-listen",
            "\(bridgeAddress):0",
            "--node-ttl", "\(ttl)", "--heartbeat", "\(heartbeat)",
        ]
        process.standardOutput = try logFile("control")
        process.standardError = try logFile("control.err")
        try process.run()
        control = process
        adminURL = try await urlFile("admin")
        subscribeURL = try await urlFile("subscribe")
    }

    private func urlFile(_ role: String) async throws -> String {
        try await poll("corral control's \(role) listening", seconds: 30) { () -> String? in
            guard let text = try? String(contentsOfFile: directory + "/control/\(role).url", encoding: .utf8) else { return nil }
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// Starts (or starts again) the agent of `node` inside its namespace.
    func startAgent(_ node: String, maxContainers: Int64 = 100, extra: [String] = []) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        process.arguments =
            [
                "netns", "exec", node, corral, "agent", "--config", "/dev/null", "--control", subscribeURL, "--token-file",
                directory + "/control/agent.token", "--node-id", node, "--state", directory + "/agent-\(node)", "--max-containers",
                "\(maxContainers)",
            ] + extra.map { $0.replacingOccurrences(of: "@DIR@", with: directory) }
        process.standardOutput = try logFile("agent-\(node)")
        process.standardError = try logFile("agent-\(node).err")
        try process.run()
        agents[node] = process
    }

    /// kill -9 of one agent, as a crash would.
    func killAgent(_ node: String) {
        guard let process = agents[node] else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        agents[node] = nil
    }

    /// The pid of the control plane's `admin` (or `subscribe`) process.
    func childPID(_ role: String) throws -> Int32? {
        guard let control else { return nil }
        // Children are listed under the thread that started them.
        let tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(control.processIdentifier)/task")
        let children = tasks.compactMap {
            try? String(contentsOfFile: "/proc/\(control.processIdentifier)/task/\($0)/children", encoding: .utf8)
        }
        .joined(separator: " ")
        for pid in children.split(separator: " ").compactMap({ Int32($0) }) {
            let cmdline = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
            if cmdline.split(separator: "\0").contains(Substring(role)) { return pid }
        }
        return nil
    }

    func waitForNodes(_ expected: [String], state: NodeState = .ready) async throws {
        let admin = try self.admin()
        defer { Task { await admin.shutdown() } }
        _ = try await poll("nodes \(expected) \(state.rawValue)", seconds: 30) { () -> Bool? in
            let nodes = try? await admin.send(.GET, "/v1/nodes", as: NodeList.self)
            let ready = Set(nodes?.nodes.filter { $0.state == state }.map(\.id) ?? [])
            return Set(expected).isSubset(of: ready) ? true : nil
        }
    }

    func admin() throws -> ControlClient {
        let token = try String(contentsOfFile: directory + "/control/admin.token", encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines)
        return ControlClient(baseURL: adminURL, token: token)
    }

    /// `corral ctl` against this cluster's admin API.
    func ctl(_ arguments: [String]) throws -> CommandResult {
        try runCommand(corral, ["ctl", "--url", adminURL, "--token-file", directory + "/control/admin.token"] + arguments)
    }

    func agentToken() throws -> String {
        try String(contentsOfFile: directory + "/control/agent.token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func nodeSecret(_ node: String) throws -> String {
        try String(contentsOfFile: directory + "/agent-\(node)/node.secret", encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines)
    }

    /// The runtime containers of this cluster's nodes, by node.
    func dockerContainers() async throws -> [String: [ContainerSummary]] {
        try await withDocker { docker in
            var byNode: [String: [ContainerSummary]] = [:]
            for node in nodes {
                byNode[node] = try await docker.listContainers(all: true, filters: ContainerFilters.label("corral.node", node))
            }
            return byNode
        }
    }

    private func logFile(_ name: String) throws -> FileHandle {
        let path = directory + "/\(name).log"
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: path) else { throw ClusterError(description: "cannot write \(path)") }
        handle.seekToEndOfFile()
        return handle
    }

    /// What the processes wrote, for a failure's message.
    func logs() -> String {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".log") }.sorted().map { name in
            let text = (try? String(contentsOfFile: directory + "/" + name, encoding: .utf8)) ?? ""
            return "== \(name)\n" + text.split(separator: "\n").suffix(30).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    private func tearDown() async {
        for (_, agent) in agents where agent.isRunning {
            agent.terminate()
            agent.waitUntilExit()
        }
        if let control, control.isRunning {
            control.terminate()
            control.waitUntilExit()
        }
        _ = try? await withDocker { docker in
            for node in nodes {
                for container in try await docker.listContainers(all: true, filters: ContainerFilters.label("corral.node", node)) {
                    try? await docker.removeContainer(container.id, force: true)
                }
            }
        }
        for node in nodes { _ = try? runCommand("/usr/sbin/ip", ["netns", "del", node]) }
        _ = try? runCommand("/usr/sbin/ip", ["link", "del", bridge])
        try? FileManager.default.removeItem(atPath: directory)
    }
}

struct ClusterError: Error, CustomStringConvertible {
    let description: String
}
