import ContainerRuntime
import DockerEngine
import Logging

/// Connects to the Docker daemon at a socket, with a connection pool sized
/// for `maxConnections` calls at once (the kill pool's width).
public struct DockerConnector: RuntimeConnector {
    public let socketPath: String
    public let maxConnections: Int
    public let logger: Logger

    public init(socketPath: String, maxConnections: Int = 16, logger: Logger = Logger(label: "corral.docker")) {
        self.socketPath = socketPath
        self.maxConnections = maxConnections
        self.logger = logger
    }

    public var endpoint: String { "the Docker daemon at \(socketPath)" }

    public func withRuntime<T: Sendable>(_ body: (any ContainerRuntime) async throws -> T) async throws -> T {
        do {
            return try await DockerClient.withClient(socketPath: socketPath, maxConnections: maxConnections, logger: logger) { client in
                try await body(DockerRuntime(client: client))
            }
        } catch let error as DockerError {
            throw DockerRuntime.translate(error)
        }
    }
}
