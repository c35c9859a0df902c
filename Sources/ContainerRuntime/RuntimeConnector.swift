/// How a long-running part reaches its runtime: connects, lends the runtime
/// to `body`, and lets go when `body` returns. The enforcer's service holds
/// one of these rather than a runtime, so it can wait for a runtime that is
/// not up yet and be handed an in-memory one in tests.
public protocol RuntimeConnector: Sendable {
    /// Where the runtime is, for messages: "the Docker daemon at /var/run/docker.sock".
    var endpoint: String { get }

    /// Runs `body` with a connected runtime. Throws ``RuntimeError/unavailable(_:)``
    /// when the runtime does not answer; rethrows what `body` throws.
    func withRuntime<T: Sendable>(_ body: (any ContainerRuntime) async throws -> T) async throws -> T
}
