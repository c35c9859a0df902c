import CorralCore
import DockerEngine
import Foundation

/// Removing N running managed containers: Corral's client with bounded
/// concurrency against the shell pipeline operators reach for.
struct RemovalBench {
    let docker: DockerClient
    let count: Int
    let width: Int
    let trials: Int

    func run() async throws -> BenchRow {
        var ours: [Double] = []
        var theirs: [Double] = []
        for trial in 1...trials {
            let batch = BenchBatch(docker: docker, width: width)
            try await batch.run {
                try await batch.create(0..<count)
                ours.append(try await timed { try await removeThroughClient(batch.name) })
                try await expectEmpty(batch)
            }
            let cliBatch = BenchBatch(docker: docker, width: width)
            try await cliBatch.run {
                try await cliBatch.create(0..<count)
                theirs.append(try await timed { try removeThroughCLI(cliBatch.name) })
                try await expectEmpty(cliBatch)
            }
            FileHandle.standardError.write(
                Data(
                    String(format: "remove: trial %d/%d  corral %.3f s  cli %.3f s\n", trial, trials, ours.last ?? 0, theirs.last ?? 0).utf8
                ))
        }
        return BenchRow(
            name: "remove \(count) running containers", corral: median(ours), baseline: median(theirs),
            baselineName: "docker ps -q | xargs -P 16 docker rm -f", aim: 2, unit: "s")
    }

    func removeThroughClient(_ batch: String) async throws {
        let filters = ContainerFilters.label(CorralLabel.managed, "true").label("corral.bench", batch)
        let ids = try await docker.listContainers(all: true, filters: filters).map(\.id)
        try await forEachConcurrently(ids, width: width) { id in
            do {
                try await docker.removeContainer(id, force: true)
            } catch let error as DockerError where error.isNotFound {
                // Already gone: what we wanted.
            }
        }
    }

    func removeThroughCLI(_ batch: String) throws {
        try shell(
            "docker ps -q --filter label=corral.managed=true --filter label=corral.bench=\(batch) | xargs -r -P 16 docker rm -f >/dev/null")
    }

    func expectEmpty(_ batch: BenchBatch) async throws {
        let left = try await batch.ids()
        guard left.isEmpty else { throw BenchError("\(left.count) containers of \(batch.name) were not removed") }
    }
}
