import ControlAPI
import ControlStore
import CorralCore
import CorralTestSupport
import Foundation
import Logging
import Testing

@Suite("The control store")
struct ControlStoreTests {
    @Test(
        "a create is stored as a received job and a pending container, and answers only after the commit", arguments: StoreBackend.available
    )
    func createIsReceived(_ backend: StoreBackend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let store = fixture.store
            let accepted = try #require(try await fixture.create(1).first)
            #expect(accepted.state == .received)
            let job = try #require(try await store.job(accepted.jobID))
            #expect(job.state == .received && job.kind == .create && job.containerID == accepted.containerID)
            let container = try #require(try await store.container(accepted.containerID))
            #expect(container.desired == .running && container.actual == .pending && container.node == nil)
            // Another connection (another process) sees it at once.
            let other = try await fixture.another()
            #expect(try await other.job(accepted.jobID)?.state == .received)
            await other.close()
        }
    }

    @Test("the same idempotency key and body give the same job; another body is a conflict", arguments: StoreBackend.available)
    func idempotency(_ backend: StoreBackend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let spec = ContainerSpec(image: "corral/low-idle", env: ["A": "1"])
            let first = try await fixture.store.submitCreate(spec, idempotencyKey: "k1", queueLimit: 10, now: 0, ids: fixture.ids)
            let again = try await fixture.store.submitCreate(spec, idempotencyKey: "k1", queueLimit: 10, now: 5, ids: fixture.ids)
            guard case .accepted(let one, false) = first, case .accepted(let two, true) = again else {
                Issue.record("expected a job and its replay: \(first), \(again)")
                return
            }
            #expect(one.jobID == two.jobID && one.containerID == two.containerID)
            var other = spec
            other.env = ["A": "2"]
            #expect(
                try await fixture.store.submitCreate(other, idempotencyKey: "k1", queueLimit: 10, now: 6, ids: fixture.ids)
                    == .idempotencyConflict(key: "k1"))
            #expect(try await fixture.store.containers().count == 1)
        }
    }

    @Test("a full queue refuses creates with a retry hint, and stores nothing", arguments: StoreBackend.available)
    func queueFull(_ backend: StoreBackend) async throws {
        try await StoreFixture.with(backend) { fixture in
            for _ in 0..<3 {
                _ = try await fixture.store.submitCreate(
                    ContainerSpec(image: "x"), idempotencyKey: nil, queueLimit: 3, now: 0, ids: fixture.ids)
            }
            let refused = try await fixture.store.submitCreate(
                ContainerSpec(image: "x"), idempotencyKey: nil, queueLimit: 3, now: 0, ids: fixture.ids)
            #expect(refused == .queueFull(waiting: 3, retryAfterSeconds: 1))
            #expect(try await fixture.store.containers().count == 3)
        }
    }

    @Test("names are unique", arguments: StoreBackend.available)
    func names(_ backend: StoreBackend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let spec = ContainerSpec(image: "x", name: "web")
            _ = try await fixture.store.submitCreate(spec, idempotencyKey: nil, queueLimit: 10, now: 0, ids: fixture.ids)
            #expect(
                try await fixture.store.submitCreate(spec, idempotencyKey: nil, queueLimit: 10, now: 0, ids: fixture.ids)
                    == .nameTaken("web"))
        }
    }

    @Test("scheduling spreads 20 creates 10 and 10, or binpacks them onto one node first")
    func scheduling() async throws {
        for (strategy, expected) in [(PlacementStrategy.spread, [10, 10]), (.binpack, [15, 5])] {
            let fixture = try await StoreFixture.make()
            try await fixture.register("a", containers: 15)
            try await fixture.register("b", containers: 15)
            _ = try await fixture.create(20, strategy: strategy.rawValue)
            let events = try await fixture.schedule()
            #expect(events.count == 20)
            let nodes = try await fixture.store.nodes()
            #expect(nodes.map(\.allocated.containers) == expected.map(Int64.init), "\(strategy)")
            #expect(try await fixture.orders("a").count == expected[0])
            await fixture.close()
        }
    }

    @Test(
        "a container on the bridge goes only to a node with boxes (runtime native), and keeps the address its agent reported",
        arguments: StoreBackend.available)
    func bridgePlacementAndAddress(_ backend: StoreBackend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let store = fixture.store
            try await fixture.register("docker-node")
            try await fixture.register("box-node", runtime: "native")
            let specs = [
                ContainerSpec(image: "web", ports: [PublishedPort(hostPort: 8080, containerPort: 80)]),
                ContainerSpec(image: "web", network: "bridge"),
                ContainerSpec(
                    image: "web", runtime: "native", network: "bridge", ports: [PublishedPort(hostPort: 2222, containerPort: 22)]),
            ]
            var jobs: [JobAccepted] = []
            for spec in specs {
                guard
                    case .accepted(let job, _) = try await store.submitCreate(
                        spec, idempotencyKey: nil, queueLimit: 10, now: 0, ids: fixture.ids)
                else { throw FixtureError(description: "create refused") }
                jobs.append(job)
            }
            _ = try await fixture.schedule()
            #expect(try await fixture.orders("box-node").count == 3)
            #expect(try await fixture.orders("docker-node").isEmpty)
            let first = try #require(jobs.first)
            #expect(try await store.container(first.containerID)?.spec.ports == specs[0].ports, "the ports are kept with the spec")

            _ = try await store.report(
                node: "box-node", secret: fixture.secret("box-node"),
                AgentReport(containers: [
                    ContainerStatus(containerID: first.containerID, actual: .running, runtimeID: "b1", address: "10.88.0.2")
                ]),
                now: 1)
            #expect(try await store.container(first.containerID)?.address == "10.88.0.2")
            _ = try await store.report(
                node: "box-node", secret: fixture.secret("box-node"),
                AgentReport(containers: [ContainerStatus(containerID: first.containerID, actual: .exited, runtimeID: "b1", exitCode: 0)]),
                now: 2)
            #expect(try await store.container(first.containerID)?.address == "10.88.0.2", "a stopped box keeps its address")
        }
    }

    @Test("a create no node can take waits with the reason, then fails after the timeout", arguments: StoreBackend.available)
    func noPlacement(_ backend: StoreBackend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let job = try #require(try await fixture.create(1).first)
            #expect(
                try await fixture.schedule(now: 10) == [.waiting(job: job.jobID, reason: "waiting for a node: no nodes are registered")])
            #expect(try await fixture.store.job(job.jobID)?.reason == "waiting for a node: no nodes are registered")
            let late = try await fixture.store.schedule(strategy: .spread, placementTimeoutMs: 60_000, now: 60_000)
            #expect(late == [.failed(job: job.jobID, reason: "no node could take it within 60 s: no nodes are registered")])
            #expect(try await fixture.store.job(job.jobID)?.state == .failed)
        }
    }

    @Test(
        "an agent acknowledges, reports, and the job and container follow; stop and delete go to the container's node",
        arguments: StoreBackend.available)
    func lifecycle(_ backend: StoreBackend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let store = fixture.store
            try await fixture.register("a")
            let job = try #require(try await fixture.create(1).first)
            _ = try await fixture.schedule()
            #expect(try await store.job(job.jobID)?.state == .scheduled)
            let orders = try await fixture.orders("a")
            #expect(orders.map(\.jobID) == [job.jobID])
            guard case .ok(1) = try await store.acknowledge(node: "a", secret: fixture.secret("a"), jobs: [job.jobID], now: 1) else {
                Issue.record("ack refused")
                return
            }
            #expect(try await store.job(job.jobID)?.state == .running)
            #expect(try await fixture.orders("a").isEmpty, "an acknowledged order is not delivered again")
            _ = try await store.report(
                node: "a", secret: fixture.secret("a"),
                AgentReport(
                    jobs: [JobOutcome(jobID: job.jobID, succeeded: true)],
                    containers: [ContainerStatus(containerID: job.containerID, actual: .running, runtimeID: "rt1")]), now: 2)
            #expect(try await store.job(job.jobID)?.state == .succeeded)
            #expect(try await store.container(job.containerID)?.actual == .running)

            guard
                case .accepted(let stop, _) = try await store.submit(
                    .stop, container: job.containerID, queueLimit: 10, now: 3, ids: fixture.ids)
            else {
                Issue.record("stop refused")
                return
            }
            #expect(try await fixture.schedule() == [.routed(job: stop.jobID, node: "a")])
            // A stopped container's process exits: reported as exited, it is `stopped`.
            _ = try await store.report(
                node: "a", secret: fixture.secret("a"),
                AgentReport(
                    jobs: [JobOutcome(jobID: stop.jobID, succeeded: true)],
                    containers: [ContainerStatus(containerID: job.containerID, actual: .exited, runtimeID: "rt1", exitCode: 143)]), now: 4)
            #expect(try await store.container(job.containerID)?.actual == .stopped)

            guard
                case .accepted(let delete, _) = try await store.submit(
                    .delete, container: job.containerID, queueLimit: 10, now: 5, ids: fixture.ids)
            else {
                Issue.record("delete refused")
                return
            }
            #expect(
                try await store.submit(.stop, container: job.containerID, queueLimit: 10, now: 5)
                    == .beingDeleted(container: job.containerID))
            _ = try await fixture.schedule()
            _ = try await store.report(
                node: "a", secret: fixture.secret("a"),
                AgentReport(
                    jobs: [JobOutcome(jobID: delete.jobID, succeeded: true)],
                    containers: [ContainerStatus(containerID: job.containerID, actual: .stopped, removed: true)]), now: 6)
            #expect(try await store.container(job.containerID) == nil)
            #expect(try await store.job(delete.jobID)?.state == .succeeded)
        }
    }

    @Test("an agent may not acknowledge or report another node's work: refused whole, nothing kept", arguments: StoreBackend.available)
    func otherNodes(_ backend: StoreBackend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let store = fixture.store
            try await fixture.register("a", containers: 1)
            try await fixture.register("b", containers: 1)
            let jobs = try await fixture.create(2)
            _ = try await fixture.schedule()
            let onA = try #require(try await fixture.orders("a").first)
            let onB = try #require(try await fixture.orders("b").first)
            guard
                case .forbidden(let message) = try await store.acknowledge(
                    node: "a", secret: fixture.secret("a"), jobs: [onA.jobID, onB.jobID], now: 1)
            else {
                Issue.record("b's job acknowledged by a")
                return
            }
            #expect(message == "job \(onB.jobID) is not node a's")
            #expect(try await store.job(onA.jobID)?.state == .scheduled, "nothing of a refused call is kept")
            let report = AgentReport(containers: [
                ContainerStatus(containerID: onA.container.id, actual: .running),
                ContainerStatus(containerID: onB.container.id, actual: .exited),
            ])
            guard case .forbidden = try await store.report(node: "a", secret: fixture.secret("a"), report, now: 2) else {
                Issue.record("b's container reported by a")
                return
            }
            #expect(try await store.container(onA.container.id)?.actual == .pending)
            guard case .wrongSecret = try await store.orders(node: "a", secret: "not-the-secret") else {
                Issue.record("a wrong secret was taken")
                return
            }
            #expect(jobs.count == 2)
        }
    }

    @Test("a drained node keeps its containers and takes no new ones; undrained, it takes work again", arguments: StoreBackend.available)
    func drain(_ backend: StoreBackend) async throws {
        try await StoreFixture.with(backend) { fixture in
            try await fixture.register("a")
            try await fixture.register("b")
            let drained = try await fixture.store.setDraining("a", true, now: 1)
            #expect(drained?.state == .draining)
            _ = try await fixture.create(4)
            _ = try await fixture.schedule()
            #expect(try await fixture.orders("a").isEmpty)
            #expect(try await fixture.orders("b").count == 4)
            #expect(try await fixture.store.setDraining("a", false, now: 2)?.state == .ready)
            _ = try await fixture.create(1)
            _ = try await fixture.schedule()
            #expect(try await fixture.orders("a").count == 1, "spread: the emptier node")
            #expect(try await fixture.store.setDraining("nope", true, now: 3) == nil)
        }
    }

    @Test("a second agent claiming a node's id with another secret is refused", arguments: StoreBackend.available)
    func impostor(_ backend: StoreBackend) async throws {
        try await StoreFixture.with(backend) { fixture in
            try await fixture.register("a")
            let outcome = try await fixture.store.register(
                Registration(node: "a", secret: "someone-else-entirely", runtime: "docker", labels: [:], capacity: .zero, inventory: []),
                now: 1,
                heartbeatSeconds: 1, ttlSeconds: 5)
            guard case .wrongSecret(node: "a") = outcome else {
                Issue.record("impostor registered: \(outcome)")
                return
            }
        }
    }

    @Test(
        "a silent node is down: its containers lost, its untaken creates placed elsewhere; back, it reconciles",
        arguments: StoreBackend.available)
    func nodeDown(_ backend: StoreBackend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let store = fixture.store
            try await fixture.register("a", now: 0)
            try await fixture.register("b", now: 0)
            let jobs = try await fixture.create(4)
            _ = try await fixture.schedule(now: 0)
            let aOrders = try await fixture.orders("a")
            #expect(aOrders.count == 2)
            // a takes one order and runs it; the other it never takes.
            let taken = aOrders[0]
            _ = try await store.acknowledge(node: "a", secret: fixture.secret("a"), jobs: [taken.jobID], now: 100)
            _ = try await store.report(
                node: "a", secret: fixture.secret("a"),
                AgentReport(
                    jobs: [JobOutcome(jobID: taken.jobID, succeeded: true)],
                    containers: [ContainerStatus(containerID: taken.container.id, actual: .running, runtimeID: "rt-a1")]), now: 100)
            // b keeps beating; a falls silent.
            _ = try await store.heartbeat(node: "b", secret: fixture.secret("b"), Heartbeat(running: 0), now: 5_000)
            #expect(try await store.sweep(now: 5_500, ttlMs: 5_000)?.down == ["a"])
            let result = try #require(try await store.sweep(now: 5_600, ttlMs: 5_000))
            #expect(result.down.isEmpty, "marked down once")
            #expect(try await store.nodes().first { $0.id == "a" }?.state == .down)
            #expect(try await store.container(taken.container.id)?.actual == .lost)
            let untaken = aOrders[1]
            #expect(try await store.job(untaken.jobID)?.state == .received)
            _ = try await fixture.schedule(now: 5_700)
            #expect(try await store.job(untaken.jobID)?.node == "b", "placed on the node that is up")
            // a's heartbeat is refused until it registers again.
            guard case .down = try await store.heartbeat(node: "a", secret: fixture.secret("a"), Heartbeat(running: 1), now: 6_000) else {
                Issue.record("a down node's heartbeat was taken")
                return
            }
            // Back, a reports what its runtime has: the lost one is running; a
            // container it made for the untaken order (just before it died) is
            // now b's, so a must remove it.
            let reply = try await fixture.register(
                "a",
                inventory: [
                    InventoryItem(containerID: taken.container.id, runtimeID: "rt-a1", actual: .running),
                    InventoryItem(containerID: untaken.container.id, runtimeID: "rt-a2", actual: .running),
                ], now: 7_000)
            #expect(reply.remove == [untaken.container.id])
            #expect(try await store.container(taken.container.id)?.actual == .running)
            #expect(try await store.nodes().first { $0.id == "a" }?.state == .ready)
            #expect(jobs.count == 4)
        }
    }

    @Test(
        "an order acknowledged but unfinished is delivered again at registration, so a restarted agent finishes it",
        arguments: StoreBackend.available)
    func restartedAgent(_ backend: StoreBackend) async throws {
        try await StoreFixture.with(backend) { fixture in
            try await fixture.register("a")
            let job = try #require(try await fixture.create(1).first)
            _ = try await fixture.schedule()
            _ = try await fixture.store.acknowledge(node: "a", secret: fixture.secret("a"), jobs: [job.jobID], now: 1)
            let reply = try await fixture.register("a", now: 2)
            #expect(reply.orders.map(\.jobID) == [job.jobID])
        }
    }

    @Test("two processes (or replicas) opening one new store together migrate it once", arguments: StoreBackend.available)
    func concurrentMigration(_ backend: StoreBackend) async throws {
        let directory = try scratchDirectory("corral-store")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for round in 0..<(backend == .sqlite ? 20 : 4) {
            let location: StoreLocation
            var database: String?
            switch backend {
            case .sqlite: location = .sqlite(path: directory + "/control-\(round).sqlite")
            case .postgres:
                let url = try PostgresDatabase.make()
                database = url
                location = try StoreLocation(parsing: url)
            }
            // Each store that opened is closed, whatever became of the other.
            let opened = await withTaskGroup(of: Result<ControlStore, any Error>.self) { group in
                for name in ["one", "two"] {
                    group.addTask {
                        do {
                            return .success(try await ControlStore.open(location, logger: Logger(label: name)))
                        } catch {
                            return .failure(error)
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            for result in opened {
                switch result {
                case .success(let store):
                    #expect(try await store.schemaVersion() == 3)
                    await store.close()
                case .failure(let error):
                    Issue.record("round \(round): \(error)")
                }
            }
            if let database { PostgresDatabase.drop(database) }
        }
    }

    @Test("only the replica holding the sweeper lease sweeps; another takes the lease once it ran out", arguments: StoreBackend.available)
    func sweeperLease(_ backend: StoreBackend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let replicaB = try await fixture.another("replica-b")
            do {
                let a = LeaseClaim(holder: "replica-a", ttlMs: 2_000)
                let b = LeaseClaim(holder: "replica-b", ttlMs: 2_000)
                try await fixture.register("n", now: 0)
                let first = try #require(try await fixture.store.sweep(now: 100, ttlMs: 5_000, lease: a))
                #expect(first.tookOver)
                #expect(try await replicaB.sweep(now: 200, ttlMs: 5_000, lease: b) == nil, "a holds it")
                // a renews while it sweeps.
                #expect(try await fixture.store.sweep(now: 1_900, ttlMs: 5_000, lease: a)?.tookOver == false)
                #expect(try await replicaB.sweep(now: 3_800, ttlMs: 5_000, lease: b) == nil, "renewed at 1.9 s, so a's until 3.9 s")
                // a dies: b takes over after the lease ran out, and sweeps:
                // the node silent since 0 is down at 5 s.
                let takeover = try #require(try await replicaB.sweep(now: 5_100, ttlMs: 5_000, lease: b))
                #expect(takeover.tookOver && takeover.down == ["n"])
                #expect(try await fixture.store.sweep(now: 5_200, ttlMs: 5_000, lease: a) == nil, "a, back, is no longer the holder")
                let lease = try await fixture.store.sweeperLease()
                #expect(lease.holder == "replica-b" && lease.acquiredAtMs == 5_100 && lease.expiresMs == 7_100)
            } catch {
                await replicaB.close()
                throw error
            }
            await replicaB.close()
        }
    }

    @Test(
        "creates racing through two replicas: one key gives one job to both, one name one container, none lost",
        arguments: StoreBackend.available)
    func racingCreates(_ backend: StoreBackend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let replicaB = try await fixture.another("replica-b")
            do {
                let stores = [fixture.store, replicaB]
                let outcomes = try await withThrowingTaskGroup(of: Submission.self) { group in
                    for index in 0..<20 {
                        let store = stores[index % 2]
                        group.addTask {
                            // Ten pairs: each pair shares an idempotency key, and
                            // every other pair also a name with the next one.
                            let pair = index / 2
                            let spec = ContainerSpec(image: "corral/low-idle", env: ["PAIR": "\(pair)"], name: "racer-\(pair / 2)")
                            return try await store.submitCreate(spec, idempotencyKey: "key-\(pair)", queueLimit: 1000, now: Int64(index))
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                var jobsByName: [String: Set<String>] = [:]
                var taken = 0
                for outcome in outcomes {
                    switch outcome {
                    case .accepted(let job, _):
                        let container = try #require(try await fixture.store.container(job.containerID))
                        jobsByName[container.name, default: []].insert(job.jobID)
                    case .nameTaken: taken += 1
                    default: Issue.record("unexpected: \(outcome)")
                    }
                }
                #expect(jobsByName.count == 5 && jobsByName.values.allSatisfy { $0.count == 1 }, "one job a name: \(jobsByName)")
                #expect(taken == 10, "the other pair of each name was told the name is taken")
                #expect(try await fixture.store.containers(ContainerFilter()).count == 5)
            } catch {
                await replicaB.close()
                throw error
            }
            await replicaB.close()
        }
    }

    @Test("the first replica's tokens are every replica's", arguments: StoreBackend.available)
    func sharedSecrets(_ backend: StoreBackend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let replicaB = try await fixture.another("replica-b")
            #expect(try await fixture.store.sharedSecret("admin.token", proposing: "from-a") == "from-a")
            #expect(try await replicaB.sharedSecret("admin.token", proposing: "from-b") == "from-a")
            #expect(try await replicaB.sharedSecret("agent.token", proposing: "from-b") == "from-b")
            await replicaB.close()
        }
    }

    @Test("a store URL that is not one, or a server that is not there, is refused naming it (without its password)")
    func badPostgres() async throws {
        #expect(throws: StoreLocationError.self) { try StoreLocation(parsing: "postgresql://127.0.0.1/corral") }
        #expect(throws: StoreLocationError.self) { try StoreLocation(parsing: "postgresql://corral@127.0.0.1/") }
        #expect(throws: StoreLocationError.self) { try StoreLocation(parsing: "mysql://corral@127.0.0.1/corral") }
        #expect(throws: StoreLocationError.self) { try StoreLocation(parsing: "relative/control.sqlite") }
        let location = try StoreLocation(parsing: "postgresql://corral:hunter2@127.0.0.1:1/corral?sslmode=disable")
        #expect(location.description == "postgresql://corral@127.0.0.1:1/corral")
        let socket = try StoreLocation(parsing: "postgresql://corral@/corral?host=/run/postgresql")
        guard case .postgres(let address) = socket else { throw FixtureError(description: "not postgres: \(socket)") }
        #expect(address.socketPath == "/run/postgresql/.s.PGSQL.5432" && address.tls == .disable)
        await #expect {
            try await ControlStore.open(location, logger: Logger(label: "bad"))
        } throws: { error in
            "\(error)".contains("postgresql://corral@127.0.0.1:1/corral") && !"\(error)".contains("hunter2")
        }
    }

    @Test("a file that is not a database is refused with its path")
    func notADatabase() async throws {
        let directory = try scratchDirectory("corral-store")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/control.sqlite"
        try Data(String(repeating: "not sqlite ", count: 500).utf8).write(to: URL(fileURLWithPath: path))
        await #expect {
            try await ControlStore.open(path: path, logger: Logger(label: "bad"))
        } throws: { error in
            "\(error)".contains(path)
        }
    }
}
