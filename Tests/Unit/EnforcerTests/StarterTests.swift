import Actuation
import ContainerRuntime
import CorralCore
import CorralTestSupport
import Reports
import Settings
import Testing

@testable import Enforcer

/// Starting what a plan asks for, against a runtime in memory.
@Suite("The starter")
struct StarterTests {
    @Test("a started container carries Corral's labels and the enforcer's selector, so the next cycle sees it")
    func labels() async throws {
        let runtime = InMemoryRuntime()
        let starter = Starter(runtime: runtime, labels: ["corral.test-run": "t-1"])
        let started = try await starter.start(StartOrder(containerClass: .high, image: "corral/high-cpu", reason: "test")).get()
        let container = try #require(await runtime.container(started.id))
        #expect(container.state == .running)
        #expect(container.name.hasPrefix("corral-high-"))
        #expect(container.labels[CorralLabel.managed] == "true")
        #expect(container.labels[CorralLabel.class] == "high")
        #expect(container.labels["corral.test-run"] == "t-1")
        #expect(container.labels["corral.started-by"] == "enforcer")
    }

    @Test("an image that is not on the host fails the start with the runtime's words and leaves nothing behind")
    func missingImage() async {
        let runtime = InMemoryRuntime()
        let result = await Starter(runtime: runtime, labels: [:]).start(
            StartOrder(containerClass: .low, image: "corral/nowhere", reason: "test"))
        #expect(throws: RuntimeError.notFound("No such image: corral/nowhere")) { try result.get() }
        #expect(await runtime.containers.isEmpty)
    }

    @Test("a container created but refused at start is removed again: nothing half-made stays")
    func refusedStart() async {
        let runtime = InMemoryRuntime()
        await runtime.refuseStart(image: "corral/low-idle", with: .failed("OCI runtime create failed"))
        let result = await Starter(runtime: runtime, labels: [:]).start(
            StartOrder(containerClass: .low, image: "corral/low-idle", reason: "test"))
        #expect(throws: RuntimeError.failed("OCI runtime create failed")) { try result.get() }
        #expect(await runtime.containers.isEmpty)
    }
}
