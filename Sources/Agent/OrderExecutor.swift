import ContainerRuntime
import ControlAPI
import CorralCore
import Logging

/// Acts on work orders through the runtime, `workers` at a time, the orders
/// of one container strictly in turn. Every action is idempotent: a
/// container is found by the service id its labels carry, so an order
/// delivered twice (or again after a restart) creates nothing twice.
actor OrderExecutor {
    let runtime: any ContainerRuntime
    let settings: AgentSettings
    let logger: Logger
    /// Where outcomes go (reported to the control plane, retried until they land).
    let report: @Sendable (AgentReport) async -> Void

    private var queues: [String: [Order]] = [:]
    private var inFlight: Set<String> = []
    private var active = 0
    private var waiting: [String] = []

    init(runtime: any ContainerRuntime, settings: AgentSettings, logger: Logger, report: @escaping @Sendable (AgentReport) async -> Void) {
        self.runtime = runtime
        self.settings = settings
        self.logger = logger
        self.report = report
    }

    /// Orders not already taken; the rest are duplicates of ones in hand.
    func fresh(_ orders: [Order]) -> [Order] {
        orders.filter { !inFlight.contains($0.jobID) }
    }

    /// Queues orders; each container's run in the order given.
    func submit(_ orders: [Order]) {
        for order in orders where !inFlight.contains(order.jobID) {
            inFlight.insert(order.jobID)
            let container = order.container.id
            if queues[container] == nil {
                queues[container] = [order]
                waiting.append(container)
            } else {
                queues[container]?.append(order)
            }
        }
        startWorkers()
    }

    var idle: Bool { inFlight.isEmpty }

    private func startWorkers() {
        while active < settings.workers, !waiting.isEmpty {
            let container = waiting.removeFirst()
            active += 1
            Task { await self.drain(container) }
        }
    }

    private func drain(_ container: String) async {
        while let order = queues[container]?.first {
            let outcome = await perform(order)
            await report(outcome)
            queues[container]?.removeFirst()
            inFlight.remove(order.jobID)
        }
        queues[container] = nil
        active -= 1
        startWorkers()
    }

    /// Does one order and says how it went, job and container both.
    func perform(_ order: Order) async -> AgentReport {
        let record = order.container
        do {
            switch order.kind {
            case .create: return try await create(order)
            case .stop:
                guard let found = try await find(record.id) else {
                    return AgentReport(
                        jobs: [JobOutcome(jobID: order.jobID, succeeded: true)],
                        containers: [ContainerStatus(containerID: record.id, actual: .stopped, reason: "not on this node")])
                }
                try await runtime.stop(found.id, grace: settings.stopGrace)
                let after = try await runtime.inspect(found.id)
                return AgentReport(
                    jobs: [JobOutcome(jobID: order.jobID, succeeded: true)],
                    containers: [
                        ContainerStatus(containerID: record.id, actual: .stopped, runtimeID: found.id, exitCode: after.state.exitCode)
                    ])
            case .delete:
                if let found = try await find(record.id) {
                    do {
                        try await runtime.remove(found.id, force: true)
                    } catch .notFound {
                        // Gone already: what was asked.
                    } catch .removalInProgress {
                        // Another removal finishes it.
                    }
                }
                return AgentReport(
                    jobs: [JobOutcome(jobID: order.jobID, succeeded: true)],
                    containers: [ContainerStatus(containerID: record.id, actual: .stopped, removed: true)])
            }
        } catch {
            logger.warning("order failed", metadata: ["job": "\(order.jobID)", "kind": "\(order.kind.rawValue)", "error": "\(error)"])
            return AgentReport(
                jobs: [JobOutcome(jobID: order.jobID, succeeded: false, reason: "\(error)")],
                containers: order.kind == .create
                    ? [ContainerStatus(containerID: record.id, actual: .exited, reason: "could not be started: \(error)")] : [])
        }
    }

    private func create(_ order: Order) async throws(RuntimeError) -> AgentReport {
        let record = order.container
        let id: String
        if let found = try await find(record.id) {
            id = found.id
        } else {
            var labels = record.spec.labels
            for (key, value) in settings.ownLabels { labels[key] = value }
            labels[CorralLabel.serviceContainer] = record.id
            let request = ContainerRequest(
                image: record.spec.image, name: Self.runtimeName(record.id), labels: labels,
                command: record.spec.arguments.isEmpty ? nil : record.spec.arguments, environment: record.spec.env,
                network: record.spec.onBridge ? .bridge(publish: record.spec.ports) : .none)
            do {
                id = try await runtime.create(request)
            } catch .conflict(let message) {
                // Its name is taken: by this container (created just before a
                // crash, not yet listed) or by something that is not ours.
                let existing = try await runtime.inspect(Self.runtimeName(record.id))
                guard existing.labels[CorralLabel.node] == settings.nodeID, existing.labels[CorralLabel.serviceContainer] == record.id
                else {
                    throw .conflict("a container named \(Self.runtimeName(record.id)) exists and is not this node's: \(message)")
                }
                id = existing.id
            }
        }
        try await runtime.start(id)
        let after = try await runtime.inspect(id)
        let actual: ActualState = after.state.isRunning ? .running : .exited
        return AgentReport(
            jobs: [JobOutcome(jobID: order.jobID, succeeded: true)],
            containers: [
                ContainerStatus(
                    containerID: record.id, actual: actual, runtimeID: id, exitCode: actual == .exited ? after.state.exitCode : nil,
                    address: after.address)
            ])
    }

    /// This node's runtime container for service container `id`, if any.
    func find(_ id: String) async throws(RuntimeError) -> RuntimeContainer? {
        var labels = settings.ownLabels
        labels[CorralLabel.serviceContainer] = id
        return try await runtime.list(labels: labels, includeStopped: true).first
    }

    /// The runtime's name for a service container.
    static func runtimeName(_ id: String) -> String { "corral-\(id)" }
}
