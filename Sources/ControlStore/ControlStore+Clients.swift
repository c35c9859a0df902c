import ControlAPI
import CorralCore
import Foundation
import SQLKit

extension ControlStore {
    /// Stores a create: the container (desired running, actual pending) and
    /// its job (received), in one transaction. The answer is given only
    /// after the commit, so a client that got it can count on the job.
    public func submitCreate(
        _ spec: ContainerSpec, idempotencyKey: String?, queueLimit: Int, now: Int64, ids: IdentifierSource = .random
    ) async throws(StoreError) -> Submission {
        let request = Rows.json(spec)
        return try await insertion("store a create") { db in
            if let idempotencyKey, let earlier = try await Self.replay(db, key: idempotencyKey, request: request) { return earlier }
            if let full = try await queueFull(db, limit: queueLimit) { return full }
            let containerID = ids.containerID()
            let name = spec.name ?? "c-\(containerID)"
            if try await db.raw("SELECT id FROM containers WHERE name = \(bind: name)").first() != nil {
                // Racing a create with the same key through another replica
                // (PostgreSQL, no write lock), its container may have become
                // visible only now: its job with it, in the same commit.
                if let idempotencyKey, let earlier = try await Self.replay(db, key: idempotencyKey, request: request) { return earlier }
                return .nameTaken(name)
            }
            let reservation = spec.reservation
            try await db.raw(
                """
                INSERT INTO containers (\(unsafeRaw: Rows.containerColumns)) VALUES (\(bind: containerID), \(bind: name), \(bind: Rows.json(spec)),
                NULL, \(bind: DesiredState.running.rawValue), \(bind: ActualState.pending.rawValue), NULL, NULL, NULL,
                \(bind: reservation.millicpus), \(bind: reservation.memoryBytes), \(bind: now), \(bind: now), NULL)
                """
            ).run()
            let jobID = ids.jobID()
            try await insertJob(db, id: jobID, kind: .create, container: containerID, key: idempotencyKey, request: request, now: now)
            return .accepted(JobAccepted(jobID: jobID, containerID: containerID, state: .received), replayed: false)
        }
    }

    /// The answer to a create whose idempotency key was used before: the
    /// same job when the body is the same, a conflict when not; nil when the
    /// key is new.
    private static func replay(_ db: any SQLDatabase, key: String, request: String) async throws -> Submission? {
        guard
            let row = try await db.raw("SELECT id, container_id, state, request FROM jobs WHERE idempotency_key = \(bind: key)").first()
        else { return nil }
        guard try row.decode(column: "request", as: String?.self) == request else { return .idempotencyConflict(key: key) }
        let state = JobState(rawValue: try row.decode(column: "state", as: String.self)) ?? .received
        return .accepted(
            JobAccepted(
                jobID: try row.decode(column: "id", as: String.self), containerID: try row.decode(column: "container_id", as: String.self),
                state: state), replayed: true)
    }

    /// Stores a stop or a delete of the container with id or name
    /// `reference`, and sets what the container should be, in one transaction.
    public func submit(
        _ kind: JobKind, container reference: String, queueLimit: Int, now: Int64, ids: IdentifierSource = .random
    ) async throws(StoreError) -> Submission {
        precondition(kind != .create, "creates go through submitCreate")
        return try await transaction("store a \(kind.rawValue)") { db in
            guard
                let row = try await db.raw(
                    "SELECT id, desired FROM containers WHERE id = \(bind: reference) OR name = \(bind: reference) ORDER BY id LIMIT 1"
                ).first()
            else {
                return .notFound(container: reference)
            }
            let containerID = try row.decode(column: "id", as: String.self)
            if try row.decode(column: "desired", as: String.self) == DesiredState.deleted.rawValue {
                return .beingDeleted(container: containerID)
            }
            if let full = try await queueFull(db, limit: queueLimit) { return full }
            let desired: DesiredState = kind == .delete ? .deleted : .stopped
            try await db.raw(
                "UPDATE containers SET desired = \(bind: desired.rawValue), updated_at_ms = \(bind: now) WHERE id = \(bind: containerID)"
            ).run()
            let jobID = ids.jobID()
            try await insertJob(db, id: jobID, kind: kind, container: containerID, key: nil, request: nil, now: now)
            return .accepted(JobAccepted(jobID: jobID, containerID: containerID, state: .received), replayed: false)
        }
    }

    public func job(_ id: String) async throws(StoreError) -> Job? {
        try await read("read job \(id)") { db in
            try await db.raw("SELECT \(unsafeRaw: Rows.jobColumns) FROM jobs WHERE id = \(bind: id)").first().map(Rows.job)
        }
    }

    public func container(_ id: String) async throws(StoreError) -> ContainerRecord? {
        try await read("read container \(id)") { db in
            try await db.raw("SELECT \(unsafeRaw: Rows.containerColumns) FROM containers WHERE id = \(bind: id) OR name = \(bind: id)")
                .first()
                .map(Rows.container)
        }
    }

    /// Containers matching `filter`, oldest first.
    public func containers(_ filter: ContainerFilter = ContainerFilter()) async throws(StoreError) -> [ContainerRecord] {
        try await read("list containers") { db in
            var query = SQLQueryString("SELECT \(unsafeRaw: Rows.containerColumns) FROM containers WHERE 1 = 1")
            if let node = filter.node { query += " AND node_id = \(bind: node)" }
            if let state = filter.state { query += " AND actual = \(bind: state.rawValue)" }
            query += " ORDER BY created_at_ms, id"
            return try await db.raw(query).all().map(Rows.container).filter(filter.matches)
        }
    }

    /// Every node with what is placed on it, by id.
    public func nodes() async throws(StoreError) -> [NodeRecord] {
        try await read("list nodes") { db in
            let allocations = try await allocations(db)
            return try await db.raw("SELECT \(unsafeRaw: Rows.nodeColumns) FROM nodes ORDER BY id").all().map(Rows.node).map {
                $0.record(allocated: allocations[$0.id] ?? .zero)
            }
        }
    }

    /// Drains a node (it keeps its containers and takes no new ones), or
    /// lets it take work again; nil when there is no such node.
    public func setDraining(_ node: String, _ draining: Bool, now: Int64) async throws(StoreError) -> NodeRecord? {
        try await transaction("drain node \(node)") { db in
            try await db.raw("UPDATE nodes SET draining = \(bind: draining ? 1 : 0) WHERE id = \(bind: node)").run()
            guard let row = try await db.raw("SELECT \(unsafeRaw: Rows.nodeColumns) FROM nodes WHERE id = \(bind: node)").first() else {
                return nil
            }
            return try Rows.node(row).record(allocated: try await allocations(db)[node] ?? .zero)
        }
    }

    /// Jobs waiting to be scheduled.
    public func receivedCount() async throws(StoreError) -> Int {
        try await read("count waiting jobs") { db in try await receivedCount(db) }
    }

    // MARK: - Inside transactions

    func receivedCount(_ db: any SQLDatabase) async throws -> Int {
        try await db.raw("SELECT COUNT(*) AS n FROM jobs WHERE state = \(bind: JobState.received.rawValue)").first(
            decodingColumn: "n", as: Int.self)
            ?? 0
    }

    private func queueFull(_ db: any SQLDatabase, limit: Int) async throws -> Submission? {
        let waiting = try await receivedCount(db)
        guard waiting >= limit else { return nil }
        return .queueFull(waiting: waiting, retryAfterSeconds: 1)
    }

    func insertJob(
        _ db: any SQLDatabase, id: String, kind: JobKind, container: String, key: String?, request: String?, now: Int64
    ) async throws {
        try await db.raw(
            """
            INSERT INTO jobs (id, kind, container_id, state, reason, node_id, attempts, idempotency_key, request, next_attempt_ms,
            created_at_ms, updated_at_ms)
            VALUES (\(bind: id), \(bind: kind.rawValue), \(bind: container), \(bind: JobState.received.rawValue), NULL, NULL, 0,
            \(bind: key), \(bind: request), 0, \(bind: now), \(bind: now))
            """
        ).run()
    }

    /// What the containers placed on each node (and not yet removed) reserve.
    func allocations(_ db: any SQLDatabase) async throws -> [String: Resources] {
        let rows = try await db.raw(
            """
            SELECT node_id, CAST(SUM(millicpus) AS BIGINT) AS cpu, CAST(SUM(memory_bytes) AS BIGINT) AS mem, COUNT(*) AS n FROM containers
            WHERE node_id IS NOT NULL GROUP BY node_id
            """
        ).all()
        var result: [String: Resources] = [:]
        for row in rows {
            let node = try row.decode(column: "node_id", as: String.self)
            result[node] = Resources(
                millicpus: try row.decode(column: "cpu", as: Int64.self), memoryBytes: try row.decode(column: "mem", as: Int64.self),
                containers: try row.decode(column: "n", as: Int64.self))
        }
        return result
    }
}

/// Where new ids come from: random in service, counted in tests.
public struct IdentifierSource: Sendable {
    public let jobID: @Sendable () -> String
    public let containerID: @Sendable () -> String

    public init(jobID: @escaping @Sendable () -> String, containerID: @escaping @Sendable () -> String) {
        self.jobID = jobID
        self.containerID = containerID
    }

    /// Jobs: a UUID, as the original JSON-RPC service answered. Containers:
    /// 12 hexadecimal digits, short enough to type.
    public static let random = IdentifierSource(
        jobID: { UUID().uuidString.lowercased() },
        containerID: { String(UUID().uuidString.lowercased().filter { $0 != "-" }.prefix(12)) })
}
