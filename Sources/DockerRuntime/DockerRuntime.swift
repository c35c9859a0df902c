// DockerRuntime: Docker as a ContainerRuntime, through the Engine API client.
// The translation both ways lives here and only here: labels to the daemon's
// filters, its states and events to the protocol's, its errors to RuntimeError.

import ContainerRuntime
import DockerEngine

/// A ``ContainerRuntime`` backed by one Docker daemon.
public struct DockerRuntime: ContainerRuntime {
    public let client: DockerClient

    public init(client: DockerClient) {
        self.client = client
    }

    public func list(labels: [String: String], includeStopped: Bool) async throws(RuntimeError) -> [RuntimeContainer] {
        try await call { () async throws(DockerError) in
            try await client.listContainers(all: includeStopped, filters: Self.filters(labels)).map(Self.container)
        }
    }

    public func inspect(_ container: String) async throws(RuntimeError) -> RuntimeContainer {
        try await call { () async throws(DockerError) in Self.container(try await client.inspectContainer(container)) }
    }

    public func create(_ request: ContainerRequest) async throws(RuntimeError) -> String {
        if case .bridge = request.network {
            throw .failed(
                "the docker runtime runs containers without a bridge (network none or host); a bridge and published ports are boxes' (an agent with --runtime native)"
            )
        }
        return try await call { () async throws(DockerError) in try await client.createContainer(Self.spec(request)) }
    }

    public func start(_ container: String) async throws(RuntimeError) {
        try await call { () async throws(DockerError) in try await client.startContainer(container) }
    }

    public func signal(_ container: String, _ signal: Int32) async throws(RuntimeError) {
        try await call { () async throws(DockerError) in try await client.killContainer(container, signal: String(signal)) }
    }

    public func stop(_ container: String, grace: Duration) async throws(RuntimeError) {
        let seconds = Int(grace.components.seconds) + (grace.components.attoseconds > 0 ? 1 : 0)
        try await call { () async throws(DockerError) in try await client.stopContainer(container, graceSeconds: seconds) }
    }

    public func remove(_ container: String, force: Bool) async throws(RuntimeError) {
        try await call { () async throws(DockerError) in try await client.removeContainer(container, force: force) }
    }

    public func wait(_ container: String) async throws(RuntimeError) -> Int32 {
        try await call { () async throws(DockerError) in Int32(truncatingIfNeeded: try await client.waitContainer(container).statusCode) }
    }

    public func events(labels: [String: String], since: Double?) -> AsyncThrowingStream<RuntimeEvent, any Error> {
        let filters = Self.filters(labels).type("container")
        let upstream = client.events(filters: filters, since: since)
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await event in upstream { continuation.yield(Self.event(event)) }
                    continuation.finish()
                } catch let error as DockerError {
                    continuation.finish(throwing: Self.translate(error))
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    public func hasImage(_ image: String) async throws(RuntimeError) -> Bool {
        try await call { () async throws(DockerError) in try await client.imageExists(image) }
    }

    // MARK: - Translation

    private func call<T>(_ body: () async throws(DockerError) -> T) async throws(RuntimeError) -> T {
        do {
            return try await body()
        } catch {
            throw Self.translate(error)
        }
    }

    /// The daemon's error as the protocol's, keeping the daemon's words.
    public static func translate(_ error: DockerError) -> RuntimeError {
        switch error {
        case .notFound(let message): return .notFound(message)
        case .conflict(let message) where error.isRemovalInProgress: return .removalInProgress(message)
        case .conflict(let message): return .conflict(message)
        case .daemonUnavailable: return .unavailable(error.description)
        case .unsupportedAPIVersion, .api, .invalidResponse: return .failed(error.description)
        }
    }

    static func filters(_ labels: [String: String]) -> ContainerFilters {
        labels.sorted { $0.key < $1.key }.reduce(ContainerFilters()) { $0.label($1.key, $1.value) }
    }

    static func container(_ summary: ContainerSummary) -> RuntimeContainer {
        RuntimeContainer(
            id: summary.id, name: summary.name, image: summary.image, labels: summary.labels, createdAt: Double(summary.created),
            state: state(summary.state, exitCode: exitCode(status: summary.status)))
    }

    static func container(_ details: ContainerDetails) -> RuntimeContainer {
        RuntimeContainer(
            id: details.id, name: details.name, image: details.config.image, labels: details.config.labels,
            createdAt: details.createdEpochSeconds ?? 0,
            state: state(details.state.status, exitCode: details.state.exitCode), mainPID: details.state.pid > 0 ? details.state.pid : nil)
    }

    static func state(_ word: String, exitCode: Int32?) -> RuntimeContainer.State {
        switch word {
        case "created": return .created
        case "running", "restarting": return .running
        case "paused": return .paused
        case "exited", "dead": return .exited(code: exitCode ?? -1)
        case "removing": return .removing
        default: return .other(word)
        }
    }

    /// "Exited (137) 3 seconds ago": listing says the code only in words.
    static func exitCode(status: String) -> Int32? {
        guard status.hasPrefix("Exited ("), let close = status.firstIndex(of: ")") else { return nil }
        return Int32(status[status.index(status.startIndex, offsetBy: 8)..<close])
    }

    static func spec(_ request: ContainerRequest) -> ContainerSpec {
        let network: String
        switch request.network {
        case .none: network = "none"
        case .host: network = "host"
        case .bridge: network = "bridge"
        }
        return ContainerSpec(
            image: request.image, name: request.name, labels: request.labels, cmd: request.command, env: request.environment,
            networkMode: network,
            binds: request.mounts.map { "\($0.hostPath):\($0.containerPath)\($0.readOnly ? ":ro" : "")" })
    }

    static func event(_ event: DockerEvent) -> RuntimeEvent {
        let action: RuntimeEvent.Action
        switch event.action.split(separator: ":").first.map(String.init) ?? event.action {
        case "create": action = .created
        case "start": action = .started
        case "die": action = .died
        case "kill": action = .killed
        case "stop": action = .stopped
        case "destroy": action = .removed
        case let word: action = .other(word)
        }
        return RuntimeEvent(container: event.actorID, action: action, time: Double(event.timeNano) / 1e9, labels: event.attributes)
    }
}
