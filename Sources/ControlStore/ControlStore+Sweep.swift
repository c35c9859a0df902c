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
}

extension ControlStore {
    /// Marks down every node not heard from for `ttlMs`: its containers
    /// become `lost`, and the create orders it had not acknowledged go back
    /// to the queue to be placed on another node. Orders it took stay its
    /// own: it delivers them when it registers again.
    public func sweep(now: Int64, ttlMs: Int64) async throws(StoreError) -> SweepResult {
        try await transaction("mark silent nodes down") { db in
            let silent = try await db.raw(
                "SELECT id FROM nodes WHERE alive = 1 AND last_heartbeat_ms < \(bind: now - ttlMs) ORDER BY id"
            ).all(decodingColumn: "id", as: String.self)
            var result = SweepResult(down: silent, lost: [], rescheduled: [])
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
