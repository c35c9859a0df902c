import ContainerRuntime
import ControlAPI
import ControlClient
import CorralCore
import Foundation
import Logging
import Probe
import ServiceLifecycle

/// `corral agent` as a Service: registers with `subscribe` (and reconciles),
/// then beats, polls for orders, acknowledges them at once, acts and
/// reports, until shutdown. Losing the control plane is not fatal: it
/// retries with jittered back-off and, once back, registers again.
public final class AgentService: Service, Sendable {
    let settings: AgentSettings
    let runtime: any ContainerRuntime
    let client: ControlClient
    let logger: Logger
    let secret: String
    private let executor: OrderExecutor

    /// How long a poll for orders is held by the control plane.
    static let pollSeconds = 15.0

    public init(settings: AgentSettings, runtime: any ContainerRuntime, logger: Logger) throws(AgentError) {
        self.settings = settings
        self.runtime = runtime
        self.logger = logger
        secret = try NodeSecret.ensure(directory: settings.stateDirectory)
        let client = ControlClient(baseURLs: settings.controlURLs, token: settings.token)
        self.client = client
        let path = "/v1/agent/nodes/\(settings.nodeID)/reports"
        let secret = secret
        executor = OrderExecutor(runtime: runtime, settings: settings, logger: logger) { report in
            await Self.deliver(report, client: client, path: path, secret: secret, logger: logger)
        }
    }

    public func run() async throws {
        defer { Task { [client] in await client.shutdown() } }
        var failures = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let reply = try await register()
                failures = 0
                logger.info(
                    "registered",
                    metadata: ["node": "\(settings.nodeID)", "orders": "\(reply.orders.count)", "remove": "\(reply.remove.count)"])
                try await reconcile(reply)
                // Beat and poll until either learns the node was marked
                // down (then register again) or shutdown.
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await self.beat(every: reply.heartbeatSeconds) }
                    group.addTask { try await self.poll() }
                    group.addTask { try await self.sync(every: max(reply.heartbeatSeconds * 2, 1)) }
                    group.addTask {
                        try await gracefulShutdown()
                        throw CancellationError()
                    }
                    defer { group.cancelAll() }
                    try await group.next()
                }
            } catch let error as AgentError {
                throw error
            } catch let error as ControlClientError where error.code == "node_down" {
                logger.warning("the control plane marked this node down; registering again", metadata: ["node": "\(settings.nodeID)"])
            } catch is CancellationError {
                break
            } catch {
                failures += 1
                let delay = Self.backoff.delay(afterFailures: failures)
                logger.warning("control plane unreachable; retrying", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                try? await Task.sleep(for: delay)
            }
        }
        // Orders in hand finish before the agent goes.
        while !(await executor.idle) { try? await Task.sleep(for: .milliseconds(50)) }
    }

    /// 0.2 s doubling to 10 s, each with up to half again of jitter, so
    /// agents that lost the control plane together do not return together.
    static let backoff = Backoff(initial: .milliseconds(200), maximum: .seconds(10), jitter: 0.5)

    private func register() async throws -> RegistrationReply {
        let inventory = try await ownContainers().compactMap { container -> InventoryItem? in
            guard let id = container.labels[CorralLabel.serviceContainer] else { return nil }
            return InventoryItem(
                containerID: id, runtimeID: container.id, actual: Self.actual(container.state), exitCode: Self.exitCode(container.state))
        }
        let registration = Registration(
            node: settings.nodeID, secret: secret, runtime: settings.runtime, labels: settings.labels, capacity: capacity(),
            inventory: inventory)
        do {
            return try await client.send(.POST, "/v1/agent/register", body: registration, as: RegistrationReply.self)
        } catch {
            if error.code == "wrong_secret" { throw AgentError.identityTaken(node: settings.nodeID, message: "\(error)") }
            throw error
        }
    }

    /// Applies what registration answered: removes the runtime containers
    /// the service gave elsewhere or deleted, and takes up every unfinished
    /// order again.
    private func reconcile(_ reply: RegistrationReply) async throws {
        let own = try await ownContainers()
        for id in reply.remove {
            for container in own where container.labels[CorralLabel.serviceContainer] == id {
                logger.info(
                    "removing a container the service placed elsewhere", metadata: ["container": "\(id)", "runtime_id": "\(container.id)"])
                try? await runtime.remove(container.id, force: true)
            }
        }
        try await take(reply.orders)
    }

    /// Acknowledges fresh orders at once ("received"), then queues them.
    private func take(_ orders: [Order]) async throws {
        let fresh = await executor.fresh(orders)
        guard !fresh.isEmpty else { return }
        try await client.send(
            .POST, "/v1/agent/nodes/\(settings.nodeID)/acks", body: Acknowledgement(jobIDs: fresh.map(\.jobID)), headers: headers)
        await executor.submit(fresh)
    }

    private func beat(every seconds: Double) async throws {
        while !Task.isCancelled {
            let running = (try? await ownContainers().count(where: { $0.state.isRunning })) ?? 0
            try await client.send(
                .POST, "/v1/agent/nodes/\(settings.nodeID)/heartbeat", body: Heartbeat(running: running), headers: headers)
            try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
        }
    }

    private func poll() async throws {
        while !Task.isCancelled {
            let batch = try await client.send(
                .GET, "/v1/agent/nodes/\(settings.nodeID)/orders?wait=\(Self.pollSeconds)", headers: headers,
                timeout: .seconds(Int64(Self.pollSeconds) + 10), as: OrderBatch.self)
            try await take(batch.orders)
        }
    }

    /// Reports the containers whose state changed on their own (a process
    /// that exited, a container removed behind the service's back), so the
    /// service's actual state stays true.
    private func sync(every seconds: Double) async throws {
        var last: [String: ContainerStatus] = [:]
        while !Task.isCancelled {
            try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
            guard await executor.idle else { continue }
            let statuses = try await ownContainers().compactMap { container -> ContainerStatus? in
                guard let id = container.labels[CorralLabel.serviceContainer] else { return nil }
                return ContainerStatus(
                    containerID: id, actual: Self.actual(container.state), runtimeID: container.id,
                    exitCode: Self.exitCode(container.state),
                    address: container.address)
            }
            var changed = statuses.filter { last[$0.containerID] != $0 }
            // Gone without an order (the enforcer, or someone with the
            // docker CLI, removed it): the service must not think it runs.
            let present = Set(statuses.map(\.containerID))
            for (id, before) in last where !present.contains(id) && before.actual != .exited {
                changed.append(
                    ContainerStatus(
                        containerID: id, actual: .exited, runtimeID: before.runtimeID,
                        reason: "removed from this node's runtime outside the service"))
            }
            if !changed.isEmpty {
                try await client.send(
                    .POST, "/v1/agent/nodes/\(settings.nodeID)/reports", body: AgentReport(containers: changed), headers: headers)
            }
            last = Dictionary(statuses.map { ($0.containerID, $0) }, uniquingKeysWith: { first, _ in first })
        }
    }

    /// Sends a report until it lands (or the agent stops): an outcome is
    /// never dropped because the control plane was away for a moment.
    static func deliver(_ report: AgentReport, client: ControlClient, path: String, secret: String, logger: Logger) async {
        var failures = 0
        while !Task.isCancelled {
            do {
                try await client.send(.POST, path, body: report, headers: [("Corral-Node-Secret", secret)])
                return
            } catch {
                if let status = error.status, status == 403 || status == 400 {
                    logger.error("the control plane refused a report", metadata: ["error": "\(error)"])
                    return
                }
                failures += 1
                try? await Task.sleep(for: backoff.delay(afterFailures: failures))
            }
        }
    }

    private var headers: [(String, String)] { [("Corral-Node-Secret", secret)] }

    /// This node's containers in the runtime (its labels, stopped ones too).
    private func ownContainers() async throws -> [RuntimeContainer] {
        do {
            return try await runtime.list(labels: settings.ownLabels, includeStopped: true)
        } catch {
            throw AgentError.runtime("\(error)")
        }
    }

    /// CPUs and memory of this host, read as the probe reads them.
    private func capacity() -> Resources {
        let memoryKb = (try? ProcfsProbe().memory().totalKb) ?? 0
        let cpus = Int64(ProcessInfo.processInfo.activeProcessorCount)
        return Resources(millicpus: cpus * 1000, memoryBytes: Int64(memoryKb) * 1024, containers: settings.maxContainers)
    }

    static func actual(_ state: RuntimeContainer.State) -> ActualState {
        switch state {
        case .running, .paused: return .running
        case .created: return .pending
        case .exited, .removing, .other: return .exited
        }
    }

    static func exitCode(_ state: RuntimeContainer.State) -> Int32? {
        if case .exited(let code) = state { return code }
        return nil
    }
}
