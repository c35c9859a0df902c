import ControlAPI
import CorralCore
import SQLKit

extension ControlStore {
    /// An agent (re)introducing itself. Creates or updates its node (up, not
    /// drained unless it was), reconciles what its runtime has with what the
    /// service thinks: a container the service gave it takes the state the
    /// runtime reports (so `lost` becomes what it really is); one the
    /// service gave to another node or deleted must be removed by the agent;
    /// one it should have but the runtime lacks is `exited` unless an order
    /// will still create it. Answers every order not yet finished, again.
    public func register(
        _ registration: Registration, now: Int64, heartbeatSeconds: Double, ttlSeconds: Double
    ) async throws(StoreError) -> AgentOutcome<RegistrationReply> {
        try await transaction("register node \(registration.node)") { db in
            if let existing = try await db.raw("SELECT \(unsafeRaw: Rows.nodeColumns) FROM nodes WHERE id = \(bind: registration.node)")
                .first()
                .map(Rows.node)
            {
                guard existing.secret == registration.secret else { return .wrongSecret(node: registration.node) }
                try await db.raw(
                    """
                    UPDATE nodes SET runtime = \(bind: registration.runtime), labels = \(bind: Rows.json(registration.labels)),
                    millicpus = \(bind: registration.capacity.millicpus), memory_bytes = \(bind: registration.capacity.memoryBytes),
                    max_containers = \(bind: registration.capacity.containers), running = \(bind: registration.inventory.count(where: { $0.actual == .running })),
                    alive = 1, last_heartbeat_ms = \(bind: now) WHERE id = \(bind: registration.node)
                    """
                ).run()
            } else {
                try await db.raw(
                    """
                    INSERT INTO nodes (\(unsafeRaw: Rows.nodeColumns)) VALUES (\(bind: registration.node), \(bind: registration.secret),
                    \(bind: registration.runtime), \(bind: Rows.json(registration.labels)), \(bind: registration.capacity.millicpus),
                    \(bind: registration.capacity.memoryBytes), \(bind: registration.capacity.containers),
                    \(bind: registration.inventory.count(where: { $0.actual == .running })), 1, 0, \(bind: now), \(bind: now))
                    """
                ).run()
            }
            let orders = try await openOrders(db, node: registration.node, states: [.scheduled, .running])
            let pendingCreates = Set(orders.filter { $0.kind == .create }.map(\.container.id))
            var remove: [String] = []
            var seen: Set<String> = []
            for item in registration.inventory {
                seen.insert(item.containerID)
                guard
                    let record = try await db.raw(
                        "SELECT \(unsafeRaw: Rows.containerColumns) FROM containers WHERE id = \(bind: item.containerID)"
                    ).first().map(Rows.container)
                else { continue }  // Unknown to the service: left alone.
                if record.node != registration.node {
                    remove.append(item.containerID)
                } else {
                    try await setActual(
                        db, container: record.id, actual: item.actual, runtimeID: item.runtimeID, exitCode: item.exitCode, reason: nil,
                        now: now)
                }
            }
            // What the service placed here that the runtime no longer has.
            let placed = try await db.raw(
                "SELECT \(unsafeRaw: Rows.containerColumns) FROM containers WHERE node_id = \(bind: registration.node)"
            ).all().map(Rows.container)
            for record in placed where !seen.contains(record.id) && !pendingCreates.contains(record.id) {
                if record.desired == .deleted {
                    try await db.raw("DELETE FROM containers WHERE id = \(bind: record.id)").run()
                } else if record.actual != .pending {
                    try await setActual(
                        db, container: record.id, actual: .exited, runtimeID: record.runtimeID, exitCode: record.exitCode,
                        reason: "its node's runtime no longer has it", now: now)
                }
            }
            guard
                let node = try await db.raw("SELECT \(unsafeRaw: Rows.nodeColumns) FROM nodes WHERE id = \(bind: registration.node)")
                    .first()
                    .map(Rows.node)
            else { return .unknownNode(registration.node) }
            let allocated = try await allocations(db)[registration.node] ?? .zero
            return .ok(
                RegistrationReply(
                    node: node.record(allocated: allocated), orders: orders, remove: remove.sorted(), heartbeatSeconds: heartbeatSeconds,
                    ttlSeconds: ttlSeconds))
        }
    }

    /// A heartbeat: refreshes the node's clock. A node already marked down
    /// must register again, so its containers are reconciled first.
    public func heartbeat(node: String, secret: String, _ beat: Heartbeat, now: Int64) async throws(StoreError) -> AgentOutcome<NodeState> {
        try await transaction("record a heartbeat of \(node)") { db in
            let check = try await authenticate(db, node: node, secret: secret)
            guard case .ok(let row) = check else { return check.map { _ in .down } }
            guard row.alive else { return .down(node: node) }
            try await db.raw(
                "UPDATE nodes SET last_heartbeat_ms = \(bind: now), running = \(bind: beat.running) WHERE id = \(bind: node)"
            ).run()
            return .ok(row.state)
        }
    }

    /// The orders waiting for `node` (scheduled, not yet acknowledged), oldest first.
    public func orders(node: String, secret: String) async throws(StoreError) -> AgentOutcome<[Order]> {
        try await read("read the orders of \(node)") { db in
            let check = try await authenticate(db, node: node, secret: secret)
            guard case .ok(let row) = check else { return check.map { _ in [] } }
            guard row.alive else { return .down(node: node) }
            return .ok(try await openOrders(db, node: node, states: [.scheduled]))
        }
    }

    /// Which of `nodes` have orders waiting to be taken: one query for every
    /// agent's held poll.
    public func nodesWithOrders(among nodes: Set<String>) async throws(StoreError) -> Set<String> {
        try await read("look for work orders") { db in
            Set(
                try await db.raw(
                    """
                    SELECT DISTINCT node_id FROM jobs WHERE state = \(bind: JobState.scheduled.rawValue)
                    AND node_id IN (\(binds: nodes.sorted()))
                    """
                ).all(decodingColumn: "node_id", as: String.self))
        }
    }

    /// The agent took these orders: scheduled -> running. Taking one again
    /// is harmless; one given to another node is refused, and nothing of
    /// the call is kept.
    public func acknowledge(node: String, secret: String, jobs: [String], now: Int64) async throws(StoreError) -> AgentOutcome<Int> {
        try await transaction("acknowledge orders of \(node)") { db in
            let check = try await authenticate(db, node: node, secret: secret)
            guard case .ok = check else { return check.map { _ in 0 } }
            for job in jobs {
                guard let owner = try await db.raw("SELECT node_id FROM jobs WHERE id = \(bind: job)").first() else {
                    throw Refusal(message: "job \(job) does not exist")
                }
                guard try owner.decode(column: "node_id", as: String?.self) == node else {
                    throw Refusal(message: "job \(job) is not node \(node)'s")
                }
            }
            var taken = 0
            for job in jobs {
                let before = try await db.raw("SELECT state FROM jobs WHERE id = \(bind: job)").first(
                    decodingColumn: "state", as: String.self)
                guard before == JobState.scheduled.rawValue else { continue }
                try await db.raw(
                    "UPDATE jobs SET state = \(bind: JobState.running.rawValue), updated_at_ms = \(bind: now) WHERE id = \(bind: job)"
                ).run()
                taken += 1
            }
            return .ok(taken)
        } catchRefusal: {
            .forbidden($0)
        }
    }

    /// How the node's jobs ended and what its containers are. Every job and
    /// container named must be this node's, or nothing is kept (403).
    public func report(node: String, secret: String, _ report: AgentReport, now: Int64) async throws(StoreError) -> AgentOutcome<Void> {
        try await transaction("record a report of \(node)") { db in
            let check = try await authenticate(db, node: node, secret: secret)
            guard case .ok = check else { return check.map { _ in () } }
            for status in report.containers {
                guard let row = try await db.raw("SELECT node_id, desired FROM containers WHERE id = \(bind: status.containerID)").first()
                else {
                    continue  // Deleted meanwhile: nothing to record.
                }
                guard try row.decode(column: "node_id", as: String?.self) == node else {
                    throw Refusal(message: "container \(status.containerID) is not node \(node)'s")
                }
                if status.removed {
                    try await db.raw("DELETE FROM containers WHERE id = \(bind: status.containerID)").run()
                } else {
                    try await setActual(
                        db, container: status.containerID, actual: status.actual, runtimeID: status.runtimeID, exitCode: status.exitCode,
                        reason: status.reason, address: status.address, now: now)
                }
            }
            for outcome in report.jobs {
                guard let row = try await db.raw("SELECT node_id, state FROM jobs WHERE id = \(bind: outcome.jobID)").first() else {
                    throw Refusal(message: "job \(outcome.jobID) does not exist")
                }
                guard try row.decode(column: "node_id", as: String?.self) == node else {
                    throw Refusal(message: "job \(outcome.jobID) is not node \(node)'s")
                }
                let state = try row.decode(column: "state", as: String.self)
                guard state == JobState.scheduled.rawValue || state == JobState.running.rawValue else { continue }
                try await finish(db, job: outcome.jobID, succeeded: outcome.succeeded, reason: outcome.reason, now: now)
            }
            return .ok(())
        } catchRefusal: {
            .forbidden($0)
        }
    }

    // MARK: - Inside transactions

    private func authenticate(_ db: any SQLDatabase, node: String, secret: String) async throws -> AgentOutcome<Rows.NodeRow> {
        guard let row = try await db.raw("SELECT \(unsafeRaw: Rows.nodeColumns) FROM nodes WHERE id = \(bind: node)").first().map(Rows.node)
        else {
            return .unknownNode(node)
        }
        guard row.secret == secret else { return .wrongSecret(node: node) }
        return .ok(row)
    }

    func openOrders(_ db: any SQLDatabase, node: String, states: [JobState]) async throws -> [Order] {
        let rows = try await db.raw(
            """
            SELECT \(unsafeRaw: Rows.jobColumns) FROM jobs WHERE node_id = \(bind: node) AND state IN (\(binds: states.map(\.rawValue)))
            ORDER BY created_at_ms, id
            """
        ).all().map(Rows.job)
        var orders: [Order] = []
        for job in rows {
            guard
                let container = try await db.raw(
                    "SELECT \(unsafeRaw: Rows.containerColumns) FROM containers WHERE id = \(bind: job.containerID)"
                )
                .first().map(Rows.container)
            else {
                // Its container is gone: nothing to deliver (scheduling finishes such jobs).
                continue
            }
            orders.append(Order(jobID: job.id, kind: job.kind, container: container))
        }
        return orders
    }

    /// Records what a container is. A process that exited because it was
    /// asked to stop is `stopped`, not `exited`. An address is kept until
    /// another is reported (a stopped box keeps its address).
    func setActual(
        _ db: any SQLDatabase, container: String, actual: ActualState, runtimeID: String?, exitCode: Int32?, reason: String?,
        address: String? = nil, now: Int64
    ) async throws {
        try await db.raw(
            """
            UPDATE containers SET actual = CASE WHEN \(bind: actual.rawValue) = 'exited' AND desired = 'stopped' THEN 'stopped'
            ELSE \(bind: actual.rawValue) END, runtime_id = \(bind: runtimeID), exit_code = \(bind: exitCode.map(Int64.init)),
            reason = \(bind: reason), address = COALESCE(\(bind: address), address), updated_at_ms = \(bind: now)
            WHERE id = \(bind: container)
            """
        ).run()
    }

    /// A transaction whose body may refuse the call with a ``Refusal``:
    /// rolled back, and answered with `refused(message)`.
    func transaction<T: Sendable>(
        _ operation: String, _ body: (any SQLDatabase) async throws -> T, catchRefusal refused: (String) -> T
    ) async throws(StoreError) -> T {
        do {
            return try await transaction(operation, body)
        } catch .refused(let message) {
            return refused(message)
        }
    }
}

/// Thrown inside a transaction to roll it back and refuse the call.
struct Refusal: Error {
    let message: String
}

extension AgentOutcome {
    /// The same refusal for another value type; `ok` transformed.
    func map<Other>(_ transform: (Value) -> Other) -> AgentOutcome<Other> {
        switch self {
        case .ok(let value): return .ok(transform(value))
        case .unknownNode(let node): return .unknownNode(node)
        case .wrongSecret(let node): return .wrongSecret(node: node)
        case .down(let node): return .down(node: node)
        case .forbidden(let message): return .forbidden(message)
        }
    }
}
