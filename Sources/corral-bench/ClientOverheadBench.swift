import CorralCore
import DockerEngine
import Foundation

/// What the client itself costs, where the daemon's own work is small:
/// inspecting N containers through DockerEngine against one `docker inspect`
/// process per container. Explains the removal row: there, the daemon's
/// cleanup dominates both sides.
struct ClientOverheadBench {
    let docker: DockerClient
    let count: Int
    let width: Int
    let trials: Int

    func run() async throws -> BenchRow {
        let batch = BenchBatch(docker: docker, width: width)
        let docker = self.docker
        let width = self.width
        let (ours, theirs) = try await batch.run { () async throws -> ([Double], [Double]) in
            try await batch.create(0..<count, managed: false, running: false)
            let ids = try await batch.ids()
            var ours: [Double] = []
            var theirs: [Double] = []
            for _ in 0..<trials {
                ours.append(
                    try await timed { try await forEachConcurrently(ids, width: width) { _ = try await docker.inspectContainer($0) } })
                theirs.append(
                    try await timed {
                        try shell("docker ps -aq --filter label=corral.bench=\(batch.name) | xargs -P 16 -n 1 docker inspect >/dev/null")
                    })
            }
            return (ours, theirs)
        }
        return BenchRow(
            name: "inspect \(count) containers", corral: median(ours), baseline: median(theirs),
            baselineName: "xargs -P 16 -n 1 docker inspect", aim: nil, unit: "s")
    }
}
