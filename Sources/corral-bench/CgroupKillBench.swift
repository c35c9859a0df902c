import Actuation
import CgroupActuation
import CorralCore
import DockerEngine
import DockerRuntime
import Foundation

/// 45 surplus containers of 50: from the decision until every surplus
/// container's cgroup is empty (its memory free). Corral's kill pool through
/// the cgroup against the pipelines an operator would type, each side on a
/// fresh set.
struct CgroupKillBench {
    let docker: DockerClient
    let width: Int
    let trials: Int
    let total = 50
    let surplus = 45

    func run() async throws -> [BenchRow] {
        var ours: [Double] = []
        var kills: [Double] = []
        var removals: [Double] = []
        for trial in 1...trials {
            ours.append(try await side(throughCgroups))
            kills.append(
                try await side { ids in
                    try await timed {
                        try shell("printf '%s\\n' \(ids.joined(separator: " ")) | xargs -P 16 docker kill >/dev/null")
                        try await waitEmpty(ids)
                    }
                })
            removals.append(
                try await side { ids in
                    try await timed {
                        try shell("printf '%s\\n' \(ids.joined(separator: " ")) | xargs -P 16 docker rm -f >/dev/null")
                        try await waitEmpty(ids)
                    }
                })
            FileHandle.standardError.write(
                Data(
                    String(
                        format: "cgroup kill: trial %d/%d  corral %.1f ms  docker kill %.1f ms  docker rm -f %.1f ms\n", trial, trials,
                        (ours.last ?? 0) * 1000, (kills.last ?? 0) * 1000, (removals.last ?? 0) * 1000
                    ).utf8))
        }
        let name = "\(surplus) surplus of \(total): decision -> cgroups empty (aim <= 200 ms)"
        return [
            BenchRow(
                name: name, corral: median(ours), baseline: median(removals), baselineName: "xargs -P 16 docker rm -f", aim: 5, unit: "s"),
            BenchRow(
                name: name, corral: median(ours), baseline: median(kills), baselineName: "xargs -P 16 docker kill", aim: nil, unit: "s"),
        ]
    }

    /// A fresh set of `total` running containers; `body` acts on `surplus`
    /// of them and returns its seconds; checked empty afterwards.
    func side(_ body: ([String]) async throws -> Double) async throws -> Double {
        let batch = BenchBatch(docker: docker, width: width)
        return try await batch.run {
            try await batch.create(0..<total)
            let ids = Array(try await batch.ids().prefix(surplus))
            guard ids.count == surplus, ids.allSatisfy({ !Self.pids($0).isEmpty }) else {
                throw BenchError("\(batch.name): \(surplus) running containers with processes wanted")
            }
            let seconds = try await body(ids)
            let left = ids.filter { !Self.pids($0).isEmpty }
            guard left.isEmpty else { throw BenchError("\(left.count) cgroups of \(batch.name) still hold processes") }
            return seconds
        }
    }

    /// The enforcer's kill pool, timed until the last cgroup is empty (its
    /// removals follow, untimed).
    func throughCgroups(_ ids: [String]) async throws -> Double {
        let clock = ContinuousClock()
        let recorder = Recorder(inner: CgroupfsKiller(), clock: clock)
        let pool = KillPool(
            runtime: DockerRuntime(client: docker), width: width, mode: .kill, graceSeconds: 1, deadline: .seconds(20), cgroups: recorder)
        let start = clock.now
        let managed = [CorralLabel.managed: "true"]
        let results = await pool.killAll(
            ids.map {
                Decision(
                    container: ContainerMetadata(id: $0, name: $0, image: "corral/low-idle", labels: managed, createdAt: 0),
                    containerClass: .low, classSource: .label, action: .kill, rank: 1, of: 1, cpuPercent: 0, memPercent: 0, vszKb: 0,
                    rssKb: 0, reason: "bench")
            })
        let emptied = results.direct.values.filter { if case .emptied = $0 { true } else { false } }.count
        guard emptied == ids.count, let last = await recorder.last else {
            throw BenchError(
                "\(ids.count - emptied) of \(ids.count) cgroups were not emptied directly: \(results.direct.values.first.map { "\($0)" } ?? "")"
            )
        }
        return milliseconds(last - start) / 1000
    }

    func waitEmpty(_ ids: [String]) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ids.contains(where: { !Self.pids($0).isEmpty }) {
            guard ContinuousClock.now < deadline else { throw BenchError("cgroups still populated after 60 s") }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    /// The container's processes (none once its cgroup is gone).
    static func pids(_ id: String) -> [Substring] {
        let text = (try? String(contentsOfFile: "/sys/fs/cgroup/pids/docker/\(id)/cgroup.procs", encoding: .utf8)) ?? ""
        return text.split(separator: "\n")
    }

    /// Notes when the last cgroup was seen empty.
    actor Recorder: CgroupKilling {
        let inner: CgroupfsKiller
        let clock: ContinuousClock
        var last: ContinuousClock.Instant?

        init(inner: CgroupfsKiller, clock: ContinuousClock) {
            self.inner = inner
            self.clock = clock
        }

        nonisolated func empty(_ id: String, mainPID: Int32) async throws -> CgroupKill {
            let kill = try await inner.empty(id, mainPID: mainPID)
            await note(clock.now)
            return kill
        }

        func note(_ instant: ContinuousClock.Instant) {
            last = max(last ?? instant, instant)
        }
    }
}
