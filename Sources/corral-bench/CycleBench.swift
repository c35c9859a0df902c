import CorralCore
import DockerEngine
import DockerRuntime
import Enforcer
import Foundation
import Settings

/// One enforcer cycle over 50 managed containers (45 surplus), from snapshot
/// to the last removal, against the approaches peer projects use on the same
/// number of fresh containers.
struct CycleBench {
    let docker: DockerClient
    let count: Int
    let width: Int

    func run() async throws -> [BenchRow] {
        let ours = try await withBatch { batch in
            var config = EnforcerConfig()
            config.selector = ["corral.bench": batch]
            config.policy.scaleUp = false
            config.poolWidth = width
            config.intervalSeconds = 10
            var runner = CycleRunner(config: config, runtime: DockerRuntime(client: docker))
            let report = await runner.run(cycle: 1)
            guard report.error == nil, report.killedCount == count - 5 else {
                throw BenchError("the cycle killed \(report.killedCount) of \(count - 5): \(report.error ?? "")")
            }
        }
        progress(String(format: "cycle: corral's cycle over %d containers took %.3f s", count, ours))
        let stopLoop = try await withBatch { batch in
            try shell(
                "for id in $(docker ps -q --filter label=corral.bench=\(batch) | tail -n +6); do docker stop \"$id\" >/dev/null && docker rm \"$id\" >/dev/null; done"
            )
        }
        progress(String(format: "cycle: a sequential docker stop loop took %.3f s", stopLoop))
        let xargs = try await withBatch { batch in
            try shell("docker ps -q --filter label=corral.bench=\(batch) | tail -n +6 | xargs -r -P 16 docker rm -f >/dev/null")
        }
        progress(String(format: "cycle: xargs -P 16 docker rm -f took %.3f s", xargs))
        return [
            BenchRow(
                name: "cycle: \(count) managed, \(count - 5) surplus", corral: ours, baseline: stopLoop,
                baselineName: "sequential docker stop + rm loop (workloads exit on SIGTERM; one ignoring it waits 10 s each)", aim: nil,
                unit: "s"),
            BenchRow(
                name: "cycle: \(count) managed, \(count - 5) surplus", corral: ours, baseline: xargs,
                baselineName: "ps | tail | xargs -P 16 docker rm -f (no ranking)",
                aim: nil, unit: "s"),
        ]
    }

    /// Starts `count` idle managed containers (half labelled high, half low),
    /// times `body` on them, and removes what is left.
    func withBatch(_ body: @escaping (String) async throws -> Void) async throws -> Double {
        let batch = BenchBatch(docker: docker, width: width)
        return try await batch.run {
            try await batch.create(0..<count) { $0 % 2 == 0 ? "high" : "low" }
            return try await timed { try await body(batch.name) }
        }
    }
}

/// Runs a shell command line, failing on a non-zero exit.
