import ControlAPI
import ControlClient
import CorralTestSupport
import Foundation
import NIOHTTP1
import Testing

/// The control plane as its users meet it: `corral control`, two `corral
/// agent`s in their own network namespaces, the host's dockerd, clients over
/// REST and JSON-RPC.
@Suite("The control plane with two agents", .serialized)
struct ControlPlaneTests {
    @Test("20 creates spread 10 and 10; REST and JSON-RPC list, stop and delete the same containers; every job ends right")
    func spreadListStopDelete() async throws {
        try await Cluster.with { cluster in
            let admin = try cluster.admin()
            defer { Task { await admin.shutdown() } }
            var jobs: [JobAccepted] = []
            for index in 0..<20 {
                if index.isMultiple(of: 2) {
                    jobs.append(
                        try await admin.send(.POST, "/v1/containers", body: ContainerSpec(image: "corral/low-idle"), as: JobAccepted.self))
                } else {
                    let answer = try await rpc(admin, "ContainerService.Create", .array([.object(["image": .string("corral/low-idle")])]))
                    guard case .string(let job)? = answer["result"]?["job_id"] else {
                        throw ClusterError(description: "no job id: \(answer)")
                    }
                    let record = try await admin.send(.GET, "/v1/jobs/\(job)", as: Job.self)
                    jobs.append(JobAccepted(jobID: job, containerID: record.containerID, state: .received))
                }
            }
            try await waitForJobs(admin, jobs.map(\.jobID), cluster)
            let placed = try await cluster.dockerContainers()
            #expect(placed.mapValues(\.count) == [cluster.nodes[0]: 10, cluster.nodes[1]: 10], "spread: 10 and 10 in Docker")
            #expect(placed.values.joined().allSatisfy { $0.state == "running" })

            // REST and JSON-RPC list the same containers, each running where Docker runs it.
            let rest = try await admin.send(.GET, "/v1/containers", as: ContainerList.self).containers
            let listed = try await rpc(admin, "ContainerService.List", .object([:]))
            let viaRPC = try listed["result"].map { try $0.decode(as: ContainerList.self).containers } ?? []
            #expect(rest == viaRPC)
            #expect(rest.count == 20 && rest.allSatisfy { $0.actual == .running })
            for record in rest {
                let inDocker = placed[record.node ?? ""]?.filter { $0.labels["corral.container"] == record.id } ?? []
                #expect(inDocker.count == 1, "container \(record.id) once in Docker, on its node")
            }
            let filtered = try await admin.send(.GET, "/v1/containers?node=\(cluster.nodes[0])&state=running", as: ContainerList.self)
            #expect(filtered.containers.count == 10)

            // Stop one through each API: both stopped, in the API and in Docker.
            let stopREST = try await admin.send(.POST, "/v1/containers/\(rest[0].id)/stop", as: JobAccepted.self)
            let stopRPC = try await rpc(admin, "ContainerService.Stop", .array([.object(["container_id": .string(rest[1].id)])]))
            guard case .string(let stopRPCJob)? = stopRPC["result"]?["job_id"] else { throw ClusterError(description: "\(stopRPC)") }
            try await waitForJobs(admin, [stopREST.jobID, stopRPCJob], cluster)
            for record in rest.prefix(2) {
                #expect(try await admin.send(.GET, "/v1/containers/\(record.id)", as: ContainerRecord.self).actual == .stopped)
            }
            let afterStop = try await cluster.dockerContainers().values.joined()
            #expect(afterStop.filter { $0.state != "running" }.count == 2)

            // Delete them all, half through each API: nothing left in Docker.
            var deletes: [String] = []
            for (index, record) in rest.enumerated() {
                if index.isMultiple(of: 2) {
                    deletes.append(try await admin.send(.DELETE, "/v1/containers/\(record.id)", as: JobAccepted.self).jobID)
                } else {
                    let answer = try await rpc(admin, "ContainerService.Delete", .object(["container_id": .string(record.id)]))
                    guard case .string(let job)? = answer["result"]?["job_id"] else { throw ClusterError(description: "\(answer)") }
                    deletes.append(job)
                }
            }
            try await waitForJobs(admin, deletes, cluster)
            #expect(try await cluster.dockerContainers().values.joined().isEmpty)
            #expect(try await admin.send(.GET, "/v1/containers", as: ContainerList.self).containers.isEmpty)
            let status = try await rpc(admin, "ContainerService.Status", .array([.object(["job_id": .string(deletes[0])])]))
            #expect(status["result"] == .object(["status": .string("succeeded"), "job_id": .string(deletes[0])]))
        }
    }

    @Test("binpack fills one node before the other")
    func binpack() async throws {
        try await Cluster.with(maxContainers: 15) { cluster in
            let admin = try cluster.admin()
            defer { Task { await admin.shutdown() } }
            var jobs: [String] = []
            for _ in 0..<20 {
                jobs.append(
                    try await admin.send(
                        .POST, "/v1/containers", body: ContainerSpec(image: "corral/low-idle", strategy: "binpack"), as: JobAccepted.self
                    ).jobID)
            }
            try await waitForJobs(admin, jobs, cluster)
            let placed = try await cluster.dockerContainers().mapValues(\.count)
            #expect(placed == [cluster.nodes[0]: 15, cluster.nodes[1]: 5], "the lowest id filled first")
        }
    }

    @Test(
        "kill -9 of an agent: its node is down within the TTL and a heartbeat, its containers lost, new work goes to the other; back, it reconciles with nothing lost or doubled"
    )
    func agentDies() async throws {
        try await Cluster.with { cluster in
            let admin = try cluster.admin()
            defer { Task { await admin.shutdown() } }
            let (a, b) = (cluster.nodes[0], cluster.nodes[1])
            var jobs: [String] = []
            for _ in 0..<4 {
                jobs.append(
                    try await admin.send(.POST, "/v1/containers", body: ContainerSpec(image: "corral/low-idle"), as: JobAccepted.self).jobID
                )
            }
            try await waitForJobs(admin, jobs, cluster)
            let onA = try await admin.send(.GET, "/v1/containers?node=\(a)", as: ContainerList.self).containers
            #expect(onA.count == 2)

            cluster.killAgent(a)
            let killed = Date()
            try await cluster.waitForNodes([a], state: .down)
            let detection = Date().timeIntervalSince(killed)
            // Not a timing assertion (the machine is shared): the bench
            // measures it; this only says the node was marked down at all,
            // and prints how long it took.
            print(
                "node down detected after \(String(format: "%.2f", detection)) s (TTL \(cluster.ttl) s, heartbeat \(cluster.heartbeat) s)")
            for record in onA {
                #expect(try await admin.send(.GET, "/v1/containers/\(record.id)", as: ContainerRecord.self).actual == .lost)
            }
            var more: [String] = []
            for _ in 0..<3 {
                more.append(
                    try await admin.send(.POST, "/v1/containers", body: ContainerSpec(image: "corral/low-idle"), as: JobAccepted.self).jobID
                )
            }
            try await waitForJobs(admin, more, cluster)
            for job in more { #expect(try await admin.send(.GET, "/v1/jobs/\(job)", as: Job.self).node == b) }

            try cluster.startAgent(a)
            try await cluster.waitForNodes([a])
            _ = try await poll("a's containers running again", seconds: 30) { () -> Bool? in
                let states = try await admin.send(.GET, "/v1/containers?node=\(a)", as: ContainerList.self).containers.map(\.actual)
                return states.count == 2 && states.allSatisfy { $0 == .running } ? true : nil
            }
            let inDocker = try await cluster.dockerContainers()
            #expect(inDocker[a]?.count == 2, "no container of a lost or doubled")
            #expect(inDocker[b]?.count == 5)
            let ids = inDocker.values.joined().compactMap { $0.labels["corral.container"] }
            #expect(Set(ids).count == ids.count, "every service container once in Docker")
        }
    }

    @Test("kill -9 of admin during a burst of 100 creates: every create that got its 202 exists and runs, and admin comes back")
    func adminDies() async throws {
        try await Cluster.with { cluster in
            let admin = try cluster.admin()
            defer { Task { await admin.shutdown() } }
            let adminPID = try #require(try cluster.childPID("admin"))
            let accepted = Accepted()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        for index in 0..<25 {
                            if worker == 0 && index == 8 { kill(adminPID, SIGKILL) }
                            // As a careful client does: a create that got no
                            // answer is sent again with the same key until it does.
                            let key = "burst-\(worker)-\(index)"
                            let deadline = Date().addingTimeInterval(60)
                            while Date() < deadline {
                                if let job = try? await admin.send(
                                    .POST, "/v1/containers", body: ContainerSpec(image: "corral/low-idle"),
                                    headers: [("Idempotency-Key", key)],
                                    timeout: .seconds(5), as: JobAccepted.self)
                                {
                                    await accepted.add(job.jobID)
                                    break
                                }
                                await accepted.retried()
                                try await Task.sleep(for: .milliseconds(100))
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let jobs = await accepted.jobs
            print("100 creates answered 202, \(await accepted.retries) sends retried while admin was down")
            #expect(jobs.count == 100)
            #expect(Set(jobs).count == 100, "each key its own job")
            #expect(await accepted.retries > 0, "admin was down during the burst")
            // The supervisor started admin again: it answers, with a new pid.
            _ = try await poll("admin back", seconds: 30) { () -> Bool? in
                (try? await admin.send(.GET, "/v1/nodes", as: NodeList.self)) != nil ? true : nil
            }
            #expect(try cluster.childPID("admin") != adminPID)
            try await waitForJobs(admin, jobs, cluster, seconds: 240)
            let byJob = Set(try await jobsContainers(admin, jobs))
            // What the control plane says of a container follows its agent's
            // reports: a node the sweep found late under load (down, then back
            // and reconciled) shows its containers running again a moment later.
            let running = try? await poll("every 202'd create's container running", seconds: 60, every: 0.5) { () -> Set<String>? in
                let containers = try await admin.send(.GET, "/v1/containers", as: ContainerList.self).containers
                let running = Set(containers.filter { $0.actual == .running }.map(\.id))
                return byJob.isSubset(of: running) ? running : nil
            }
            let containers = try await admin.send(.GET, "/v1/containers", as: ContainerList.self).containers
            #expect(
                running != nil,
                "every 202'd create runs: not running \(byJob.subtracting(containers.filter { $0.actual == .running }.map(\.id)).sorted()), states \(containers.filter { byJob.contains($0.id) && $0.actual != .running }.map { "\($0.id) \($0.actual)" })"
            )
            let inDocker = try await cluster.dockerContainers().values.joined().filter { $0.state == "running" }
            let dockerIDs = inDocker.compactMap { $0.labels["corral.container"] }
            #expect(byJob.isSubset(of: Set(dockerIDs)), "and Docker runs it")
            #expect(dockerIDs.count == 100 && Set(dockerIDs).count == 100, "no create lost or doubled by the retries")
        }
    }

    @Test("no token is 401; an agent reporting another node's container is 403 and changes nothing")
    func authorization() async throws {
        try await Cluster.with { cluster in
            let admin = try cluster.admin()
            defer { Task { await admin.shutdown() } }
            let anonymous = ControlClient(baseURL: cluster.adminURL, token: "")
            defer { Task { await anonymous.shutdown() } }
            do {
                _ = try await anonymous.send(.GET, "/v1/nodes", as: NodeList.self)
                Issue.record("answered without a token")
            } catch let error as ControlClientError {
                #expect(error.status == 401)
            }

            let job = try await admin.send(.POST, "/v1/containers", body: ContainerSpec(image: "corral/low-idle"), as: JobAccepted.self)
            try await waitForJobs(admin, [job.jobID], cluster)
            let record = try await admin.send(.GET, "/v1/containers/\(job.containerID)", as: ContainerRecord.self)
            let owner = try #require(record.node)
            let other = try #require(cluster.nodes.first { $0 != owner })
            // The other node's agent, with its own secret, over the bridge.
            let impostor = ControlClient(baseURL: cluster.subscribeURL, token: try cluster.agentToken())
            defer { Task { await impostor.shutdown() } }
            do {
                try await impostor.send(
                    .POST, "/v1/agent/nodes/\(other)/reports",
                    body: AgentReport(containers: [ContainerStatus(containerID: record.id, actual: .exited, exitCode: 1)]),
                    headers: [("Corral-Node-Secret", try cluster.nodeSecret(other))])
                Issue.record("a report of another node's container was taken")
            } catch let error as ControlClientError {
                #expect(error.status == 403)
                #expect(error.description.contains("is not node \(other)'s"))
            }
            #expect(try await admin.send(.GET, "/v1/containers/\(record.id)", as: ContainerRecord.self).actual == .running)
        }
    }
}

extension ControlPlaneTests {
    @Test("corral ctl: create --wait, ls, nodes ls and drain, stop and rm, as an operator types them")
    func ctl() async throws {
        try await Cluster.with { cluster in
            let created = try cluster.ctl(["containers", "create", "corral/low-idle", "--name", "ctl-web", "--label", "app=web", "--wait"])
            #expect(created.status == 0, "\(created.stderr)")
            #expect(created.stdout.contains("succeeded on"))
            let listed = try cluster.ctl(["containers", "ls", "--label", "app=web"])
            #expect(listed.lines.count == 2 && listed.stdout.contains("ctl-web") && listed.stdout.contains("running"), "\(listed.stdout)")
            let nodes = try cluster.ctl(["nodes", "ls"])
            #expect(cluster.nodes.allSatisfy { nodes.stdout.contains($0) } && nodes.stdout.contains("ready"))
            let drained = try cluster.ctl(["nodes", "drain", cluster.nodes[0]])
            #expect(drained.stdout == "node \(cluster.nodes[0]) draining\n")
            let second = try cluster.ctl(["containers", "create", "corral/low-idle", "--name", "ctl-two", "--wait", "--json"])
            let job = try JSONDecoder().decode(Job.self, from: Data(second.stdout.utf8))
            #expect(job.node == cluster.nodes[1], "nothing new on a drained node")
            #expect(try cluster.ctl(["containers", "stop", "ctl-web", "--wait"]).status == 0)
            #expect(try cluster.ctl(["containers", "get", "ctl-web"]).stdout.contains(#""actual" : "stopped""#))
            for name in ["ctl-web", "ctl-two"] { #expect(try cluster.ctl(["containers", "rm", name, "--wait"]).status == 0) }
            #expect(try await cluster.dockerContainers().values.joined().isEmpty)
            let missing = try cluster.ctl(["containers", "rm", "nope"])
            #expect(missing.status == 1 && missing.stderr.contains("no container nope"))
            let unreachable = try runCommand(
                cluster.corral,
                ["ctl", "--url", "http://127.0.0.1:1", "--token-file", cluster.directory + "/control/admin.token", "nodes", "ls"])
            #expect(unreachable.status == 69 && unreachable.stderr.contains("is corral control running"))
        }
    }

    @Test("kill -9 of subscribe: the supervisor brings it back, agents reconnect, work goes on")
    func subscribeDies() async throws {
        try await Cluster.with { cluster in
            let admin = try cluster.admin()
            defer { Task { await admin.shutdown() } }
            let pid = try #require(try cluster.childPID("subscribe"))
            kill(pid, SIGKILL)
            _ = try await poll("subscribe back", seconds: 30) { try cluster.childPID("subscribe").flatMap { $0 != pid ? true : nil } }
            var jobs: [String] = []
            for _ in 0..<4 {
                jobs.append(
                    try await admin.send(.POST, "/v1/containers", body: ContainerSpec(image: "corral/low-idle"), as: JobAccepted.self).jobID
                )
            }
            try await waitForJobs(admin, jobs, cluster)
            try await cluster.waitForNodes(cluster.nodes)
            #expect(try await cluster.dockerContainers().values.joined().count == 4)
        }
    }

    @Test("an agent with --enforce keeps its node's service containers in the policy's mix, and the service sees the ones it removed")
    func agentEnforces() async throws {
        let policy = """
            interval_seconds = 2
            high = 0
            low = 2
            scale_up = false
            metrics_port = 0
            generator = "none"
            [collector]
            enabled = false
            """
        try await Cluster.with(
            agentArguments: ["--enforce", "--config", "@DIR@/enforce.toml"],
            prepare: { try policy.write(toFile: $0 + "/enforce.toml", atomically: true, encoding: .utf8) },
            body: { cluster in
                let admin = try cluster.admin()
                defer { Task { await admin.shutdown() } }
                let a = cluster.nodes[0]
                var jobs: [String] = []
                for _ in 0..<5 {
                    jobs.append(
                        try await admin.send(
                            .POST, "/v1/containers",
                            body: ContainerSpec(
                                image: "corral/low-idle", labels: ["corral.class": "low"], nodeLabels: [:], strategy: "binpack"),
                            as: JobAccepted.self
                        ).jobID)
                }
                try await waitForJobs(admin, jobs, cluster)
                // Five low on one node, two kept: the enforcer in the agent removes three.
                _ = try await poll("the mix on \(a)", seconds: 60) { () -> Bool? in
                    let running = try await cluster.dockerContainers()[a]?.filter { $0.state == "running" }.count ?? 0
                    return running == 2 ? true : nil
                }
                _ = try await poll("the service sees three gone", seconds: 30) { () -> Bool? in
                    let records = try await admin.send(.GET, "/v1/containers?node=\(a)", as: ContainerList.self).containers
                    return records.count(where: { $0.actual == .exited }) == 3 && records.count(where: { $0.actual == .running }) == 2
                        ? true : nil
                }
            })
    }
}

private actor Accepted {
    var jobs: [String] = []
    var retries = 0
    func add(_ job: String) { jobs.append(job) }
    func retried() { retries += 1 }
}

/// A JSON-RPC 2.0 call on the admin listener.
func rpc(_ admin: ControlClient, _ method: String, _ params: JSONValue) async throws -> JSONValue {
    try await admin.send(
        .POST, "/jrpc", body: JSONValue.object(["jsonrpc": .string("2.0"), "method": .string(method), "params": params, "id": .int(1)]),
        as: JSONValue.self)
}

/// Waits until every job succeeded; a failed one fails the test with its reason.
func waitForJobs(_ admin: ControlClient, _ jobs: [String], _ cluster: Cluster, seconds: Double = 90) async throws {
    do {
        _ = try await poll("\(jobs.count) jobs succeeded", seconds: seconds, every: 0.2) { () -> Bool? in
            for job in jobs {
                let record = try await admin.send(.GET, "/v1/jobs/\(job)", as: Job.self)
                if record.state == .failed { throw ClusterError(description: "job \(job) failed: \(record.reason ?? "")") }
                if record.state != .succeeded { return nil }
            }
            return true
        }
    } catch {
        print(cluster.logs())
        throw error
    }
}

private func jobsContainers(_ admin: ControlClient, _ jobs: [String]) async throws -> [String] {
    var containers: [String] = []
    for job in jobs { containers.append(try await admin.send(.GET, "/v1/jobs/\(job)", as: Job.self).containerID) }
    return containers
}
