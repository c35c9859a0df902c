import CPidfd
import CorralCore
import DockerEngine
import Foundation
import Probe

/// Memory floor crossed -> the burst dead: `bursts` high-ram containers each
/// allocate `burstMiB` past a floor set `headroomMiB` under what the host has
/// available, once with `corral enforce` acting (as deployed, but with a
/// 300 s interval: only pressure wakes it in time) and once with Debian's
/// earlyoom (SIGKILL at the same floor) on the same bursts, in the same run.
/// A thread of the bench reads MemAvailable every 200 us to see the floor
/// crossed; the burst stamps the monotonic clock into a shared file after
/// every MiB it touches, so its last stamp is when SIGKILL stopped it (to
/// within a MiB's work, about 0.3 ms); a pidfd says when it is dead, its
/// memory freed. The same instants for both sides.
///
/// earlyoom kills whatever process has the highest oom_score, and on these
/// hosts that can be any process at all: it runs as the init of a PID
/// namespace of its own, and its bursts are the same high-ram program run
/// inside that namespace, so the only thing it can see, and kill, is a burst.
struct PressureBench {
    let docker: DockerClient
    let corral: String
    let bursts: Int
    let burstMiB = 3072
    let headroomMiB = 384

    func run() async throws -> [BenchRow] {
        guard let earlyoom = ["/usr/local/bin/earlyoom", "/usr/bin/earlyoom"].first(where: FileManager.default.isExecutableFile) else {
            throw BenchError("earlyoom is missing: scripts/install-deps.sh bench installs it")
        }
        let ours: [Burst] = try await side("corral") { floorKb, batch, out in
            [
                corral, "enforce", "--config", "/dev/null", "--selector", "corral.bench=\(batch)", "--interval", "300", "--high", "0",
                "--low", "0", "--no-scale-up", "--memory-floor", "\(floorKb / 1024)MiB", "--no-collector", "--metrics-port", "0",
                "--generator", "none", "--spool", out + ".spool",
            ]
        } ready: {
            $0.contains("== cycle 1 ==")
        }
        let program = try await Self.extractHighRAM(docker)
        defer { try? FileManager.default.removeItem(atPath: (program as NSString).deletingLastPathComponent) }
        let theirs: [Burst] = try await side("earlyoom", program: program) { floorKb, _, _ in
            // SIGKILL at once at the floor (not SIGTERM first).
            [
                "/usr/bin/unshare", "--pid", "--fork", "--mount-proc", earlyoom, "-M", "\(floorKb),\(floorKb)", "-r", "0", "--prefer",
                "^high-ram$",
            ]
        } ready: {
            $0.contains("SIGKILL when")
        }
        let name = "pressure, \(bursts) bursts of \(burstMiB) MiB: floor crossed -> SIGKILL"
        let (kill, killed) = (ours.map(\.toKill).sorted(), theirs.map(\.toKill).sorted())
        let (dead, died) = (ours.map(\.toDead).sorted(), theirs.map(\.toDead).sorted())
        let anchor = "earlyoom -M (Debian's)"
        return [
            BenchRow(name: name + ", p50", corral: median(kill), baseline: median(killed), baselineName: anchor, aim: nil, unit: "s"),
            BenchRow(
                name: name + ", p99", corral: percentile(kill, 0.99), baseline: percentile(killed, 0.99), baselineName: anchor, aim: nil,
                unit: "s"),
            BenchRow(
                name: name + ", p99 (aim <= 100 ms)", corral: percentile(kill, 0.99), baseline: 0.1, baselineName: "the aim: 100 ms",
                aim: 1, unit: "s"),
            BenchRow(
                name: "  floor crossed -> burst dead (its memory free), p50", corral: median(dead), baseline: median(died),
                baselineName: anchor, aim: nil, unit: "s"),
        ]
    }

    /// Each burst gets a floor `headroomMiB` under what is available just
    /// before it, and a fresh actor started with that floor: on these VMs
    /// up to 1 GiB of freed memory waits to be reported to the hypervisor
    /// (the page_reporting module's max_waiting_mib) before MemAvailable
    /// shows it again, so a floor fixed at the start would drift away from
    /// the host, and a burst must outgrow the headroom by more than that. With `program`, each burst is that program
    /// run in the PID namespace of the actor (earlyoom under unshare); else
    /// a container. Returns each burst's seconds.
    func side(
        _ label: String, program: String? = nil, _ command: (UInt64, String, String) -> [String], ready: (String) -> Bool
    ) async throws -> [Burst] {
        let batch = BenchBatch(docker: docker, width: 4)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("bench-pressure-\(batch.name)").path
        defer {
            for i in 1...bursts { try? FileManager.default.removeItem(atPath: "\(out)-\(i)") }
            try? FileManager.default.removeItem(atPath: out + ".spool")
        }
        return try await batch.run {
            var seconds: [Burst] = []
            for i in 1...bursts {
                let log = "\(out)-\(i)"
                _ = FileManager.default.createFile(atPath: log, contents: nil)
                let floorKb = try MemInfo.read().availableKb - UInt64(headroomMiB * 1024)
                let arguments = command(floorKb, batch.name, out)
                let process = Process()
                process.executableURL = URL(fileURLWithPath: arguments[0])
                process.arguments = Array(arguments.dropFirst())
                process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
                process.standardError = process.standardOutput
                try process.run()
                defer {
                    if process.isRunning { process.terminate() }
                    process.waitUntilExit()
                }
                let deadline = ContinuousClock.now + .seconds(30)
                while !ready((try? String(contentsOfFile: log, encoding: .utf8)) ?? "") {
                    guard process.isRunning, ContinuousClock.now < deadline else {
                        throw BenchError("\(label) did not come up: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
                    }
                    try await Task.sleep(for: .milliseconds(10))
                }
                if let program {
                    // earlyoom is the namespace's init: only SIGKILL ends it, and the namespace with it.
                    let namespace = try await Self.child(of: process.processIdentifier)
                    defer { kill(namespace, SIGKILL) }
                    seconds.append(try await burst(i, program: program, namespace: namespace, floorKb: floorKb))
                } else {
                    seconds.append(try await burst(i, batch: batch, floorKb: floorKb))
                }
                progress(
                    String(
                        format: "pressure: %@ burst %d/%d: SIGKILL after %.1f ms, dead after %.1f ms", label, i, bursts,
                        (seconds.last?.toKill ?? 0) * 1000, (seconds.last?.toDead ?? 0) * 1000))
            }
            return seconds
        }
    }

    /// One burst as a managed container: started, watched until the floor is
    /// crossed and its process is dead, and removed.
    func burst(_ i: Int, batch: BenchBatch, floorKb: UInt64) async throws -> Burst {
        let stamps = try Self.stampFile("\(batch.name)-\(i)")
        defer { try? FileManager.default.removeItem(atPath: stamps) }
        let id = try await docker.createContainer(
            ContainerSpec(
                image: "corral/high-ram", name: "corral-high-\(batch.name)-\(i)",
                labels: ["corral.bench": batch.name, CorralLabel.managed: "true", CorralLabel.class: "high"],
                env: ["STRESS_MEGABYTES": String(burstMiB), "STRESS_DELAY_MS": "300", "STRESS_PROGRESS_FILE": "/progress"],
                networkMode: "none", binds: ["\(stamps):/progress"]))
        try await docker.startContainer(id)
        let pid = try await docker.inspectContainer(id).state.pid
        guard pid > 0 else { throw BenchError("burst \(i) is not running") }
        let watched = await Self.watch(pid: pid, floorKb: floorKb, stamps: stamps)
        try? await docker.removeContainer(id, force: true)
        return try watched.get()
    }

    /// One burst as a process in the PID namespace of `namespace` (a host pid).
    func burst(_ i: Int, program: String, namespace: Int32, floorKb: UInt64) async throws -> Burst {
        let stamps = try Self.stampFile("earlyoom-\(namespace)-\(i)")
        defer { try? FileManager.default.removeItem(atPath: stamps) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
        process.arguments = ["--target", String(namespace), "--pid", "--", program]
        process.environment = ["STRESS_MEGABYTES": String(burstMiB), "STRESS_DELAY_MS": "300", "STRESS_PROGRESS_FILE": stamps]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
        let pid = try await Self.child(of: process.processIdentifier)
        let watched = await Self.watch(pid: pid, floorKb: floorKb, stamps: stamps)
        kill(pid, SIGKILL)
        return try watched.get()
    }

    /// The first child of `pid` (nsenter's and unshare's fork), waited for.
    static func child(of pid: Int32) async throws -> Int32 {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
            if let first = children.split(separator: " ").first, let child = Int32(first) { return child }
            try await Task.sleep(for: .milliseconds(2))
        }
        throw BenchError("pid \(pid) started no child within 10 s")
    }

    /// The high-ram program out of its image, to run outside a container.
    static func extractHighRAM(_ docker: DockerClient) async throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bench-high-ram-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // Named as in its image: earlyoom's --prefer matches the name.
        let path = directory + "/high-ram"
        try shell(
            "id=$(docker create corral/high-ram) && docker cp \"$id:/high-ram\" \(path) >/dev/null && docker rm \"$id\" >/dev/null && chmod 0755 \(path)"
        )
        return path
    }

    /// One burst's seconds from the floor crossed.
    struct Burst: Sendable {
        /// To its last sign of life: the allocation stopped by SIGKILL.
        var toKill: Double
        /// To its process gone.
        var toDead: Double
    }

    /// An 8-byte file in /dev/shm for a burst's stamps.
    static func stampFile(_ name: String) throws -> String {
        let path = "/dev/shm/corral-bench-\(name)"
        guard FileManager.default.createFile(atPath: path, contents: Data(count: 8)) else { throw BenchError("cannot create \(path)") }
        return path
    }

    /// The last stamp a burst wrote, in seconds on the monotonic clock.
    static func lastStamp(_ path: String) -> Double? {
        guard let data = FileManager.default.contents(atPath: path), data.count >= 8 else { return nil }
        let ns = data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        return ns == 0 ? nil : Double(ns) / 1e9
    }

    /// From the floor crossed to the burst stopped and dead, read on a thread of its own.
    static func watch(pid: Int32, floorKb: UInt64, stamps: String) async -> Result<Burst, BenchError> {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(returning: watchBlocking(pid: pid, floorKb: floorKb, stamps: stamps))
            }
        }
    }

    static func watchBlocking(pid: Int32, floorKb: UInt64, stamps: String) -> Result<Burst, BenchError> {
        let fd = pidfd_open(pid, 0)
        guard fd >= 0 else { return .failure(BenchError("pidfd_open(\(pid)): \(String(cString: strerror(errno)))")) }
        defer { close(fd) }
        var crossed: Double?
        let start = PressureWatcher.monotonic()
        while PressureWatcher.monotonic() - start < 30 {
            if crossed == nil, let memory = try? MemInfo.read(), memory.availableKb < floorKb { crossed = PressureWatcher.monotonic() }
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&entry, 1, 0) > 0 {
                let dead = PressureWatcher.monotonic()
                guard let crossed else { return .failure(BenchError("the burst (pid \(pid)) died before the floor was crossed")) }
                guard let stopped = lastStamp(stamps) else { return .failure(BenchError("the burst (pid \(pid)) left no stamp")) }
                return .success(Burst(toKill: max(0, stopped - crossed), toDead: dead - crossed))
            }
            usleep(200)
        }
        return .failure(BenchError("the burst (pid \(pid)) was still alive after 30 s: nothing acted on the floor"))
    }
}
