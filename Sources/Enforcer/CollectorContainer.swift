import Actuation
import Collector
import ContainerRuntime
import CorralCore
import Foundation
import Settings

/// The log collector's container: created at the enforcer's start or reused
/// when one already runs, with host networking on 127.0.0.1 and the store on a
/// bind mount. It carries `corral.role=collector` and `corral.protected=true`,
/// so no plan ever touches it.
public struct CollectorContainer: Sendable {
    /// Why the collector could not be brought up, naming the container, the
    /// image or the URL.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        case imageMissing(image: String)
        case nameTaken(name: String, id: String)
        case runtime(name: String, error: RuntimeError)
        case storeUnwritable(path: String, reason: String)
        case unhealthy(name: String, url: String, seconds: Int, state: String)

        public var description: String {
            switch self {
            case .imageMissing(let image):
                return "the collector image \(image) is not on this host: build it with `make images` (dashboards/build-image.sh)"
            case .nameTaken(let name, let id):
                return
                    "a container named \(name) (\(id.prefix(12))) exists but is not Corral's collector (no corral.role=collector label); rename it or set collector.name"
            case .runtime(let name, let error):
                return "cannot run the collector container \(name): \(error)"
            case .storeUnwritable(let path, let reason):
                return "cannot create the collector's store at \(path): \(reason)"
            case .unhealthy(let name, let url, let seconds, let state):
                return
                    "the collector \(name) did not answer \(url)/healthz within \(seconds) s (container \(state)); see `docker logs \(name)`"
            }
        }
    }

    public let settings: CollectorSettings

    public init(settings: CollectorSettings) {
        self.settings = settings
    }

    /// What `ensure` found or did.
    public enum Outcome: String, Sendable {
        case reused, started, created
    }

    /// Makes sure the collector runs and answers /healthz: reuses one that
    /// runs, replaces a stopped one (its store is on the host, nothing is
    /// lost), creates one when there is none.
    public func ensure(runtime: any ContainerRuntime, client: any CollectorTransport) async throws(Failure) -> Outcome {
        let outcome: Outcome
        switch try await inspect(runtime) {
        case .some(let found) where found.state.isRunning:
            outcome = .reused
        case .some(let found):
            try await call { () async throws(RuntimeError) in try await runtime.remove(found.id, force: true) }
            try await create(runtime)
            outcome = .created
        case .none:
            try await create(runtime)
            outcome = .created
        }
        try await waitHealthy(runtime: runtime, client: client)
        return outcome
    }

    /// Starts the collector again if it exists but stopped (it may have been
    /// stopped by hand or crashed); creates it when it is gone. Does not wait.
    public func revive(runtime: any ContainerRuntime) async throws(Failure) -> Outcome? {
        switch try await inspect(runtime) {
        case .some(let found) where found.state.isRunning:
            return nil
        case .some(let found):
            try await call { () async throws(RuntimeError) in try await runtime.start(found.id) }
            return .started
        case .none:
            try await create(runtime)
            return .created
        }
    }

    /// What the collector's container is made of.
    public var request: ContainerRequest {
        ContainerRequest(
            image: settings.image, name: settings.name,
            labels: [CorralLabel.role: "collector", CorralLabel.protected: CorralLabel.trueValue],
            environment: [
                "CORRAL_COLLECTOR_HOST": "127.0.0.1",
                "CORRAL_COLLECTOR_PORT": "\(settings.port)",
                "CORRAL_COLLECTOR_STORE": "/var/lib/corral/logs",
                "CORRAL_COLLECTOR_RETENTION_DAYS": "\(settings.retentionDays)",
                "CORRAL_COLLECTOR_MAX_FILE_MIB": "\(settings.maxFileMiB)",
                "CORRAL_COLLECTOR_GRAPH_WINDOW_SECONDS": "\(settings.graphWindowSeconds)",
            ],
            network: .host,
            mounts: [.init(hostPath: settings.storePath, containerPath: "/var/lib/corral/logs")])
    }

    // MARK: - Steps

    private func inspect(_ runtime: any ContainerRuntime) async throws(Failure) -> RuntimeContainer? {
        let found: RuntimeContainer
        do {
            found = try await runtime.inspect(settings.name)
        } catch {
            if case .notFound = error { return nil }
            throw .runtime(name: settings.name, error: error)
        }
        guard found.labels[CorralLabel.role] == "collector" else { throw .nameTaken(name: settings.name, id: found.id) }
        return found
    }

    private func create(_ runtime: any ContainerRuntime) async throws(Failure) {
        let present = try await call { () async throws(RuntimeError) in try await runtime.hasImage(settings.image) }
        guard present else { throw .imageMissing(image: settings.image) }
        do {
            try FileManager.default.createDirectory(atPath: settings.storePath, withIntermediateDirectories: true)
        } catch {
            throw .storeUnwritable(path: settings.storePath, reason: "\(error)")
        }
        let id = try await call { () async throws(RuntimeError) in try await runtime.create(request) }
        try await call { () async throws(RuntimeError) in try await runtime.start(id) }
    }

    private func waitHealthy(runtime: any ContainerRuntime, client: any CollectorTransport) async throws(Failure) {
        let deadline = ContinuousClock.now + .seconds(settings.startSeconds)
        while ContinuousClock.now < deadline {
            if await client.healthy() { return }
            if let found = try? await runtime.inspect(settings.name), !found.state.isRunning {
                throw .unhealthy(name: settings.name, url: settings.baseURL, seconds: settings.startSeconds, state: found.state.words)
            }
            try? await Task.sleep(for: .milliseconds(200))
            if Task.isCancelled { break }
        }
        throw .unhealthy(name: settings.name, url: settings.baseURL, seconds: settings.startSeconds, state: "running")
    }

    private func call<T>(_ body: () async throws(RuntimeError) -> T) async throws(Failure) -> T {
        do {
            return try await body()
        } catch {
            throw .runtime(name: settings.name, error: error)
        }
    }
}
