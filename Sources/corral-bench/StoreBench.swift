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
            guard let value = figures[key] else { throw BenchError("the collector's bench printed no \(key)") }
            return value
        }
        let month = "\(days)-day store"
        let deadline = (Self.shutdownDeadlineSeconds, "s")
        let bound = (Self.memoryBoundMiB, "MiB")
        let rows: [(name: String, key: String, baseline: (Double, String), baselineName: String)] = [
            ("graphs of the last 24 h", "render_seconds", deadline, "the enforcer's shutdown wait for the graphs"),
            ("peak RSS drawing them", "render_peak_rss_mib", bound, "the collector's memory bound"),
            ("collector start", "start_seconds", deadline, "the enforcer's wait for /healthz"),
            ("collector RSS at rest", "rss_at_rest_mib", bound, "the collector's memory bound"),
        ]
        return try rows.map { row in
            BenchRow(
                name: "\(month): \(row.name)", corral: try figure(row.key), baseline: row.baseline.0, baselineName: row.baselineName,
                aim: 1,
                unit: row.baseline.1)
        }
    }
}
