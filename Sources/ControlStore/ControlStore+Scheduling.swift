import ControlAPI
import CorralCore
import SQLKit

/// What one scheduling pass did with one job.
public enum SchedulingEvent: Sendable, Equatable {
    case placed(job: String, container: String, node: String)
    /// A stop or delete handed to the node that has the container.
    case routed(job: String, node: String)
    /// Done without a node: a stop or delete of a container never placed.
    case completed(job: String)
    /// No node fits yet; the job waits (reason says why).
    case waiting(job: String, reason: String)
    case failed(job: String, reason: String)
}

extension ControlStore {
    /// One pass over the jobs waiting to be scheduled, oldest first, in one
    /// transaction: creates are placed by the scheduler (each seeing the
    /// placements before it), stops and deletes go to the container's node.
    /// A create no node can take waits, and fails after `placementTimeoutMs`.
    public func schedule(
        limit: Int = 256, strategy defaultStrategy: PlacementStrategy, placementTimeoutMs: Int64, now: Int64
    ) async throws(StoreError) -> [SchedulingEvent] {
        // Most passes find nothing new: look without the write lock first.
        // A job that waits for a node is looked at again a second later.
        let waiting = try await read("look for waiting jobs") { db in
            try await db.raw(
                """
                SELECT COUNT(*) AS n FROM jobs WHERE state = \(bind: JobState.received.rawValue) AND next_attempt_ms <= \(bind: now)
                """
            ).first(decodingColumn: "n", as: Int.self) ?? 0
        }
        guard waiting > 0 else { return [] }
        return try await transaction("schedule waiting jobs") { db in
            // Few statements a pass, whatever its size: on PostgreSQL each is
            // a round trip made while every other writer waits.
            let rows = try await db.raw(
                """
                SELECT \(unsafeRaw: Rows.jobColumns) FROM jobs WHERE state = \(bind: JobState.received.rawValue)
                AND next_attempt_ms <= \(bind: now) ORDER BY created_at_ms, id LIMIT \(literal: limit)
                """
            ).all()
            guard !rows.isEmpty else { return [] }
            let jobs = try rows.map { (job: try Rows.job($0), createdAtMs: try $0.decode(column: "created_at_ms", as: Int64.self)) }
            let containerIDs = Array(Set(jobs.map(\.job.containerID))).sorted()
            var containers: [String: ContainerRecord] = [:]
            for record in try await db.raw(
                "SELECT \(unsafeRaw: Rows.containerColumns) FROM containers WHERE id IN (\(binds: containerIDs))"
            ).all().map(Rows.container) {
                containers[record.id] = record
            }
            let allocations = try await allocations(db)
            var nodes = try await db.raw("SELECT \(unsafeRaw: Rows.nodeColumns) FROM nodes ORDER BY id").all().map(Rows.node).map {
                $0.schedulable(allocated: allocations[$0.id] ?? .zero)
            }
            var events: [SchedulingEvent] = []
            // Jobs that wait, by the reason they wait for: one update each.
            var waiting: [String: [String]] = [:]
            for (job, createdAtMs) in jobs {
                guard let container = containers[job.containerID] else {
                    try await finish(db, job: job.id, succeeded: job.kind == .delete, reason: "the container no longer exists", now: now)
                    events.append(
                        job.kind == .delete ? .completed(job: job.id) : .failed(job: job.id, reason: "the container no longer exists"))
                    continue
                }
                switch job.kind {
                case .create:
                    let event = try await place(
                        db, job: job, createdAtMs: createdAtMs, container: container, nodes: &nodes, defaultStrategy, placementTimeoutMs,
                        now)
                    if case .waiting(_, let reason) = event { waiting[reason, default: []].append(job.id) }
                    events.append(event)
                case .stop, .delete:
                    if let node = container.node {
                        try await route(db, job: job.id, to: node, now: now)
                        events.append(.routed(job: job.id, node: node))
                    } else {
                        // Never placed: nothing runs anywhere, so it is done here.
                        if job.kind == .delete {
                            try await db.raw("DELETE FROM containers WHERE id = \(bind: container.id)").run()
                        } else {
                            try await db.raw(
                                "UPDATE containers SET actual = \(bind: ActualState.stopped.rawValue), updated_at_ms = \(bind: now) WHERE id = \(bind: container.id)"
                            ).run()
                        }
                        try await finish(db, job: job.id, succeeded: true, reason: nil, now: now)
                        events.append(.completed(job: job.id))
                    }
                }
            }
            // A job that waits is looked at again a second later.
            for (reason, ids) in waiting.sorted(by: { $0.key < $1.key }) {
                try await db.raw(
                    """
                    UPDATE jobs SET reason = \(bind: reason), next_attempt_ms = \(bind: now + 1000),
                    updated_at_ms = CASE WHEN reason = \(bind: reason) THEN updated_at_ms ELSE \(bind: now) END
                    WHERE id IN (\(binds: ids))
                    """
                ).run()
            }
            return events
        }
    }

    /// Places one create, or fails it after the timeout; a create that
    /// waits is answered `.waiting` and written by the caller with the rest.
    private func place(
        _ db: any SQLDatabase, job: Job, createdAtMs: Int64, container: ContainerRecord, nodes: inout [SchedulableNode],
        _ defaultStrategy: PlacementStrategy,
        _ placementTimeoutMs: Int64, _ now: Int64
    ) async throws -> SchedulingEvent {
        guard container.desired == .running else {
            let reason = "the container was \(container.desired == .deleted ? "deleted" : "stopped") before it was placed"
            try await finish(db, job: job.id, succeeded: false, reason: reason, now: now)
            return .failed(job: job.id, reason: reason)
        }
        let spec = container.spec
        let request = PlacementRequest(
            millicpus: spec.reservation.millicpus, memoryBytes: spec.reservation.memoryBytes, nodeLabels: spec.nodeLabels,
            runtime: spec.placementRuntime,
            strategy: spec.strategy.flatMap(PlacementStrategy.init(rawValue:)) ?? defaultStrategy)
        switch Scheduler.place(request, on: nodes) {
        case .node(let node):
            if let index = nodes.firstIndex(where: { $0.id == node }) {
                nodes[index].allocated = nodes[index].allocated.plus(request.resources)
            }
            try await db.raw(
                """
                UPDATE jobs SET state = \(bind: JobState.scheduled.rawValue), node_id = \(bind: node), attempts = attempts + 1, reason = NULL,
                updated_at_ms = \(bind: now) WHERE id = \(bind: job.id)
                """
            ).run()
            try await db.raw(
                """
                UPDATE containers SET node_id = \(bind: node), actual = \(bind: ActualState.pending.rawValue), reason = NULL,
                updated_at_ms = \(bind: now) WHERE id = \(bind: container.id)
                """
            ).run()
            return .placed(job: job.id, container: container.id, node: node)
        case .none(let why):
            let waitedMs = now - createdAtMs
            if waitedMs >= placementTimeoutMs {
                let reason = "no node could take it within \(placementTimeoutMs / 1000) s: \(why)"
                try await finish(db, job: job.id, succeeded: false, reason: reason, now: now)
                try await db.raw(
                    "UPDATE containers SET reason = \(bind: reason), updated_at_ms = \(bind: now) WHERE id = \(bind: container.id)"
                ).run()
                return .failed(job: job.id, reason: reason)
            }
            return .waiting(job: job.id, reason: "waiting for a node: \(why)")
        }
    }

    private func route(_ db: any SQLDatabase, job: String, to node: String, now: Int64) async throws {
        try await db.raw(
            """
            UPDATE jobs SET state = \(bind: JobState.scheduled.rawValue), node_id = \(bind: node), attempts = attempts + 1,
            updated_at_ms = \(bind: now) WHERE id = \(bind: job)
            """
        ).run()
    }

    func finish(_ db: any SQLDatabase, job: String, succeeded: Bool, reason: String?, now: Int64) async throws {
        let state = succeeded ? JobState.succeeded : JobState.failed
        try await db.raw(
            "UPDATE jobs SET state = \(bind: state.rawValue), reason = \(bind: reason), updated_at_ms = \(bind: now) WHERE id = \(bind: job)"
        ).run()
    }
}
