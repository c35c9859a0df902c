import ControlAPI
import ControlClient
import CorralCore
import DockerEngine
import Foundation

/// The control plane's rows: how fast a create is "received", how fast it
/// runs against `docker run -d` of the same image, how soon a killed agent's
/// node is down, and how many placements the scheduler makes a second.
struct ControlBench {
    let docker: DockerClient
    let corral: String
    let creates: Int
    let runs: Int

    func run() async throws -> [BenchRow] {
        var rows: [BenchRow] = []
        rows += try await received()
        rows += try await running()
        rows.append(try await nodeDown())
        rows.append(placements())
        return rows
    }

    /// A control plane of its own in a temporary directory, on loopback.
    private func withControl<T>(ttl: Double = 5, heartbeat: Double = 1, _ body: (ControlClient, String, String) async throws -> T)
        async throws -> T
    {
        let control = try await ControlProcess(corral: corral, ttl: ttl, heartbeat: heartbeat)
        defer { control.stop() }
        return try await body(try control.client(), control.subscribeURL, control.directory)
    }

    private func startAgent(_ subscribe: String, _ directory: String, node: String) throws -> Process {
        let agent = Process()
        agent.executableURL = URL(fileURLWithPath: corral)
        agent.arguments = [
            "agent", "--config", "/dev/null", "--control", subscribe, "--token-file", directory + "/agent.token", "--node-id", node,
            "--state",
            directory + "/agent-\(node)",
        ]
        agent.standardOutput = FileHandle.nullDevice
        agent.standardError = FileHandle.nullDevice
        try agent.run()
        return agent
    }

    private func waitForNode(_ admin: ControlClient, _ node: String, _ state: NodeState, seconds: Double = 60) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let nodes = try await admin.send(.GET, "/v1/nodes", as: NodeList.self).nodes
            if nodes.contains(where: { $0.id == node && $0.state == state }) { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw BenchError("node \(node) not \(state.rawValue) within \(seconds) s")
    }

    /// create -> 202 over `creates` creates, one after another.
    private func received() async throws -> [BenchRow] {
        progress("control: \(creates) creates against a fresh control plane")
        let latencies = try await withControl { admin, _, _ in
            var latencies: [Double] = []
            for _ in 0..<creates {
                let start = ContinuousClock.now
                _ = try await admin.send(.POST, "/v1/containers", body: ContainerSpec(image: "corral/low-idle"), as: JobAccepted.self)
                latencies.append(milliseconds(ContinuousClock.now - start))
            }
            return latencies.sorted()
        }
        let p50 = percentile(latencies, 0.50)
        let p99 = percentile(latencies, 0.99)
        return [
            BenchRow(
                name: "control: create -> 202, p50 of \(creates)", corral: p50, baseline: 20, baselineName: "the aim for p99: 20 ms",
                aim: nil,
                unit: "ms"),
            BenchRow(
                name: "control: create -> 202, p99 of \(creates)", corral: p99, baseline: 20,
                baselineName: "the aim: 20 ms (stored, fsynced)",
                aim: 1, unit: "ms"),
        ]
    }

    /// create -> running through the service against `docker run -d`.
    private func running() async throws -> [BenchRow] {
        let label = "corral.bench=control-\(UUID().uuidString.prefix(8).lowercased())"
        progress("control: \(runs) containers through the service, \(runs) with docker run -d")
        let service = try await withControl { admin, subscribe, directory in
            let agent = try startAgent(subscribe, directory, node: "bench")
            defer {
                agent.terminate()
                agent.waitUntilExit()
            }
            try await waitForNode(admin, "bench", .ready)
            var times: [Double] = []
            var ids: [String] = []
            for _ in 0..<runs {
                let start = ContinuousClock.now
                let job = try await admin.send(.POST, "/v1/containers", body: ContainerSpec(image: "corral/low-idle"), as: JobAccepted.self)
                ids.append(job.containerID)
                while true {
                    let record = try await admin.send(.GET, "/v1/containers/\(job.containerID)", as: ContainerRecord.self)
                    if record.actual == .running { break }
                    try await Task.sleep(for: .milliseconds(5))
                }
                times.append(milliseconds(ContinuousClock.now - start))
            }
            for id in ids { _ = try? await admin.send(.DELETE, "/v1/containers/\(id)", as: JobAccepted.self) }
            let cleanupDeadline = Date().addingTimeInterval(60)
            while Date() < cleanupDeadline, !(try await admin.send(.GET, "/v1/containers", as: ContainerList.self).containers.isEmpty) {
                try await Task.sleep(for: .milliseconds(100))
            }
            return times
        }
        var dockerTimes: [Double] = []
        for _ in 0..<runs {
            let start = ContinuousClock.now
            let result = try runQuietly("/usr/bin/docker", ["run", "-d", "--network", "none", "--label", label, "corral/low-idle"])
            guard result == 0 else { throw BenchError("docker run -d failed (\(result))") }
            dockerTimes.append(milliseconds(ContinuousClock.now - start))
        }
        for container in try await docker.listContainers(
            all: true, filters: .label("corral.bench", String(label.dropFirst("corral.bench=".count))))
        {
            try? await docker.removeContainer(container.id, force: true)
        }
        return [
            BenchRow(
                name: "control: create -> running, p50 of \(runs)", corral: median(service), baseline: median(dockerTimes),
                baselineName: "docker run -d, same image (aim: within 1.5x)", aim: 1 / 1.5, unit: "ms")
        ]
    }

    /// kill -9 of an agent until its node shows down, at the default TTL.
    private func nodeDown() async throws -> BenchRow {
        progress("control: an agent killed with SIGKILL, until its node is down (TTL 5 s, heartbeat 1 s)")
        let seconds = try await withControl { admin, subscribe, directory in
            let agent = try startAgent(subscribe, directory, node: "doomed")
            try await waitForNode(admin, "doomed", .ready)
            try await Task.sleep(for: .seconds(2))
            kill(agent.processIdentifier, SIGKILL)
            agent.waitUntilExit()
            let killed = ContinuousClock.now
            try await waitForNode(admin, "doomed", .down)
            return milliseconds(ContinuousClock.now - killed) / 1000
        }
        return BenchRow(
            name: "control: node down after kill -9", corral: seconds, baseline: 15,
            baselineName: "Docker Swarm's ~15 s (documented, not run here); aim 5 s", aim: 3, unit: "s")
    }

    /// Placements a second over 1,000 simulated nodes, as time per placement.
    private func placements() -> BenchRow {
        progress("control: scheduler placements over 1,000 nodes")
        var nodes: [SchedulableNode] = []
        for index in 0..<1000 {
            nodes.append(
                SchedulableNode(
                    id: String(format: "node-%04d", index), runtime: "docker", labels: ["zone": index.isMultiple(of: 2) ? "a" : "b"],
                    capacity: Resources(millicpus: 16_000, memoryBytes: 64 << 30, containers: 500),
                    allocated: Resources(
                        millicpus: Int64(index % 7) * 1000, memoryBytes: Int64(index % 5) << 30, containers: Int64(index % 50))))
        }
        let requests = (0..<20_000).map { index in
            PlacementRequest(
                millicpus: 250, memoryBytes: 256 << 20, nodeLabels: index.isMultiple(of: 3) ? ["zone": "a"] : [:],
                strategy: index.isMultiple(of: 2) ? .spread : .binpack)
        }
        let start = ContinuousClock.now
        let placed = Scheduler.placeAll(requests, on: nodes)
        let elapsed = milliseconds(ContinuousClock.now - start) * 1000
        precondition(placed.count == requests.count)
        let perPlacement = elapsed / Double(requests.count)
        return BenchRow(
            name: "scheduler: one placement, 1,000 nodes (\(Int(1_000_000 / perPlacement))/s)", corral: perPlacement, baseline: 100,
            baselineName: "the aim: 10,000 placements/s", aim: 1, unit: "us")
    }
}
