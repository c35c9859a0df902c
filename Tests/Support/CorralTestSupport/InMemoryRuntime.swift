import ContainerRuntime
import Foundation

/// A container runtime that lives in memory, for the unit tier: the kill
/// pool, the starter, the cycle and delivery are specified against it in
/// milliseconds. Each misbehaviour a real daemon shows is one call away:
/// a removal that hangs, a removal already in progress, a container that
/// vanishes before it is killed, a container that exits as soon as it
/// starts, a runtime that goes away.
public actor InMemoryRuntime: ContainerRuntime {
    /// What is left: every container not removed, in creation order.
    public private(set) var containers: [RuntimeContainer] = []
    /// Images on the "host"; creating from another fails as Docker's does.
    public var images: Set<String>
    /// Ids in the order their removal finished.
    public private(set) var removed: [String] = []
    /// The network each container was asked for, by id.
    public private(set) var networks: [String: ContainerRequest.Network] = [:]
    /// Signals and stops, in order: "stop <id>", "signal <id> 15".
    public private(set) var signals: [String] = []
    /// The most removals that were ever under way at once.
    public private(set) var mostRemovalsAtOnce = 0

    private var removalsUnderWay = 0
    private var hanging: [String: Int] = [:]
    private var slow: [String: Duration] = [:]
    private var failing: [String: [RuntimeError]] = [:]
    private var inProgress: [String: Duration] = [:]
    private var vanishing: Set<String> = []
    private var outliving: Set<String> = []
    private var ignoringTerm: Set<String> = []
    private var exitingImages: [String: Int32] = [:]
    private var refusedStarts: [String: RuntimeError] = [:]
    private var outage: String?
    private var nextID = 1

    public init(
        images: Set<String> = ["corral/low-idle", "corral/low-tick", "corral/high-cpu", "corral/high-ram", "corral/collector:latest"]
    ) {
        self.images = images
    }

    // MARK: - Scripting

    /// A running container, as if someone else had started it; returns its id.
    @discardableResult
    public func add(
        image: String = "corral/low-idle", name: String? = nil, labels: [String: String] = [:], state: RuntimeContainer.State = .running
    )
        -> String
    {
        let id = newID()
        containers.append(
            RuntimeContainer(
                id: id, name: name ?? "c-\(id.prefix(6))", image: image, labels: labels, createdAt: Double(nextID), state: state,
                mainPID: state == .running ? Int32(1000 + nextID) : nil))
        return id
    }

    /// The next `times` removals of this container hang until cancelled.
    public func hangRemoval(of id: String, times: Int = .max) { hanging[id] = times }

    /// This container's removal takes `duration` (and then succeeds), so
    /// removals overlap without any deadline being reached.
    public func slowRemoval(of id: String, by duration: Duration) { slow[id] = duration }

    /// The next removals of this container fail with these errors, one each.
    public func failRemoval(of id: String, with errors: [RuntimeError]) { failing[id] = errors }

    /// Another caller is already removing this container: a removal answers
    /// "already in progress", and the container is gone `after` later.
    public func removalAlreadyInProgress(for id: String, finishingAfter delay: Duration) { inProgress[id] = delay }

    /// The removal goes on in the runtime after its caller stops waiting
    /// (as dockerd's does when a request is abandoned), and is done by the
    /// time the caller asks again; until then it hangs.
    public func removalOutlivesCaller(of id: String) { outliving.insert(id) }

    /// The container's PID 1 ignores SIGTERM: a stop takes the whole grace,
    /// then SIGKILLs it.
    public func ignoreSIGTERM(in id: String) { ignoringTerm.insert(id) }

    /// The container disappears (it exited and was removed by someone else)
    /// just before Corral's first call about it.
    public func vanishBeforeKill(_ id: String) { vanishing.insert(id) }

    /// Containers of this image exit with `code` as soon as they start.
    public func exitAtStart(image: String, code: Int32) { exitingImages[image] = code }

    /// Starting containers of this image fails with `error`.
    public func refuseStart(image: String, with error: RuntimeError) { refusedStarts[image] = error }

    /// The image is no longer on the "host".
    public func removeImage(_ image: String) { images.remove(image) }

    /// Every call fails as when the daemon is down, until ``comeBack()``.
    public func goAway(_ reason: String = "runtime not reachable (connection refused)") { outage = reason }

    public func comeBack() { outage = nil }

    /// The container with this id or name, if it is still there.
    public func container(_ idOrName: String) -> RuntimeContainer? { find(idOrName).map { containers[$0] } }

    // MARK: - ContainerRuntime

    public func list(labels: [String: String], includeStopped: Bool) async throws(RuntimeError) -> [RuntimeContainer] {
        try available()
        return containers.filter { container in
            (includeStopped || container.state.isRunning) && labels.allSatisfy { container.labels[$0.key] == $0.value }
        }
    }

    public func inspect(_ container: String) async throws(RuntimeError) -> RuntimeContainer {
        try available()
        guard let index = find(container) else { throw .notFound("No such container: \(container)") }
        return containers[index]
    }

    public func create(_ request: ContainerRequest) async throws(RuntimeError) -> String {
        try available()
        guard images.contains(request.image) else { throw .notFound("No such image: \(request.image)") }
        if let name = request.name, find(name) != nil {
            throw .conflict("The container name \"/\(name)\" is already in use")
        }
        // A container on the bridge gets an address of its own, as a box does.
        var address: String?
        if case .bridge = request.network { address = "10.88.\(nextID / 250).\(nextID % 250 + 2)" }
        let id = newID()
        containers.append(
            RuntimeContainer(
                id: id, name: request.name ?? "c-\(id.prefix(6))", image: request.image, labels: request.labels, createdAt: Double(nextID),
                state: .created, address: address))
        networks[id] = request.network
        return id
    }

    public func start(_ container: String) async throws(RuntimeError) {
        try available()
        guard let index = find(container) else { throw .notFound("No such container: \(container)") }
        let current = containers[index]
        if let refusal = refusedStarts[current.image] { throw refusal }
        let state: RuntimeContainer.State = exitingImages[current.image].map { .exited(code: $0) } ?? .running
        containers[index] = current.with(state: state, mainPID: state == .running ? Int32(1000 + nextID) : nil)
    }

    public func signal(_ container: String, _ signal: Int32) async throws(RuntimeError) {
        try available()
        guard find(container) != nil else { throw .notFound("No such container: \(container)") }
        signals.append("signal \(container) \(signal)")
    }

    public func stop(_ container: String, grace: Duration) async throws(RuntimeError) {
        try available()
        try vanishIfScripted(container)
        guard let index = find(container) else { throw .notFound("No such container: \(container)") }
        signals.append("stop \(container)")
        if ignoringTerm.contains(containers[index].id) {
            do {
                try await Task.sleep(for: grace)
            } catch {
                throw .failed("the stop of \(container) was abandoned")
            }
            // Re-found: the actor may have changed while this stop waited.
            guard let index = find(container) else { throw .notFound("No such container: \(container)") }
            containers[index] = containers[index].with(state: .exited(code: 137), mainPID: nil)
            return
        }
        containers[index] = containers[index].with(state: .exited(code: 143), mainPID: nil)
    }

    public func remove(_ container: String, force: Bool) async throws(RuntimeError) {
        try available()
        try vanishIfScripted(container)
        guard let index = find(container) else { throw .notFound("No such container: \(container)") }
        let id = containers[index].id
        removalsUnderWay += 1
        mostRemovalsAtOnce = max(mostRemovalsAtOnce, removalsUnderWay)
        defer { removalsUnderWay -= 1 }
        if let delay = inProgress.removeValue(forKey: id) {
            containers[index] = containers[index].with(state: .removing, mainPID: nil)
            Task { [weak self] in
                try? await Task.sleep(for: delay)
                await self?.finishRemoval(id)
            }
            throw .removalInProgress("removal of container \(id) is already in progress")
        }
        if outliving.remove(id) != nil {
            do {
                try await Task.sleep(for: .seconds(3600))
            } catch {
                finishRemoval(id)
                throw .failed("the wait for the removal of \(id) was abandoned")
            }
        }
        if let left = hanging[id], left > 0 {
            hanging[id] = left - 1
            do {
                try await Task.sleep(for: .seconds(3600))
            } catch {
                throw .failed("the removal of \(id) was abandoned")
            }
        }
        if let duration = slow[id] {
            try? await Task.sleep(for: duration)
        }
        if var errors = failing[id], !errors.isEmpty {
            let error = errors.removeFirst()
            failing[id] = errors
            throw error
        }
        if !force, containers[index].state.isRunning {
            throw .conflict("cannot remove container \(id): container is running: stop the container before removing or force remove")
        }
        finishRemoval(id)
    }

    public func wait(_ container: String) async throws(RuntimeError) -> Int32 {
        try available()
        guard let index = find(container) else { throw .notFound("No such container: \(container)") }
        return containers[index].state.exitCode
    }

    public nonisolated func events(labels: [String: String], since: Double?) -> AsyncThrowingStream<RuntimeEvent, any Error> {
        AsyncThrowingStream { $0.finish() }
    }

    public func hasImage(_ image: String) async throws(RuntimeError) -> Bool {
        try available()
        return images.contains(image)
    }

    // MARK: - Inside

    private func available() throws(RuntimeError) {
        if let outage { throw .unavailable(outage) }
    }

    private func vanishIfScripted(_ container: String) throws(RuntimeError) {
        guard let index = find(container), vanishing.remove(containers[index].id) != nil else { return }
        containers.remove(at: index)
        throw .notFound("No such container: \(container)")
    }

    private func finishRemoval(_ id: String) {
        guard let index = find(id) else { return }
        containers.remove(at: index)
        removed.append(id)
    }

    private func find(_ idOrName: String) -> Int? {
        containers.firstIndex { $0.id == idOrName || $0.name == idOrName || (idOrName.count >= 12 && $0.id.hasPrefix(idOrName)) }
    }

    private func newID() -> String {
        defer { nextID += 1 }
        // Unique in its first twelve characters, as Docker's short ids are.
        let hex = String(nextID, radix: 16)
        return String(repeating: "0", count: 12 - hex.count) + hex + String(repeating: "a", count: 52)
    }
}

extension RuntimeContainer {
    func with(state: State, mainPID: Int32?) -> RuntimeContainer {
        RuntimeContainer(
            id: id, name: name, image: image, labels: labels, createdAt: createdAt, state: state, mainPID: mainPID, cgroup: cgroup,
            address: address)
    }
}

/// Hands the service an in-memory runtime, or says it is unavailable.
public struct InMemoryConnector: RuntimeConnector {
    public let runtime: InMemoryRuntime

    public init(runtime: InMemoryRuntime) {
        self.runtime = runtime
    }

    public var endpoint: String { "the in-memory runtime" }

    public func withRuntime<T: Sendable>(_ body: (any ContainerRuntime) async throws -> T) async throws -> T {
        try await body(runtime)
    }
}
