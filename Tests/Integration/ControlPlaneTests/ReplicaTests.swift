import ControlAPI
import ControlClient
import CorralTestSupport
import Foundation
import Testing

/// Two `corral control` replicas on one PostgreSQL database (the tests'
/// server, scripts/tests/with-postgres.sh), two agents in their own network
/// namespaces given both replicas' URLs, the first's first. In the control
/// plane's suite, so they run one at a time with its other tests.
extension ControlPlaneTests {
    @Test(
        "two replicas are one service: created through B, answered by A (REST and JSON-RPC); agents connected to A run B's work; the first replica's tokens are both's"
    )
    func replicasAreOneService() async throws {
        try await Cluster.with(replicas: 2) { cluster in
            for token in ["admin.token", "agent.token"] {
                let tokens = try (0..<2).map {
                    try String(contentsOfFile: cluster.stateDirectory($0) + "/" + token, encoding: .utf8)
                }
                #expect(tokens[0] == tokens[1], "\(token) is the same on both replicas")
            }
            let replicaA = try cluster.admin(replica: 0)
            let replicaB = try cluster.admin(replica: 1)
            defer { Task { await replicaA.shutdown() } }
            defer { Task { await replicaB.shutdown() } }
            var jobs: [String] = []
            for _ in 0..<6 {
                jobs.append(
                    try await replicaB.send(.POST, "/v1/containers", body: ContainerSpec(image: "corral/low-idle"), as: JobAccepted.self)
                        .jobID)
            }
            // The agents talk to A (first in their lists, and up): B's jobs
            // reach them through the store, and A answers for them.
            try await waitForJobs(replicaA, jobs, cluster)
            let status = try await rpc(replicaA, "ContainerService.Status", .array([.object(["job_id": .string(jobs[0])])]))
            #expect(status["result"]?["status"] == .string("succeeded"), "the 002 scenario: create on one port, status on the other")
            let placed = try await cluster.dockerContainers()
            #expect(placed.mapValues(\.count) == [cluster.nodes[0]: 3, cluster.nodes[1]: 3], "spread across both agents, once each")
            let listedA = try await replicaA.send(.GET, "/v1/containers", as: ContainerList.self).containers
            let listedB = try await replicaB.send(.GET, "/v1/containers", as: ContainerList.self).containers
            #expect(listedA == listedB && listedA.count == 6 && listedA.allSatisfy { $0.actual == .running })
            let nodesB = try await replicaB.send(.GET, "/v1/nodes", as: NodeList.self).nodes
            #expect(Set(nodesB.filter { $0.state == .ready }.map(\.id)) == Set(cluster.nodes))
        }
    }

    @Test(
        "kill -9 of the replica running the singletons and serving the agents: the other takes both over; a node killed after that is marked down and its untaken creates run elsewhere"
    )
    func singletonFailover() async throws {
        try await Cluster.with(ttl: 4, heartbeat: 0.5, replicas: 2) { cluster in
            guard let store = cluster.store else { throw ClusterError(description: "replicas without a shared store") }
            // Which replica's subscribe holds the sweeper lease (host:pid:n).
            func holder() async throws -> Int? {
                let value = try PostgresDatabase.value(store, "SELECT holder FROM leases WHERE name = 'sweeper'")
                let parts = value.split(separator: ":")
                guard parts.count == 3, let pid = Int32(parts[1]) else { return nil }
                return try (0..<2).first { try cluster.childPID("subscribe", replica: $0) == pid }
            }
            let first = try await poll("a replica holding the sweeper lease", seconds: 30) { try await holder() }
            #expect(first == 0, "the first replica, the agents' first URL, runs the singletons")
            let survivor = 1 - first
            let admin = try cluster.admin(replica: survivor)
            defer { Task { await admin.shutdown() } }

            try cluster.killReplica(first)
            let killed = Date()
            _ = try await poll("replica \(survivor) running the singletons", seconds: 60) { () -> Bool? in
                try await holder() == survivor ? true : nil
            }
            let acquired = try PostgresDatabase.value(store, "SELECT acquired_at_ms FROM leases WHERE name = 'sweeper'")
            // Not a timing assertion (shared machine): make bench measures
            // the takeover against its aim; this prints what it saw.
            print(
                "sweeper taken over \(String(format: "%.2f", (Double(acquired) ?? 0) / 1000 - killed.timeIntervalSince1970)) s after the kill -9 (node TTL \(cluster.ttl) s)"
            )

            // The agents lost the replica they were connected to: from here
            // on, what reaches them comes through the other.
            let (dead, alive) = (cluster.nodes[0], cluster.nodes[1])
            cluster.killAgent(dead)
            // Until the TTL runs out the dead node still looks ready, so
            // spread gives it half of these: orders it will never take.
            var jobs: [String] = []
            for _ in 0..<4 {
                jobs.append(
                    try await admin.send(.POST, "/v1/containers", body: ContainerSpec(image: "corral/low-idle"), as: JobAccepted.self).jobID
                )
            }
            let strandedOnDead = try await poll("creates placed on the dead node", seconds: 30) { () -> [String]? in
                var stranded: [String] = []
                for job in jobs {
                    let record = try await admin.send(.GET, "/v1/jobs/\(job)", as: Job.self)
                    if record.node == dead && record.state == .scheduled { stranded.append(job) }
                }
                return stranded.isEmpty ? nil : stranded
            }
            try await cluster.waitForNodes([dead], state: .down, replica: survivor)
            try await waitForJobs(admin, jobs, cluster)
            for job in strandedOnDead {
                let record = try await admin.send(.GET, "/v1/jobs/\(job)", as: Job.self)
                #expect(record.node == alive && record.state == .succeeded, "rescheduled from \(dead) to \(alive): \(record)")
            }
            let inDocker = try await cluster.dockerContainers()
            #expect(inDocker[alive]?.count == 4 && inDocker[dead]?.isEmpty == true, "all four run on the live node, none on the dead")
        }
    }
}
