import BoxRuntime
import CorralTestSupport
import Foundation
import Testing

extension Boxes {
    @Suite("The enforcer on boxes")
    struct EnforcerOnBoxesTests {
        @Test(
            "10 managed boxes of two classes: one cycle of corral enforce --runtime native keeps 2 high and 3 low, and never touches unmanaged or protected boxes"
        )
        func keepsTheMix() async throws {
            try await TestBoxes.using { boxes in
                let run = UUID().uuidString.prefix(8).lowercased()
                let busy = ["/bin/sh", "-c", "while :; do :; done"]
                let idle = ["/bin/sh", "-c", "exec sleep 600"]
                func labels(_ extra: [String: String]) -> [String: String] { ["corral.test-run": String(run)].merging(extra) { $1 } }
                let managed = ["corral.managed": "true"]
                for index in 0..<5 {
                    _ = try await boxes.create(
                        "high-\(index)", busy, limits: BoxLimits(cpus: 0.1, disk: 16 << 20),
                        labels: labels(managed.merging(["corral.class": "high"]) { $1 }))
                    _ = try await boxes.create(
                        "low-\(index)", idle, limits: BoxLimits(disk: 16 << 20),
                        labels: labels(managed.merging(["corral.class": "low"]) { $1 }))
                }
                _ = try await boxes.create("unmanaged", idle, limits: BoxLimits(disk: 16 << 20), labels: labels(["corral.class": "low"]))
                _ = try await boxes.create(
                    "protected", idle, limits: BoxLimits(disk: 16 << 20),
                    labels: labels(managed.merging(["corral.class": "low", "corral.protected": "true"]) { $1 }))
                for box in await boxes.host.list() { try await boxes.host.start(box.id) }

                let config = boxes.root + "/corral-test.toml"
                try Data("metrics_port = 0\ngenerator = \"none\"\n\n[collector]\nenabled = false\n".utf8).write(
                    to: URL(fileURLWithPath: config))
                let result = try runCommand(
                    ".build/debug/corral",
                    [
                        "enforce", "--runtime", "native", "--box-root", boxes.root, "--cycles", "1", "--no-scale-up", "--interval", "1",
                        "--selector", "corral.test-run=\(run)", "--spool", boxes.root + "/spool", "--config", config,
                    ])
                #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")

                let running = await boxes.host.list().filter(\.isRunning)
                let kept = running.filter { $0.config.labels["corral.managed"] == "true" && $0.config.labels["corral.protected"] == nil }
                #expect(kept.filter { $0.config.labels["corral.class"] == "high" }.count == 2, "\(running.map(\.name))")
                #expect(kept.filter { $0.config.labels["corral.class"] == "low" }.count == 3, "\(running.map(\.name))")
                #expect(running.contains { $0.name == "unmanaged" })
                #expect(running.contains { $0.name == "protected" })
                // The surplus is gone whole: removed, not merely stopped.
                #expect(await boxes.host.list().count == 7)
            }
        }
    }
}
