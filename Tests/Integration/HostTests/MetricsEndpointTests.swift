import Actuation
import CorralTestSupport
import Enforcer
import Foundation
import Logging
import Reports
import ServiceLifecycle
import Settings
import Testing

/// The enforcer's /metrics endpoint on loopback, read by curl and checked by promtool.
@Suite("The metrics endpoint")
struct MetricsEndpointTests {
    @Test("GET /metrics on loopback serves an exposition promtool accepts; any other path is 404; graceful shutdown closes the port")
    func endpoint() async throws {
        let port = try freeLoopbackPort()
        let server = MetricsServer(port: port, metrics: EnforcerMetrics(), logger: Logger(label: "test"))
        let group = ServiceGroup(services: [server], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        defer { running.cancel() }

        let scraped = try await poll("the metrics endpoint to answer", seconds: 20) { () -> CommandResult? in
            let result = try runCommand("/usr/bin/curl", ["-fsS", "http://127.0.0.1:\(port)/metrics"])
            return result.status == 0 ? result : nil
        }
        #expect(scraped.stdout.contains("# TYPE corral_cycle_duration_seconds histogram"))
        let promtool = try runCommand("/usr/local/bin/promtool", ["check", "metrics"], stdin: scraped.stdout)
        #expect(promtool.status == 0, "promtool: \(promtool.stdout)\(promtool.stderr)")

        let other = try runCommand("/usr/bin/curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/"])
        #expect(other.stdout == "404")

        await group.triggerGracefulShutdown()
        try await running.value
        let after = try runCommand("/usr/bin/curl", ["-sS", "http://127.0.0.1:\(port)/metrics"])
        #expect(after.status != 0, "the port is closed")
    }
}
