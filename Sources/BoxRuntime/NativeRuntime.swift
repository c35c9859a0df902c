import ContainerRuntime
import Foundation

/// Boxes as a ContainerRuntime: what lets the enforcer and the agents work
/// on Corral's own runtime exactly as on Docker. A box's id is its
/// container id, its cgroup is `/corral-boxes/<id>` (the enforcer's probe
/// reads it with cgroup_parent = corral-boxes), its main pid is its init.
public struct NativeRuntime: ContainerRuntime {
    public let host: BoxHost
    /// Where a request for the bridge network puts a box: the bridge, its
    /// subnet and whether boxes get outbound NAT (its ports are the request's).
    public let network: BoxNetworkRequest

    public init(host: BoxHost, network: BoxNetworkRequest = BoxNetworkRequest()) {
        self.host = host
        self.network = network
    }

    /// The probe's cgroup parent for boxes.
    public static let cgroupParent = BoxCgroups.parent

    static func translate(_ error: any Error) -> RuntimeError {
        guard let error = error as? BoxError else { return .failed("\(error)") }
        switch error {
        case .noSuchBox, .noSuchImage: return .notFound(error.description)
        case .nameTaken, .wrongState: return .conflict(error.description)
        default: return .failed(error.description)
        }
    }

    static func container(_ box: Box) -> RuntimeContainer {
        let state: RuntimeContainer.State
        switch box.record.phase {
        case .created: state = .created
        case .running: state = .running
        case .stopped, .exited: state = .exited(code: box.record.exitCode ?? 0)
        }
        return RuntimeContainer(
            id: box.id, name: box.name, image: box.config.image, labels: box.config.labels, createdAt: box.config.createdAt, state: state,
            mainPID: box.record.pid, cgroup: BoxCgroups.path(of: box.id), address: box.config.network?.address)
    }

    public func list(labels: [String: String], includeStopped: Bool) async throws(RuntimeError) -> [RuntimeContainer] {
        await host.list().filter { box in
            (includeStopped || box.isRunning) && labels.allSatisfy { box.config.labels[$0.key] == $0.value }
        }.map(Self.container)
    }

    public func inspect(_ container: String) async throws(RuntimeError) -> RuntimeContainer {
        do {
            return Self.container(try await host.inspect(container))
        } catch {
            throw Self.translate(error)
        }
    }

    public func create(_ request: ContainerRequest) async throws(RuntimeError) -> String {
        var network: BoxNetworkRequest?
        switch request.network {
        case .none: network = nil
        case .host:
            throw .failed("boxes have a network namespace of their own; the host's network (--network host) is not available to them")
        case .bridge(let publish):
            network = self.network
            network?.publish = publish.map(PortMapping.init)
        }
        guard request.mounts.isEmpty else { throw .failed("boxes take no host directories (mounts) yet") }
        do {
            let config = try await host.create(
                name: request.name, image: request.image, command: request.command,
                environment: request.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }, labels: request.labels,
                network: network)
            return config.id
        } catch {
            throw Self.translate(error)
        }
    }

    public func start(_ container: String) async throws(RuntimeError) {
        do {
            try await host.start(container)
        } catch {
            throw Self.translate(error)
        }
    }

    public func signal(_ container: String, _ signal: Int32) async throws(RuntimeError) {
        do {
            try await host.signal(container, signal)
        } catch {
            throw Self.translate(error)
        }
    }

    public func stop(_ container: String, grace: Duration) async throws(RuntimeError) {
        do {
            try await host.stop(container, grace: grace)
        } catch {
            throw Self.translate(error)
        }
    }

    public func remove(_ container: String, force: Bool) async throws(RuntimeError) {
        do {
            try await host.remove(container, force: force)
        } catch {
            throw Self.translate(error)
        }
    }

    public func wait(_ container: String) async throws(RuntimeError) -> Int32 {
        do {
            return try await host.wait(container).record.exitCode ?? 0
        } catch {
            throw Self.translate(error)
        }
    }

    /// Boxes have no daemon to report events: they are read from the boxes'
    /// states, compared every half second.
    public func events(labels: [String: String], since: Double?) -> AsyncThrowingStream<RuntimeEvent, any Error> {
        let host = self.host
        return AsyncThrowingStream { continuation in
            let task = Task {
                var known: [String: Box] = [:]
                for box in await host.list() { known[box.id] = box }
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(500))
                    let now = Date().timeIntervalSince1970
                    var seen: [String: Box] = [:]
                    for box in await host.list() where labels.allSatisfy({ box.config.labels[$0.key] == $0.value }) {
                        seen[box.id] = box
                        let before = known[box.id]
                        if before == nil {
                            continuation.yield(RuntimeEvent(container: box.id, action: .created, time: now, labels: box.config.labels))
                        }
                        if box.isRunning, before?.isRunning != true {
                            continuation.yield(RuntimeEvent(container: box.id, action: .started, time: now, labels: box.config.labels))
                        }
                        if !box.isRunning, before?.isRunning == true {
                            continuation.yield(RuntimeEvent(container: box.id, action: .died, time: now, labels: box.config.labels))
                        }
                    }
                    for (id, box) in known where seen[id] == nil && labels.allSatisfy({ box.config.labels[$0.key] == $0.value }) {
                        continuation.yield(RuntimeEvent(container: id, action: .removed, time: now, labels: box.config.labels))
                    }
                    known = seen
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    public func hasImage(_ image: String) async throws(RuntimeError) -> Bool {
        (try? host.images.resolve(image)) != nil
    }
}

/// Lends a NativeRuntime over the boxes under `paths`: always there (there
/// is no daemon), once the helper is found.
public struct NativeConnector: RuntimeConnector {
    public let host: BoxHost
    public let network: BoxNetworkRequest

    public init(host: BoxHost = BoxHost(), network: BoxNetworkRequest = BoxNetworkRequest()) {
        self.host = host
        self.network = network
    }

    public var endpoint: String { "Corral's boxes under \(host.paths.boxes)" }

    public func withRuntime<T: Sendable>(_ body: (any ContainerRuntime) async throws -> T) async throws -> T {
        do {
            _ = try BoxHelper.locate()
        } catch {
            throw RuntimeError.unavailable("\(error)")
        }
        return try await body(NativeRuntime(host: host, network: network))
    }
}
