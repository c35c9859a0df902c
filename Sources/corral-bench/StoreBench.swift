import Foundation

/// The collector's store after a month on a deployed host (10 s cycles, 5
/// kept and 10 new containers every 30 s): the collector's own bench
/// (dashboards/collector/bench.py) writes it and measures, inside the
/// collector's image. Its render must fit the enforcer's shutdown deadline
/// and a memory bound however old the store is.
struct StoreBench {
    let days: Int
    /// The enforcer waits this long for the graphs at shutdown.
    static let shutdownDeadlineSeconds = 60.0
    /// What the collector may hold at rest and while drawing the default window.
    static let memoryBoundMiB = 256.0

    func run() throws -> [BenchRow] {
        let store = "/var/tmp/corral-bench-store"
        let name = "corral-bench-collector-\(getpid())"
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("\(name).out").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        // --keep reuses a store of the same length from an earlier run: writing a month takes ~25 s.
        try shell(
            "docker run --rm --network none --name \(name) -v \(store):/bench corral/collector:latest "
                + "python3 -m collector.bench --days \(days) --store /bench --keep >\(out)")
        var figures: [String: Double] = [:]
        for line in try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2, let value = Double(parts[1]) { figures[String(parts[0])] = value }
        }
        func figure(_ key: String) throws -> Double {
            guard let value = figures[key] else { throw BenchFailure("the collector's bench printed no \(key)") }
            return value
        }
        let month = "\(days)-day store"
        return [
            BenchRow(
                name: "\(month): graphs of the last 24 h", corral: try figure("render_seconds"), baseline: Self.shutdownDeadlineSeconds,
                baselineName: "the enforcer's shutdown wait for the graphs", aim: 1, unit: "s"),
            BenchRow(
                name: "\(month): peak RSS drawing them", corral: try figure("render_peak_rss_mib"), baseline: Self.memoryBoundMiB,
                baselineName: "the collector's memory bound", aim: 1, unit: "MiB"),
            BenchRow(
                name: "\(month): collector start", corral: try figure("start_seconds"), baseline: Self.shutdownDeadlineSeconds,
                baselineName: "the enforcer's wait for /healthz", aim: 1, unit: "s"),
            BenchRow(
                name: "\(month): collector RSS at rest", corral: try figure("rss_at_rest_mib"), baseline: Self.memoryBoundMiB,
                baselineName: "the collector's memory bound", aim: 1, unit: "MiB"),
        ]
    }
}
