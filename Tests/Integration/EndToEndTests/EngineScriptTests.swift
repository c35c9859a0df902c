import CorralTestSupport
import Foundation
import Testing

extension EndToEnd {
    @Suite("scripts/engine.sh")
    struct EngineScriptTests {
        func dockerdCount() throws -> Int {
            try runCommand("/usr/bin/pgrep", ["-c", "-x", "dockerd"]).stdout.split(separator: "\n").first.flatMap { Int($0) } ?? 0
        }

        @Test("with a daemon answering, it returns at once and --status says so")
        func running() throws {
            #expect(try runCommand("scripts/engine.sh", []).status == 0)
            #expect(try runCommand("scripts/engine.sh", ["--status"]).status == 0)
        }

        @Test("a socket nothing answers on, while a dockerd runs: it waits, fails with the log's tail, and never starts a second daemon")
        func neverASecondDaemon() throws {
            let before = try dockerdCount()
            #expect(before == 1)
            let log = FileManager.default.temporaryDirectory.appendingPathComponent("engine-\(UUID().uuidString).log").path
            try Data("level=error msg=\"the last words of a daemon\"\n".utf8).write(to: URL(fileURLWithPath: log))
            defer { try? FileManager.default.removeItem(atPath: log) }
            let result = try runCommand(
                "scripts/engine.sh", [],
                environment: ["DOCKER_SOCKET": "/tmp/corral-no-daemon.sock", "ENGINE_DEADLINE": "1", "DOCKERD_LOG": log])
            #expect(result.status != 0)
            #expect(result.stderr.contains("did not answer on /tmp/corral-no-daemon.sock"))
            #expect(result.stderr.contains("not starting a second one"))
            #expect(result.stderr.contains("the last words of a daemon"), "the log's tail is shown")
            #expect(try dockerdCount() == before)
            #expect(
                try runCommand("scripts/engine.sh", ["--status"], environment: ["DOCKER_SOCKET": "/tmp/corral-no-daemon.sock"]).status == 1)
        }

        @Test("--help explains it; an unknown option is refused")
        func help() throws {
            #expect(try runCommand("scripts/engine.sh", ["--help"]).stdout.contains("--status"))
            let bad = try runCommand("scripts/engine.sh", ["--bogus"])
            #expect(bad.status == 2)
            #expect(bad.stderr.contains("unknown option"))
        }
    }
}
