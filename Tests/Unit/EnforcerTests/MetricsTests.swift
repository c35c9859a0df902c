import Actuation
import CorralTestSupport
import Enforcer
import Foundation
import Logging
import Reports
import ServiceLifecycle
import Settings
import Testing

/// The enforcer's Prometheus metrics, as Prometheus and the Grafana dashboard see them.
@Suite("Metrics")
struct MetricsTests {
    /// The metric names an exposition declares (`# TYPE name kind`).
    static func declared(_ text: String) -> Set<String> {
        Set(
            text.split(separator: "\n").compactMap { line -> String? in
                let parts = line.split(separator: " ")
                return parts.count >= 4 && parts[0] == "#" && parts[1] == "TYPE" ? String(parts[2]) : nil
            })
    }

    @Test("every series the Grafana dashboard queries is one the enforcer exposes")
    func dashboardMatches() throws {
        let exposed = Self.declared(String(decoding: EnforcerMetrics().exposition(), as: UTF8.self))
        let path = repositoryRoot.appendingPathComponent("dashboards/grafana/corral.json").path
        let dashboard = try #require(
            try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        #expect(panels.count >= 8)
        let regex = try NSRegularExpression(pattern: "corral_[a-z_]+")
        var queried = Set<String>()
        for panel in panels {
            for target in panel["targets"] as? [[String: Any]] ?? [] {
                let expr = target["expr"] as? String ?? ""
                for match in regex.matches(in: expr, range: NSRange(expr.startIndex..., in: expr)) {
                    guard let range = Range(match.range, in: expr) else { continue }
                    var name = String(expr[range])
                    for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) && !exposed.contains(name) {
                        name = String(name.dropLast(suffix.count))
                    }
                    queried.insert(name)
                }
            }
        }
        #expect(!queried.isEmpty)
        #expect(queried.subtracting(exposed).isEmpty, "queried but not exposed: \(queried.subtracting(exposed).sorted())")
        // And the series operators rely on are all there.
        for name in [
            "corral_cycle_duration_seconds", "corral_containers", "corral_kills_total", "corral_snapshot_source", "corral_spool_depth",
            "corral_errors_total",
        ] {
            #expect(exposed.contains(name), "\(name)")
        }
    }
}
