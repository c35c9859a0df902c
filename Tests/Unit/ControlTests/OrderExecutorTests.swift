import ContainerRuntime
import ControlAPI
import CorralCore
import CorralTestSupport
import Logging
import Testing

@testable import Agent

private let settings = AgentSettings(controlURLs: ["http://127.0.0.1:1"], token: "t", nodeID: "node-a", stateDirectory: "/nonexistent")

private func order(_ kind: JobKind, _ container: String, job: String? = nil, image: String = "corral/low-idle") -> Order {
    Order(
        jobID: job ?? "\(kind.rawValue)-\(container)", kind: kind,
        container: ContainerRecord(
            id: container, name: container, spec: ContainerSpec(image: image), node: "node-a", createdAt: "", updatedAt: ""))
}

private func executor(_ runtime: InMemoryRuntime) -> OrderExecutor {
    OrderExecutor(runtime: runtime, settings: settings, logger: Logger(label: "test"), report: { _ in })
}

@Suite("An agent's orders")
struct OrderExecutorTests {
    @Test("a create delivered twice makes one container, labelled as this node's and managed")
    func idempotentCreate() async throws {
        let runtime = InMemoryRuntime()
        let executor = executor(runtime)
        let first = await executor.perform(order(.create, "c1"))
        let again = await executor.perform(order(.create, "c1"))
        #expect(first.jobs == [JobOutcome(jobID: "create-c1", succeeded: true)])
        #expect(again.jobs == first.jobs)
        let containers = await runtime.containers
        #expect(containers.count == 1)
        #expect(containers.first?.labels[CorralLabel.node] == "node-a")
        #expect(containers.first?.labels[CorralLabel.serviceContainer] == "c1")
        #expect(containers.first?.labels[CorralLabel.managed] == "true")
        #expect(containers.first?.name == "corral-c1")
        #expect(first.containers.first?.actual == .running)
    }

    @Test("a container with published ports is asked of the runtime on the bridge with them, and its address is reported")
    func bridgeAndPorts() async throws {
        let runtime = InMemoryRuntime()
        let ports = [
            PublishedPort(hostPort: 8080, containerPort: 80), PublishedPort(hostPort: 2222, containerPort: 22, hostAddress: "127.0.0.1"),
        ]
        let web = Order(
            jobID: "create-web", kind: .create,
            container: ContainerRecord(
                id: "web", name: "web", spec: ContainerSpec(image: "corral/low-idle", ports: ports), node: "node-a", createdAt: "",
                updatedAt: ""))
        let report = await executor(runtime).perform(web)
        let plain = await executor(runtime).perform(order(.create, "plain"))
        let containers = await runtime.containers
        let networks = await runtime.networks
        #expect(networks[containers[0].id] == .bridge(publish: ports))
        #expect(networks[containers[1].id] == ContainerRequest.Network.none, "no ports, no network asked: loopback only")
        #expect(report.containers.first?.address != nil && report.containers.first?.address == containers[0].address)
        #expect(plain.containers.first?.address == nil)
    }

    @Test("a container created just before a crash (named, not yet listed) is taken over, not doubled")
    func takeOverByName() async throws {
        let runtime = InMemoryRuntime()
        await runtime.add(
            name: "corral-c1", labels: [CorralLabel.managed: "true", CorralLabel.node: "node-a", CorralLabel.serviceContainer: "c1"],
            state: .created)
        let outcome = await executor(runtime).perform(order(.create, "c1"))
        #expect(outcome.jobs.first?.succeeded == true)
        #expect(await runtime.containers.count == 1)
    }

    @Test("a name taken by a container that is not this node's fails the job and touches nothing")
    func foreignName() async throws {
        let runtime = InMemoryRuntime()
        let foreign = await runtime.add(name: "corral-c1", labels: [CorralLabel.node: "node-b", CorralLabel.serviceContainer: "c1"])
        let outcome = await executor(runtime).perform(order(.create, "c1"))
        #expect(outcome.jobs.first?.succeeded == false)
        #expect(outcome.jobs.first?.reason?.contains("is not this node's") == true)
        #expect(await runtime.container(foreign)?.state == .running)
    }

    @Test("a delete removes only this node's container for that id; another node's is left alone")
    func deleteOwnOnly() async throws {
        let runtime = InMemoryRuntime()
        let theirs = await runtime.add(labels: [
            CorralLabel.managed: "true", CorralLabel.node: "node-b", CorralLabel.serviceContainer: "c1",
        ])
        let executor = executor(runtime)
        _ = await executor.perform(order(.create, "c1"))
        let deleted = await executor.perform(order(.delete, "c1"))
        #expect(deleted.jobs.first?.succeeded == true)
        #expect(deleted.containers.first?.removed == true)
        #expect(await runtime.containers.map(\.id) == [theirs])
        // Deleting what is already gone succeeds: the outcome asked for holds.
        #expect(await executor.perform(order(.delete, "c1", job: "again")).jobs.first?.succeeded == true)
    }

    @Test("a stop leaves the container stopped; an image that is missing fails the create with the runtime's words")
    func stopAndMissingImage() async throws {
        let runtime = InMemoryRuntime()
        let executor = executor(runtime)
        _ = await executor.perform(order(.create, "c1"))
        let stopped = await executor.perform(order(.stop, "c1"))
        #expect(stopped.containers.first?.actual == .stopped)
        #expect(await runtime.containers.first?.state.isRunning == false)
        let missing = await executor.perform(order(.create, "c2", image: "nowhere/none"))
        #expect(missing.jobs.first?.succeeded == false)
        #expect(missing.jobs.first?.reason?.contains("No such image: nowhere/none") == true)
    }

    @Test("orders of one container run in turn; duplicates in hand are not taken twice")
    func ordering() async throws {
        let runtime = InMemoryRuntime()
        let reports = ReportLog()
        let executor = OrderExecutor(runtime: runtime, settings: settings, logger: Logger(label: "test"), report: { await reports.add($0) })
        let orders = [order(.create, "c1"), order(.stop, "c1"), order(.delete, "c1")]
        await executor.submit(orders)
        let duplicates = await executor.fresh(orders)
        let done = await reports.jobs.count
        #expect(duplicates.isEmpty || done > 0, "orders in hand are not fresh")
        _ = try await poll("three outcomes") { await reports.jobs.count == 3 ? true : nil }
        #expect(await reports.jobs == ["create-c1", "stop-c1", "delete-c1"])
        #expect(await runtime.containers.isEmpty)
    }
}

private actor ReportLog {
    var jobs: [String] = []
    func add(_ report: AgentReport) { jobs += report.jobs.map(\.jobID) }
}
