// ContainerRuntime: what Corral asks of whatever runs its containers. The
// enforcer, its kill pool and starter, and the collector's container speak
// only this protocol; Docker (DockerRuntime) is one implementation, Corral's
// own runtime another, and tests use one that lives in memory.

/// Runs containers and answers for them. Every call names one container by
/// its id (or its name where the runtime keeps names), and fails with a
/// ``RuntimeError`` that says which container and what the runtime said.
public protocol ContainerRuntime: Sendable {
    /// Containers carrying every one of `labels`; only running ones unless
    /// `includeStopped`.
    func list(labels: [String: String], includeStopped: Bool) async throws(RuntimeError) -> [RuntimeContainer]

    /// One container by id or name; ``RuntimeError/notFound(_:)`` when it is gone.
    func inspect(_ container: String) async throws(RuntimeError) -> RuntimeContainer

    /// Creates a container (not started) and returns its id.
    func create(_ request: ContainerRequest) async throws(RuntimeError) -> String

    /// Starts a created or stopped container; starting a running one is not an error.
    func start(_ container: String) async throws(RuntimeError)

    /// Sends one signal to the container's main process.
    func signal(_ container: String, _ signal: Int32) async throws(RuntimeError)

    /// SIGTERM (or the image's stop signal), then SIGKILL after `grace`.
    /// Stopping a stopped container is not an error.
    func stop(_ container: String, grace: Duration) async throws(RuntimeError)

    /// Removes a container; with `force` a running one is killed first. A
    /// removal another caller already started answers
    /// ``RuntimeError/removalInProgress(_:)``.
    func remove(_ container: String, force: Bool) async throws(RuntimeError)

    /// Waits until the container is no longer running and returns its exit code.
    func wait(_ container: String) async throws(RuntimeError) -> Int32

    /// What happens to containers carrying every one of `labels`, from
    /// `since` (seconds since the epoch) on. The stream ends with a
    /// ``RuntimeError`` when the runtime goes away.
    func events(labels: [String: String], since: Double?) -> AsyncThrowingStream<RuntimeEvent, any Error>

    /// True when the image is on this host, so a create would not have to fetch it.
    func hasImage(_ image: String) async throws(RuntimeError) -> Bool
}
