import ControlAPI
import ControlStore
import CorralCore
import CorralTestSupport
import Foundation
import Logging
import Synchronization

/// A store in its own temporary directory, removed afterwards, with
/// counted ids so tests can name what they expect.
final class StoreFixture: Sendable {
    let directory: String
    let store: ControlStore
    let ids: IdentifierSource

    private init(directory: String, store: ControlStore) {
        self.directory = directory
        self.store = store
        let counter = Counter()
        ids = IdentifierSource(jobID: { "job-\(counter.next())" }, containerID: { "ctr-\(counter.next())" })
    }

    static func make() async throws -> StoreFixture {
        let directory = try scratchDirectory("corral-store")
        let store = try await ControlStore.open(path: directory + "/control.sqlite", logger: Logger(label: "test"))
        return StoreFixture(directory: directory, store: store)
    }

    /// Runs `body` with a fresh store, and removes it afterwards whatever happens.
    static func with(_ body: (StoreFixture) async throws -> Void) async throws {
        let fixture = try await make()
        do {
            try await body(fixture)
        } catch {
            await fixture.close()
            throw error
        }
        await fixture.close()
    }

    func close() async {
        await store.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Registers `node` with room for `containers`.
    @discardableResult
    func register(_ node: String, containers: Int64 = 100, labels: [String: String] = [:], inventory: [InventoryItem] = [], now: Int64 = 0)
        async throws -> RegistrationReply
    {
        let outcome = try await store.register(
            Registration(
                node: node, secret: "secret-of-\(node)-0123456789", runtime: "docker", labels: labels,
                capacity: Resources(millicpus: 2000, memoryBytes: 1 << 32, containers: containers), inventory: inventory),
            now: now, heartbeatSeconds: 1, ttlSeconds: 5)
        guard case .ok(let reply) = outcome else { throw FixtureError(description: "registration of \(node) refused: \(outcome)") }
        return reply
    }

    func secret(_ node: String) -> String { "secret-of-\(node)-0123456789" }

    /// Creates `count` containers and returns their jobs.
    func create(_ count: Int, image: String = "corral/low-idle", strategy: String? = nil, now: Int64 = 0) async throws -> [JobAccepted] {
        var accepted: [JobAccepted] = []
        for _ in 0..<count {
            let outcome = try await store.submitCreate(
                ContainerSpec(image: image, strategy: strategy), idempotencyKey: nil, queueLimit: 10_000, now: now, ids: ids)
            guard case .accepted(let job, _) = outcome else { throw FixtureError(description: "create refused: \(outcome)") }
            accepted.append(job)
        }
        return accepted
    }

    func schedule(now: Int64 = 0, strategy: PlacementStrategy = .spread) async throws -> [SchedulingEvent] {
        try await store.schedule(strategy: strategy, placementTimeoutMs: 60_000, now: now)
    }

    func orders(_ node: String) async throws -> [Order] {
        guard case .ok(let orders) = try await store.orders(node: node, secret: secret(node)) else { return [] }
        return orders
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
}

private final class Counter: Sendable {
    private let value = Mutex(0)
    func next() -> Int {
        value.withLock {
            $0 += 1
            return $0
        }
    }
}
