import BoxRuntime
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
    /// Each replica's `corral control` (one unless asked for more).
    var controls: [Process?] = []
    var agents: [String: Process] = [:]
    /// Agents started on the host's network with --runtime native: their boxes go at tear-down.
    var boxNodes: [String] = []
    var adminURLs: [String] = []
    var subscribeURLs: [String] = []
    let corral = repositoryRoot.path + "/.build/debug/corral"
    let ttl: Double
    let heartbeat: Double
    /// The PostgreSQL database the replicas share, or nil for SQLite.
    let store: String?

    var control: Process? { controls.first ?? nil }
    var adminURL: String { adminURLs.first ?? "" }
    var subscribeURL: String { subscribeURLs.first ?? "" }

    var bridge: String { "cpb\(run)" }
    var nodes: [String] { ["cp\(run)a", "cp\(run)b"] }
    var bridgeAddress: String { "10.213.\(subnet).1" }

    private init(ttl: Double, heartbeat: Double, store: String?) throws {
        directory = try scratchDirectory("corral-cluster")
        subnet = Int.random(in: 10...250)
        self.ttl = ttl
        self.heartbeat = heartbeat
        self.store = store
    }

    /// Where replica `replica` keeps its tokens and URL files.
    func stateDirectory(_ replica: Int = 0) -> String {
        directory + (replica == 0 ? "/control" : "/control-\(replica)")
    }

    /// Runs `body` with a cluster up (both agents registered), and tears it down.
    /// With `replicas` above one, that many `corral control` share a
    /// PostgreSQL database of their own on the tests' server, and each agent
    /// is given every replica's subscribe URL, the first replica's first.
    static func with(
        ttl: Double = 3, heartbeat: Double = 0.5, maxContainers: Int64 = 100, agentArguments: [String] = [], replicas: Int = 1,
        prepare: (String) throws -> Void = { _ in }, body: (Cluster) async throws -> Void
    ) async throws {
        let store = replicas > 1 ? try PostgresDatabase.make() : nil
        let cluster = try Cluster(ttl: ttl, heartbeat: heartbeat, store: store)
        do {
            try prepare(cluster.directory)
            try cluster.makeNetwork()
            for replica in 0..<replicas {
                try await cluster.startControl(replica: replica)
                // The first replica (the agents' first URL) takes the
                // singletons before the next starts, so tests know which.
                if replica == 0, let store {
                    _ = try await poll("the first replica holding the sweeper lease", seconds: 30) { () -> Bool? in
                        try PostgresDatabase.value(store, "SELECT holder FROM leases WHERE name = 'sweeper'").isEmpty ? nil : true
                    }
                }
            }
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

    func startControl(replica: Int = 0) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: corral)
        let state = stateDirectory(replica)
        // A replica started again keeps its ports (its URL files say them),
        // as agents know it by them.
        let admin = replica < adminURLs.count ? String(adminURLs[replica].dropFirst("http://".count)) : "127.0.0.1:0"
        let subscribe = replica < subscribeURLs.count ? String(subscribeURLs[replica].dropFirst("http://".count)) : "\(bridgeAddress):0"
        process.arguments =
            [
                "control", "--config", "/dev/null", "--state", state, "--admin-listen", admin, "--subscribe-listen", subscribe,
                "--node-ttl", "\(ttl)", "--heartbeat", "\(heartbeat)",
            ] + (store.map { ["--store", $0] } ?? [])
        let name = replica == 0 ? "control" : "control-\(replica)"
        process.standardOutput = try logFile(name)
        process.standardError = try logFile(name + ".err")
        try process.run()
        let adminURL = try await urlFile("admin", replica: replica)
        let subscribeURL = try await urlFile("subscribe", replica: replica)
        if replica < controls.count {
            controls[replica] = process
        } else {
            controls.append(process)
            adminURLs.append(adminURL)
            subscribeURLs.append(subscribeURL)
        }
    }

    private func urlFile(_ role: String, replica: Int) async throws -> String {
        try await poll("corral control's \(role) listening", seconds: 30) { () -> String? in
            guard let text = try? String(contentsOfFile: stateDirectory(replica) + "/\(role).url", encoding: .utf8) else { return nil }
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// kill -9 of a whole replica, as a crash of its host would: the
    /// supervisor and both its processes at once.
    func killReplica(_ replica: Int) throws {
        guard replica < controls.count, let process = controls[replica] else { return }
        let children = [try childPID("admin", replica: replica), try childPID("subscribe", replica: replica)].compactMap { $0 }
        kill(process.processIdentifier, SIGKILL)
        for child in children { kill(child, SIGKILL) }
        process.waitUntilExit()
        controls[replica] = nil
    }

    /// Starts (or starts again) the agent of `node` inside its namespace.
    func startAgent(_ node: String, maxContainers: Int64 = 100, extra: [String] = []) throws {
        try startAgent(node, command: ["/usr/sbin/ip", "netns", "exec", node, corral], maxContainers: maxContainers, extra: extra)
    }

    /// An agent on the host's own network (cgroups and the boxes' bridge
    /// need the host's /sys, which `ip netns exec` replaces) with
    /// `--runtime native`: boxes, on `bridge` with addresses from `subnet`.
    func startBoxAgent(_ node: String, bridge: String, subnet: String) throws {
        boxNodes.append(node)
        try startAgent(
            node, command: [corral], maxContainers: 20, extra: ["--runtime", "native", "--bridge", bridge, "--subnet", subnet])
    }

    private func startAgent(_ node: String, command: [String], maxContainers: Int64, extra: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments =
            Array(command.dropFirst()) + [
                "agent", "--config", "/dev/null", "--control", subscribeURLs.joined(separator: ","),
                "--token-file",
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
    func childPID(_ role: String, replica: Int = 0) throws -> Int32? {
        guard replica < controls.count, let control = controls[replica] else { return nil }
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

    func waitForNodes(_ expected: [String], state: NodeState = .ready, replica: Int = 0) async throws {
        let admin = try self.admin(replica: replica)
        defer { Task { await admin.shutdown() } }
        _ = try await poll("nodes \(expected) \(state.rawValue)", seconds: 30) { () -> Bool? in
            let nodes = try? await admin.send(.GET, "/v1/nodes", as: NodeList.self)
            let ready = Set(nodes?.nodes.filter { $0.state == state }.map(\.id) ?? [])
            return Set(expected).isSubset(of: ready) ? true : nil
        }
    }

    /// A client of replica `replica`'s admin API, with that replica's token.
    func admin(replica: Int = 0) throws -> ControlClient {
        let token = try String(contentsOfFile: stateDirectory(replica) + "/admin.token", encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines)
        return ControlClient(baseURL: adminURLs[replica], token: token)
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
        for case let control? in controls where control.isRunning {
            control.terminate()
            control.waitUntilExit()
        }
        if let store { PostgresDatabase.drop(store) }
        _ = try? await withDocker { docker in
            for node in nodes {
                for container in try await docker.listContainers(all: true, filters: ContainerFilters.label("corral.node", node)) {
                    try? await docker.removeContainer(container.id, force: true)
                }
            }
        }
        let boxes = BoxHost()
        for box in await boxes.list() where boxNodes.contains(box.config.labels["corral.node"] ?? "") {
            _ = try? await boxes.remove(box.id, force: true)
        }
        for node in nodes { _ = try? runCommand("/usr/sbin/ip", ["netns", "del", node]) }
        _ = try? runCommand("/usr/sbin/ip", ["link", "del", bridge])
        try? FileManager.default.removeItem(atPath: directory)
    }
}

struct ClusterError: Error, CustomStringConvertible {
    let description: String
}
