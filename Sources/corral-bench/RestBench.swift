import CorralCore
import DockerEngine
import Foundation

/// The enforcer at rest: its resident memory and CPU while it tracks
/// `count` containers at the default 10 s interval with nothing to kill, as
/// deployed: shipping to its own collector container and serving /metrics.
/// The baseline is Corral's aim at rest: RSS at most 24 MiB, CPU under 0.5%.
struct RestBench {
    let docker: DockerClient
    let count: Int
    let seconds: Int
    let width: Int
    let corral: String

    func run() async throws -> [BenchRow] {
        let batch = BenchBatch(docker: docker, width: width)
        let measured: Result<(rssKiB: Double, anonKiB: Double, cpuPercent: Double), any Error>
        do {
            measured = .success(
                try await batch.run {
                    progress("rest: starting \(count) containers")
                    try await batch.create(0..<count)
                    return try await measure(batch.name)
                })
        } catch {
            measured = .failure(error)
        }
        try? await docker.removeContainer(Self.collector, force: true)
        let (rss, anon, cpu) = try measured.get()
        return [
            BenchRow(
                name: "enforcer RSS at rest, \(count) containers", corral: rss / 1024, baseline: 24, baselineName: "the aim: 24 MiB",
                aim: 1, unit: "MiB"),
            BenchRow(
                name: "  of which anonymous (heap, stacks)", corral: anon / 1024, baseline: 24,
                baselineName: "the rest is the binary's own mapped text",
                aim: nil, unit: "MiB"),
            BenchRow(
                name: "enforcer CPU at rest, \(count) containers", corral: cpu, baseline: 0.5, baselineName: "the aim: 0.5% of a core",
                aim: 1, unit: "%"),
        ]
    }

    func measure(_ batch: String) async throws -> (rssKiB: Double, anonKiB: Double, cpuPercent: Double) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: corral)
        process.arguments = [
            "enforce", "--selector", "corral.bench=\(batch)", "--interval", "10", "--high", "0", "--low", String(count), "--no-scale-up",
            "--spool", FileManager.default.temporaryDirectory.appendingPathComponent("bench-spool-\(batch)").path, "--config", "/dev/null",
            "--collector-name", Self.collector, "--collector-port", "19410", "--metrics-port", "19411", "--generator", "none",
            "--collector-store", FileManager.default.temporaryDirectory.appendingPathComponent("bench-store-\(batch)").path,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            if process.isRunning {
                process.terminate()
                process.waitUntilExit()
            }
        }
        let pid = process.processIdentifier
        // Let it settle through its first cycle, then measure whole cycles.
        try await Task.sleep(for: .seconds(12))
        let (cpu0, _) = try usage(pid)
        let start = ContinuousClock.now
        progress("rest: measuring corral enforce (pid \(pid)) for \(seconds) s")
        try await Task.sleep(for: .seconds(seconds))
        let (cpu1, rss) = try usage(pid)
        let elapsed = ContinuousClock.now - start
        let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return (rss, try statusKiB(pid, "RssAnon:"), Double(cpu1 - cpu0) / 100 / wall * 100)
    }

    static let collector = "corral-collector-bench"

    func statusKiB(_ pid: Int32, _ key: String) throws -> Double {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = status.split(separator: "\n").first { $0.hasPrefix(key) } ?? ""
        return Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }

    /// CPU ticks used so far and resident KiB, from /proc.
    func usage(_ pid: Int32) throws -> (ticks: UInt64, rssKiB: Double) {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        guard let close = stat.lastIndex(of: ")") else { throw BenchError("unreadable /proc/\(pid)/stat") }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        let ticks = (UInt64(fields[11]) ?? 0) + (UInt64(fields[12]) ?? 0)
        return (ticks, try statusKiB(pid, "VmRSS:"))
    }
}
