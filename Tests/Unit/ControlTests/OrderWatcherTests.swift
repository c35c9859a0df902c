import Control
import ControlAPI
import ControlStore
import Logging
import ServiceLifecycle
import Testing

@Suite("Held polls for work orders")
struct OrderWatcherTests {
    @Test("a held poll wakes when its node gets an order, another node's poll keeps waiting", arguments: StoreBackend.available)
    func wakesTheRightNode(_ backend: StoreBackend) async throws {
        try await StoreFixture.with(backend) { fixture in
            try await fixture.register("a")
            try await fixture.register("b", containers: 0)
            let watcher = OrderWatcher(store: fixture.store, logger: Logger(label: "test"))
            let running = Task { try await watcher.run() }
            defer { running.cancel() }
            async let forA = watcher.wait(for: "a", atMost: .seconds(30))
            async let forB = watcher.wait(for: "b", atMost: .milliseconds(500))
            _ = try await fixture.create(1)
            _ = try await fixture.schedule()
            #expect(await forA, "a's poll was woken by a's order")
            #expect(await forB == false, "b has no order: its poll ran to its end")
        }
    }

    @Test("at graceful shutdown every held poll is answered at once, and none waits again")
    func shutdownAnswersPolls() async throws {
        try await StoreFixture.with { fixture in
            let watcher = OrderWatcher(store: fixture.store, logger: Logger(label: "test"))
            let group = ServiceGroup(
                configuration: ServiceGroupConfiguration(services: [.init(service: watcher)], logger: Logger(label: "test")))
            let running = Task { try await group.run() }
            async let held = watcher.wait(for: "a", atMost: .seconds(30))
            await group.triggerGracefulShutdown()
            #expect(await held, "answered by the shutdown, not by its timeout")
            try await running.value
            #expect(watcher.closed)
            #expect(await watcher.wait(for: "a", atMost: .seconds(30)), "a poll after shutdown returns at once")
        }
    }
}
