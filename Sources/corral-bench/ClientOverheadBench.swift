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
        let batch = "bench-\(UUID().uuidString.prefix(8).lowercased())"
        let docker = self.docker
        let ids = try await (0..<count).asyncMap(width: width) { i in
            try await docker.createContainer(
                ContainerSpec(image: "corral/low-idle", name: "corral-low-\(batch)-\(i)", labels: ["corral.bench": batch], networkMode: "none"))
        }
        let result: Result<([Double], [Double]), any Error>
        do {
            var ours: [Double] = []
            var theirs: [Double] = []
            for _ in 0..<trials {
                ours.append(try await timed { try await forEachConcurrently(ids, width: width) { _ = try await docker.inspectContainer($0) } })
                theirs.append(
                    try await timed {
                        let process = Process()
                        process.executableURL = URL(fileURLWithPath: "/bin/sh")
                        process.arguments = ["-c", "docker ps -aq --filter label=corral.bench=\(batch) | xargs -P 16 -n 1 docker inspect >/dev/null"]
                        try process.run()
                        process.waitUntilExit()
                    })
            }
            result = .success((ours, theirs))
        } catch {
            result = .failure(error)
        }
        try? await forEachConcurrently(ids, width: 16) { try? await docker.removeContainer($0, force: true) }
        let (ours, theirs) = try result.get()
        return BenchRow(
            name: "inspect \(count) containers", corral: median(ours), baseline: median(theirs),
            baselineName: "xargs -P 16 -n 1 docker inspect", aim: nil, unit: "s")
    }
}

extension Sequence where Element: Sendable {
    func asyncMap<T: Sendable>(width: Int, _ transform: @escaping @Sendable (Element) async throws -> T) async throws -> [T] {
        let items = Array(self)
        return try await withThrowingTaskGroup(of: (Int, T).self) { group in
            var results = [T?](repeating: nil, count: items.count)
            var next = 0
            for _ in 0..<Swift.min(width, items.count) {
                let i = next
                group.addTask { (i, try await transform(items[i])) }
                next += 1
            }
            while let (i, value) = try await group.next() {
                results[i] = value
                if next < items.count {
                    let j = next
                    group.addTask { (j, try await transform(items[j])) }
                    next += 1
                }
            }
            return results.compactMap { $0 }
        }
    }
}
