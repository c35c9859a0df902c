import ControlAPI
import SQLKit

/// What one sweep for silent nodes did.
public struct SweepResult: Sendable, Equatable {
    /// Nodes marked down.
    public var down: [String]
    /// Their containers, now `lost`.
    public var lost: [String]
    /// Orders they had not taken, back to `received` to be placed elsewhere.
    public var rescheduled: [String]
    /// This sweep's replica took the singleton role now (it was another's,
    /// or nobody's).
    public var tookOver = false

    public init(down: [String], lost: [String], rescheduled: [String], tookOver: Bool = false) {
        self.down = down
        self.lost = lost
        self.rescheduled = rescheduled
        self.tookOver = tookOver
    }
}

extension ControlStore {
    /// Marks down every node not heard from for `ttlMs`: its containers
    /// become `lost`, and the create orders it had not acknowledged go back
    /// to the queue to be placed on another node. Orders it took stay its
    /// own: it delivers them when it registers again.
    ///
    /// With a `lease`, the sweep is a singleton among replicas: it runs only
    /// while this replica holds (or can take) the sweeper lease, renewed in
    /// the same transaction, and answers nil otherwise.
    public func sweep(now: Int64, ttlMs: Int64, lease claim: LeaseClaim? = nil) async throws(StoreError) -> SweepResult? {
        try await transaction("mark silent nodes down") { db -> SweepResult? in
            var tookOver = false
            if let claim {
                let current = try await Self.sweeperLease(db)
                guard let next = current.claimed(by: claim.holder, now: now, ttlMs: claim.ttlMs) else { return nil }
                tookOver = current.holder != claim.holder
                try await db.raw(
                    """
                    UPDATE leases SET holder = \(bind: next.holder), expires_ms = \(bind: next.expiresMs),
                    acquired_at_ms = \(bind: next.acquiredAtMs), renewed_at_ms = \(bind: now) WHERE name = 'sweeper'
                    """
                ).run()
            }
            let silent = try await db.raw(
                "SELECT id FROM nodes WHERE alive = 1 AND last_heartbeat_ms < \(bind: now - ttlMs) ORDER BY id"
            ).all(decodingColumn: "id", as: String.self)
            var result = SweepResult(down: silent, lost: [], rescheduled: [], tookOver: tookOver)
            for node in silent {
                try await db.raw("UPDATE nodes SET alive = 0 WHERE id = \(bind: node)").run()
                let untaken = try await db.raw(
                    """
                    SELECT id, container_id FROM jobs WHERE node_id = \(bind: node) AND state = \(bind: JobState.scheduled.rawValue)
                    AND kind = \(bind: JobKind.create.rawValue) ORDER BY created_at_ms, id
                    """
                ).all()
                for row in untaken {
                    let job = try row.decode(column: "id", as: String.self)
                    let container = try row.decode(column: "container_id", as: String.self)
                    try await db.raw(
                        """
                        UPDATE jobs SET state = \(bind: JobState.received.rawValue), node_id = NULL, next_attempt_ms = 0,
                        reason = \(bind: "node \(node) went down before taking it; placing it again"), updated_at_ms = \(bind: now)
                        WHERE id = \(bind: job)
                        """
                    ).run()
                    try await db.raw(
                        "UPDATE containers SET node_id = NULL, updated_at_ms = \(bind: now) WHERE id = \(bind: container) AND actual = \(bind: ActualState.pending.rawValue)"
                    ).run()
                    result.rescheduled.append(job)
                }
                let lost = try await db.raw(
                    "SELECT id FROM containers WHERE node_id = \(bind: node) ORDER BY id"
                ).all(decodingColumn: "id", as: String.self)
                try await db.raw(
                    """
                    UPDATE containers SET actual = \(bind: ActualState.lost.rawValue), reason = \(bind: "node \(node) is down"),
                    updated_at_ms = \(bind: now) WHERE node_id = \(bind: node)
                    """
                ).run()
                result.lost += lost
            }
            return result
        }
    }
}

extension ControlStore {
    /// The sweeper lease as it stands: who runs the singletons.
    public func sweeperLease() async throws(StoreError) -> Lease {
        try await read("read the sweeper lease") { db in try await Self.sweeperLease(db) }
    }

    private static func sweeperLease(_ db: any SQLDatabase) async throws -> Lease {
        guard let row = try await db.raw("SELECT holder, expires_ms, acquired_at_ms FROM leases WHERE name = 'sweeper'").first() else {
            throw StoreError.corrupt(table: "leases", id: "sweeper", message: "the row is missing")
        }
        return Lease(
            holder: try row.decode(column: "holder", as: String.self), expiresMs: try row.decode(column: "expires_ms", as: Int64.self),
            acquiredAtMs: try row.decode(column: "acquired_at_ms", as: Int64.self))
    }

    /// The secret called `name` that every replica shares: `proposal` when
    /// none was kept yet (the first replica's wins), else the kept one.
    public func sharedSecret(_ name: String, proposing proposal: String) async throws(StoreError) -> String {
        try await transaction("agree on the \(name)") { db in
            if let kept = try await db.raw("SELECT value FROM secrets WHERE name = \(bind: name)").first(
                decodingColumn: "value", as: String.self)
            {
                return kept
            }
            try await db.raw("INSERT INTO secrets (name, value) VALUES (\(bind: name), \(bind: proposal))").run()
            return proposal
        }
    }
}
