import CorralCore
import DockerEngine
import DockerRuntime
import Foundation
import Logging

/// The socket the real daemon answers on; `make test` starts one there.
public let testSocketPath = DockerClient.defaultSocketPath()

/// Runs `body` against the real Docker daemon. A daemon that does not answer
/// fails the test with the way to start one: these tests never skip.
public func withDocker<T: Sendable>(maxConnections: Int = 8, _ body: (DockerClient) async throws -> T) async throws -> T {
    do {
        return try await DockerClient.withClient(socketPath: testSocketPath, maxConnections: maxConnections, body)
    } catch let error as DockerError where error.isDaemonUnavailable {
        throw DaemonMissing(underlying: error)
    }
}

public struct DaemonMissing: Error, CustomStringConvertible {
    let underlying: DockerError
    public var description: String {
        "\(underlying). These tests need the real daemon: run them with 'make test', which starts it (scripts/engine.sh)."
    }
}

/// Containers a test created, removed when the test ends whatever happened.
public actor Scratch {
    public nonisolated let docker: DockerClient
    /// A label value unique to this test, so it counts only its own containers.
    public nonisolated let run = "t-" + UUID().uuidString.prefix(8).lowercased()
    public static let runLabel = "corral.test-run"
    private var ids: [String] = []

    public init(docker: DockerClient) { self.docker = docker }

    /// The same daemon as a ``ContainerRuntime``.
    public nonisolated var runtime: DockerRuntime { DockerRuntime(client: docker) }

    /// Creates (and by default starts) a container labelled with this test's run.
    @discardableResult
    public func container(
        image: String = "corral/low-idle", name: String? = nil, labels: [String: String] = [:], env: [String: String] = [:],
        start: Bool = true
    ) async throws -> String {
        var all = labels
        all[Scratch.runLabel] = run
        let id = try await docker.createContainer(ContainerSpec(image: image, name: name, labels: all, env: env, networkMode: "none"))
        ids.append(id)
        if start { try await docker.startContainer(id) }
        return id
    }

    /// Removes this container (by id or name) at the end of the test too.
    public func adopt(_ idOrName: String) {
        ids.append(idOrName)
    }

    /// Every container carrying this test's run label.
    public func listed(all: Bool = true) async throws -> [ContainerSummary] {
        try await docker.listContainers(all: all, filters: .label(Scratch.runLabel, run))
    }

    /// A path in the temporary directory for this test's files; everything
    /// there whose name carries this test's run goes at ``cleanUp()``.
    public nonisolated func temporaryPath(_ prefix: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(run)-\(UUID().uuidString.prefix(8).lowercased())").path
    }

    /// Removes every container this test made or that carries its run label,
    /// and its files in the temporary directory (spools, stores, documents).
    public func cleanUp() async {
        let temporary = FileManager.default.temporaryDirectory
        for name in (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? [] where name.contains(run) {
            try? FileManager.default.removeItem(at: temporary.appendingPathComponent(name))
        }
        let labelled = (try? await listed().map(\.id)) ?? []
        await withTaskGroup(of: Void.self) { group in
            for id in Set(ids + labelled) {
                group.addTask { [docker] in try? await docker.removeContainer(id, force: true) }
            }
        }
        ids = []
    }
}

/// Runs `body` with a ``Scratch`` and always cleans it up.
public func withScratch<T: Sendable>(_ body: (Scratch) async throws -> T) async throws -> T {
    try await withDocker { docker in
        let scratch = Scratch(docker: docker)
        do {
            let value = try await body(scratch)
            await scratch.cleanUp()
            return value
        } catch {
            await scratch.cleanUp()
            throw error
        }
    }
}
