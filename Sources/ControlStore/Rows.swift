import ControlAPI
import CorralCore
import Foundation
import SQLKit

/// Rows to records and back: the one place that knows the columns.
enum Rows {
    static let containerColumns =
        "id, name, spec, node_id, desired, actual, runtime_id, exit_code, reason, millicpus, memory_bytes, created_at_ms, updated_at_ms, address"
    static let jobColumns = "id, kind, container_id, state, reason, node_id, attempts, created_at_ms, updated_at_ms"
    static let nodeColumns =
        "id, secret, runtime, labels, millicpus, memory_bytes, max_containers, running, alive, draining, last_heartbeat_ms, registered_at_ms"

    static func container(_ row: any SQLRow) throws -> ContainerRecord {
        let id = try row.decode(column: "id", as: String.self)
        func value<T: RawRepresentable>(_ column: String, _ type: T.Type) throws -> T where T.RawValue == String {
            let raw = try row.decode(column: column, as: String.self)
            guard let value = T(rawValue: raw) else { throw StoreError.corrupt(table: "containers", id: id, message: "\(column) '\(raw)'") }
            return value
        }
        let specText = try row.decode(column: "spec", as: String.self)
        let spec: ContainerSpec
        do {
            spec = try JSONDecoder().decode(ContainerSpec.self, from: Data(specText.utf8))
        } catch {
            throw StoreError.corrupt(table: "containers", id: id, message: "spec: \(error)")
        }
        return ContainerRecord(
            id: id, name: try row.decode(column: "name", as: String.self), spec: spec,
            node: try row.decode(column: "node_id", as: String?.self),
            desired: try value("desired", DesiredState.self), actual: try value("actual", ActualState.self),
            runtimeID: try row.decode(column: "runtime_id", as: String?.self),
            exitCode: try row.decode(column: "exit_code", as: Int64?.self).map { Int32(clamping: $0) },
            reason: try row.decode(column: "reason", as: String?.self),
            address: try row.decode(column: "address", as: String?.self),
            createdAt: text(try row.decode(column: "created_at_ms", as: Int64.self)),
            updatedAt: text(try row.decode(column: "updated_at_ms", as: Int64.self)))
    }

    static func job(_ row: any SQLRow) throws -> Job {
        let id = try row.decode(column: "id", as: String.self)
        let kindText = try row.decode(column: "kind", as: String.self)
        let stateText = try row.decode(column: "state", as: String.self)
        guard let kind = JobKind(rawValue: kindText), let state = JobState(rawValue: stateText) else {
            throw StoreError.corrupt(table: "jobs", id: id, message: "kind '\(kindText)', state '\(stateText)'")
        }
        return Job(
            id: id, kind: kind, containerID: try row.decode(column: "container_id", as: String.self), state: state,
            reason: try row.decode(column: "reason", as: String?.self), node: try row.decode(column: "node_id", as: String?.self),
            attempts: Int(try row.decode(column: "attempts", as: Int64.self)),
            createdAt: text(try row.decode(column: "created_at_ms", as: Int64.self)),
            updatedAt: text(try row.decode(column: "updated_at_ms", as: Int64.self)))
    }

    /// A node row as stored, before its allocation is known.
    struct NodeRow {
        var id: String
        var secret: String
        var runtime: String
        var labels: [String: String]
        var capacity: Resources
        var running: Int
        var alive: Bool
        var draining: Bool
        var lastHeartbeatMs: Int64
        var registeredAtMs: Int64

        var state: NodeState { !alive ? .down : draining ? .draining : .ready }

        func record(allocated: Resources) -> NodeRecord {
            NodeRecord(
                id: id, runtime: runtime, labels: labels, state: state, capacity: capacity, allocated: allocated, running: running,
                lastHeartbeat: text(lastHeartbeatMs), registeredAt: text(registeredAtMs))
        }

        func schedulable(allocated: Resources) -> SchedulableNode {
            SchedulableNode(id: id, runtime: runtime, labels: labels, accepting: state == .ready, capacity: capacity, allocated: allocated)
        }
    }

    static func node(_ row: any SQLRow) throws -> NodeRow {
        let id = try row.decode(column: "id", as: String.self)
        let labelsText = try row.decode(column: "labels", as: String.self)
        guard let labels = try? JSONDecoder().decode([String: String].self, from: Data(labelsText.utf8)) else {
            throw StoreError.corrupt(table: "nodes", id: id, message: "labels '\(labelsText)'")
        }
        return NodeRow(
            id: id, secret: try row.decode(column: "secret", as: String.self), runtime: try row.decode(column: "runtime", as: String.self),
            labels: labels,
            capacity: Resources(
                millicpus: try row.decode(column: "millicpus", as: Int64.self),
                memoryBytes: try row.decode(column: "memory_bytes", as: Int64.self),
                containers: try row.decode(column: "max_containers", as: Int64.self)),
            running: Int(try row.decode(column: "running", as: Int64.self)), alive: try row.decode(column: "alive", as: Int64.self) != 0,
            draining: try row.decode(column: "draining", as: Int64.self) != 0,
            lastHeartbeatMs: try row.decode(column: "last_heartbeat_ms", as: Int64.self),
            registeredAtMs: try row.decode(column: "registered_at_ms", as: Int64.self))
    }

    static func text(_ milliseconds: Int64) -> String {
        Timestamp.rfc3339(Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }

    static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

extension ContainerSpec {
    /// What the scheduler reserves for it.
    var reservation: Resources {
        Resources(millicpus: Int64(((cpus ?? 0) * 1000).rounded()), memoryBytes: memoryBytes ?? 0, containers: 1)
    }
}
