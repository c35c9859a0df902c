// corral-bench: Corral's speed and memory goals, each row measured against a
// named baseline in the same run and printed as a ratio. Not a test: the
// machines are shared and noisy, so rows report, they do not assert.

import ArgumentParser
import DockerEngine
import Foundation

@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "corral-bench",
        abstract: "Run Corral's benchmarks and print each against its baseline.",
        discussion: """
            Rows (all by default):
              remove   remove N running managed containers through DockerEngine with
                       bounded concurrency, against
                       `docker ps -q --filter label=corral.managed=true | xargs -P 16 docker rm -f`
                       on N fresh containers. Aim: at least 2x faster.
              cgroupkill 45 surplus of 50 managed containers: from the decision until
                       every surplus cgroup is empty, through the kill pool's
                       cgroup.kill (or cgroup.procs with pidfds), against
                       `xargs -P 16 docker rm -f` (aim: at least 5x faster, and
                       <= 200 ms) and `xargs -P 16 docker kill`, each on fresh sets.
              pressure 20 bursts of a high-ram container past a memory floor set just
                       under what is available: from the floor crossed until the
                       burst's process is dead (its memory free), p50 and p99, with
                       corral enforce acting (--memory-floor; a 300 s interval, so
                       only pressure wakes it) against Debian's earlyoom -M on the
                       same bursts (aim: p99 <= 100 ms). Needs earlyoom
                       (scripts/install-deps.sh bench).
              inspect  inspect N containers through DockerEngine against one
                       `docker inspect` process each: the client's own cost.
              snapshot a snapshot (procfs twin + cgroup statistics + labels) of
                       --stats-at containers against `docker stats --no-stream`
                       (aim: at least 100x faster), the snapshot's cost per
                       container at each of --snapshot-counts (linear: 1.00x), and
                       a sweep (snapshot and plan) at the largest, 1,000 by
                       default or as many as the host holds (aim: <= 50 ms).
              cycle    one enforcer cycle over 50 managed containers (45 surplus)
                       against a sequential docker stop loop and xargs docker rm -f.
              rest     the enforcer's RSS and CPU at rest tracking 200 containers
                       at a 10 s interval (aim: RSS <= 24 MiB, CPU < 0.5%).
              store    the collector on --store-days of a deployed host's logs: start,
                       RSS at rest, the shutdown graphs' render time and peak RSS,
                       against the enforcer's 60 s wait and a 256 MiB bound.
              control  the control plane: create -> 202 p50 and p99 over --creates creates
                       (aim: p99 <= 20 ms); create -> running p50 through an agent
                       against `docker run -d` of the same image (--runs each; aim:
                       within 1.5x); a killed agent's node down at the default 5 s TTL
                       (against Swarm's documented ~15 s); scheduler placements over
                       1,000 simulated nodes (aim: >= 10,000/s).
              replicas control-plane replicas on a PostgreSQL of the bench's own
                       (make bench starts one): --creates creates, --width in flight,
                       through two replicas against one; kill -9 of the replica
                       running the singletons until another sweeps (aim: within
                       the node TTL + 1 s); create -> 202 p50 and p99 on PostgreSQL
                       against SQLite.
              boxes    Corral's own runtime: create+start+/bin/true+stop+rm of one
                       box (corral box run --rm), p50 of --runs, against docker run
                       --rm --network none of a FROM scratch image with a static true
                       (aim: faster; runc 110 ms, crun 57 ms); the runtime's memory per
                       running box (its init) against containerd-shim per container.
                       Needs the debian box image (make bench builds it).
              farm     corral farm up 3: wrk (Debian's) through the proxy box against
                       straight to one web box, on its page and on a static path:
                       ms per 1000 requests and p99 (aim: proxied at least half as
                       fast); GETs failed on the other sites while one is removed and
                       added again under load (aim: 0). Needs wrk and the web image.
            Each row runs --trials times per side and reports the medians.
            Needs the real daemon and the stress images (make images).
            """
    )

    @Option(help: "Rows to run, comma-separated.")
    var rows: String = "remove,cgroupkill,pressure,inspect,snapshot,cycle,rest,store,control,replicas,boxes,farm"

    @Option(help: "Creates for the control row's create -> 202 latency.")
    var creates: Int = 1000

    @Option(help: "Containers each side of the control row's create -> running.")
    var runs: Int = 20

    @Option(help: "Simulated days of logs for the store row.")
    var storeDays: Int = 30

    @Option(help: "Seconds the rest row measures the enforcer for.")
    var restSeconds: Int = 60

    @Option(help: "Container counts for the snapshot's growth rows, comma-separated.")
    var snapshotCounts: String = "10,100,300,1000"

    @Option(help: "The container count at which the snapshot is compared with docker stats.")
    var statsAt: Int = 100

    @Option(help: "Containers per removal trial.")
    var count: Int = 40

    @Option(help: "Concurrent requests Corral's side may have in flight.")
    var width: Int = 16

    @Option(help: "Trials per side; the median is reported.")
    var trials: Int = 3

    @Option(help: "The Docker daemon's unix socket.")
    var socket: String = DockerClient.defaultSocketPath()

    func validate() throws {
        guard count >= 1, width >= 1, trials >= 1 else { throw ValidationError("--count, --width and --trials must be at least 1") }
        let known: Set<String> = [
            "remove", "cgroupkill", "pressure", "inspect", "snapshot", "cycle", "rest", "store", "control", "replicas", "boxes", "farm",
        ]
        guard !counts.isEmpty, counts.allSatisfy({ $0 >= 1 }) else {
            throw ValidationError("--snapshot-counts wants numbers such as 10,100,300")
        }
        guard counts.contains(statsAt) else { throw ValidationError("--stats-at \(statsAt) must be one of --snapshot-counts") }
        for row in rows.split(separator: ",") where !known.contains(String(row)) {
            throw ValidationError("unknown row '\(row)'; known rows: \(known.sorted().joined(separator: ", "))")
        }
    }

    var counts: [Int] { snapshotCounts.split(separator: ",").compactMap { Int($0) } }

    func run() async throws {
        var table = ResultTable()
        let wanted = Set(rows.split(separator: ",").map(String.init))
        try await DockerClient.withClient(socketPath: socket, maxConnections: width) { docker in
            if wanted.contains("remove") {
                let bench = RemovalBench(docker: docker, count: count, width: width, trials: trials)
                table.add(try await bench.run())
            }
            if wanted.contains("cgroupkill") {
                for row in try await CgroupKillBench(docker: docker, width: width, trials: trials).run() { table.add(row) }
            }
            if wanted.contains("inspect") {
                table.add(try await ClientOverheadBench(docker: docker, count: count, width: width, trials: trials).run())
            }
            if wanted.contains("cycle") {
                for row in try await CycleBench(docker: docker, count: 50, width: width).run() { table.add(row) }
            }
            if wanted.contains("rest") {
                let corral = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("corral")
                    .path
                for row in try await RestBench(docker: docker, count: 200, seconds: restSeconds, width: width, corral: corral).run() {
                    table.add(row)
                }
            }
            if wanted.contains("pressure") {
                let corral = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("corral")
                    .path
                for row in try await PressureBench(docker: docker, corral: corral, bursts: 20).run() { table.add(row) }
            }
            if wanted.contains("control") {
                let corral = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("corral")
                    .path
                for row in try await ControlBench(docker: docker, corral: corral, creates: creates, runs: runs).run() { table.add(row) }
            }
            if wanted.contains("replicas") {
                let corral = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("corral")
                    .path
                for row in try await ReplicaBench(corral: corral, creates: creates, width: width).run() { table.add(row) }
            }
            if wanted.contains("boxes") {
                let corral = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("corral")
                    .path
                for row in try await BoxBench(corral: corral, runs: max(runs, 50)).run() { table.add(row) }
            }
            if wanted.contains("farm") {
                let corral = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("corral")
                    .path
                for row in try await FarmBench(corral: corral, seconds: 5).run() { table.add(row) }
            }
            if wanted.contains("snapshot") {
                for row in try await SnapshotBench(docker: docker, counts: counts, statsAt: statsAt, trials: trials, width: width).run() {
                    table.add(row)
                }
            }
        }
        if wanted.contains("store") {
            for row in try StoreBench(days: storeDays).run() { table.add(row) }
        }
        print(table.render(), terminator: "")
    }
}
