import CorralCore
import DockerEngine
import Foundation

/// The containers one bench row works on, tagged `corral.bench=<name>` so the
/// row counts and removes exactly its own, and nothing else on the host.
struct BenchBatch: Sendable {
    let docker: DockerClient
    let width: Int
    let name = "bench-\(UUID().uuidString.prefix(8).lowercased())"

    /// Creates containers numbered `range` from idle images (and starts them
    /// unless `running` is false). Managed ones carry `corral.class=classOf(i)`.
    func create(
        _ range: Range<Int>, managed: Bool = true, running: Bool = true, classOf: @escaping @Sendable (Int) -> String = { _ in "low" }
    ) async throws {
        let (docker, batch) = (self.docker, name)
        try await forEachConcurrently(Array(range), width: width) { i in
            var labels = ["corral.bench": batch]
            if managed {
                labels[CorralLabel.managed] = "true"
                labels[CorralLabel.class] = classOf(i)
            }
            let id = try await docker.createContainer(
                ContainerSpec(
                    image: "corral/low-idle", name: "corral-\(managed ? classOf(i) : "x")-\(batch)-\(i)", labels: labels,
                    networkMode: "none"))
            if running { try await docker.startContainer(id) }
        }
    }

    /// The ids of the batch's containers, running or not.
    func ids() async throws -> [String] {
        try await docker.listContainers(all: true, filters: .label("corral.bench", name)).map(\.id)
    }

    /// Removes whatever is left of the batch.
    func removeAll() async {
        let docker = self.docker
        let left = (try? await ids()) ?? []
        try? await forEachConcurrently(left, width: width) { id in try? await docker.removeContainer(id, force: true) }
    }

    /// Runs `body` on the batch and removes what is left, whether it threw or not.
    func run<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        let result: Result<T, any Error>
        do {
            result = .success(try await body())
        } catch {
            result = .failure(error)
        }
        await removeAll()
        return try result.get()
    }
}
