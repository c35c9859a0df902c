import ControlAPI
import ControlStore
import CorralCore
import CorralTestSupport
import Foundation
import Logging
import Synchronization
import Testing

/// The engines the store suite runs on: SQLite always, PostgreSQL when a
/// server was started for the tests (scripts/tests/with-postgres.sh sets
/// CORRAL_TEST_POSTGRES; `make test` does). Each test gets its own database.
enum StoreBackend: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case sqlite, postgres

    static var available: [StoreBackend] {
        ProcessInfo.processInfo.environment["CORRAL_TEST_POSTGRES"] == nil ? [.sqlite] : [.sqlite, .postgres]
    }

    var testDescription: String { rawValue }
}

/// A store in its own temporary directory, removed afterwards, with
/// counted ids so tests can name what they expect.
final class StoreFixture: Sendable {
    let directory: String
    let store: ControlStore
    let ids: IdentifierSource
    /// The store's location, for a second store on the same data (another
    /// process, another replica).
    let location: StoreLocation
    private let database: String?

    private init(directory: String, store: ControlStore, location: StoreLocation, database: String?) {
        self.directory = directory
        self.store = store
        self.location = location
        self.database = database
        let counter = Counter()
        ids = IdentifierSource(jobID: { "job-\(counter.next())" }, containerID: { "ctr-\(counter.next())" })
    }

    static func make(_ backend: StoreBackend = .sqlite) async throws -> StoreFixture {
        let directory = try scratchDirectory("corral-store")
        var database: String?
        let location: StoreLocation
        switch backend {
        case .sqlite: location = .sqlite(path: directory + "/control.sqlite")
        case .postgres:
            let url = try PostgresDatabase.make()
            database = url
            location = try StoreLocation(parsing: url)
        }
        let store = try await ControlStore.open(location, logger: Logger(label: "test"))
        return StoreFixture(directory: directory, store: store, location: location, database: database)
    }

    /// Another store on the same data: another process, or another replica.
    func another(_ label: String = "other") async throws -> ControlStore {
        try await ControlStore.open(location, logger: Logger(label: label))
    }

    /// Runs `body` with a fresh store, and removes it afterwards whatever happens.
    static func with(_ backend: StoreBackend = .sqlite, _ body: (StoreFixture) async throws -> Void) async throws {
        let fixture = try await make(backend)
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
        if let database { PostgresDatabase.drop(database) }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Registers `node` with room for `containers`.
    @discardableResult
    func register(
        _ node: String, containers: Int64 = 100, labels: [String: String] = [:], inventory: [InventoryItem] = [],
        runtime: String = "docker",
        now: Int64 = 0
    ) async throws -> RegistrationReply {
        let outcome = try await store.register(
            Registration(
                node: node, secret: "secret-of-\(node)-0123456789", runtime: runtime, labels: labels,
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
