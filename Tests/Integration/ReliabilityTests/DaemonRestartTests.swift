import CorralCore
import CorralTestSupport
import DockerEngine
import Foundation
import Testing

/// Stops the host's dockerd and starts it again. `make test` runs this target
/// on its own, after every other suite, because the daemon is shared.
@Suite("The enforcer when the daemon goes away", .serialized)
struct DaemonRestartTests {
    let corral = ".build/debug/corral"
    let socket = DockerClient.defaultSocketPath()

    func mix(_ run: String) async throws -> (high: Int, low: Int) {
        try await withDocker { docker in
            let running = try await docker.listContainers(
                filters: ContainerFilters.label(Scratch.runLabel, run).label(CorralLabel.managed, "true"))
            return (
                running.filter { $0.labels[CorralLabel.class] == "high" }.count,
                running.filter { $0.labels[CorralLabel.class] == "low" }.count
            )
        }
    }

    /// `corral enforce` on this run's containers, with nothing that reaches
    /// beyond the test (no collector, no metrics port, the generator alone).
    func startEnforcer(run: String, spool: String, _ extra: [String]) throws -> Process {
        let process = Process()
        process.executableURL = repositoryRoot.appendingPathComponent(corral)
        process.arguments =
            [
                "enforce", "--selector", "\(Scratch.runLabel)=\(run)", "--spool", spool, "--config", "/dev/null", "--no-collector",
                "--metrics-port", "0", "--generator", "none",
            ]
            + extra
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    @Test("dockerd stopped for a cycle and started again: the enforcer survives, journals the outage, and converges")
    func restart() async throws {
        let run = "t-" + UUID().uuidString.prefix(8).lowercased()
        let selector = "CORRAL_SELECTOR=\(Scratch.runLabel)=\(run)"
        let spool = FileManager.default.temporaryDirectory.appendingPathComponent("spool-\(run)").path
        let process = try startEnforcer(run: run, spool: spool, ["--interval", "1"])
        defer {
            if process.isRunning { process.terminate() }
            try? FileManager.default.removeItem(atPath: spool)
            _ = try? runCommand("scripts/engine.sh", [])
        }

        // From nothing, scale-up reaches the mix.
        _ = try await poll("the mix of 2 high and 3 low", seconds: 60) { () -> Bool? in
            let now = try await mix(run)
            return now == (2, 3) ? true : nil
        }

        // The daemon goes away; every container stops with it.
        #expect(try runCommand("/usr/bin/pkill", ["-TERM", "-x", "dockerd"]).status == 0)
        _ = try await poll("dockerd to stop", seconds: 60) { () -> Bool? in
            try runCommand("/usr/bin/pgrep", ["-x", "dockerd"]).status != 0 ? true : nil
        }
        // A daemon shutting down may still refuse a request or two before its
        // socket goes; the outage itself is journalled once it has.
        let outage = try await poll("the outage in the journal", seconds: 30) { () -> [String: String]? in
            try await journalEntries(["CORRAL_EVENT=error", selector]).first {
                $0["CORRAL_REASON"]?.contains("not reachable at \(socket)") == true
            }
        }
        #expect(outage["CORRAL_CYCLE"] != nil)
        #expect(process.isRunning, "the enforcer survives the outage")

        // It comes back; the enforcer resumes and starts what the mix lacks.
        let engine = try runCommand("scripts/engine.sh", [])
        #expect(engine.status == 0, "\(engine.stderr)")
        _ = try await poll("the mix again after the restart", seconds: 90) { () -> Bool? in
            let now = try? await mix(run)
            return now.map { $0 == (2, 3) } == true ? true : nil
        }
        #expect(process.isRunning)

        kill(process.processIdentifier, SIGTERM)
        _ = try await poll("corral enforce to exit", seconds: 30) { process.isRunning ? nil : true }
        #expect(process.terminationStatus == 0)

        try await withDocker { docker in
            for container in try await docker.listContainers(all: true, filters: .label(Scratch.runLabel, run)) {
                try? await docker.removeContainer(container.id, force: true)
            }
        }
    }

    @Test("dockerd stopped for three minutes and started again: the first cycle after it answers runs")
    func longOutage() async throws {
        let run = "t-" + UUID().uuidString.prefix(8).lowercased()
        let selector = "CORRAL_SELECTOR=\(Scratch.runLabel)=\(run)"
        let spool = FileManager.default.temporaryDirectory.appendingPathComponent("spool-\(run)").path
        let process = try startEnforcer(run: run, spool: spool, ["--interval", "2", "--no-scale-up"])
        defer {
            if process.isRunning { process.terminate() }
            try? FileManager.default.removeItem(atPath: spool)
            _ = try? runCommand("scripts/engine.sh", [])
        }
        _ = try await awaitJournal(["CORRAL_EVENT=cycle", selector], count: 1, seconds: 30)

        #expect(try runCommand("/usr/bin/pkill", ["-TERM", "-x", "dockerd"]).status == 0)
        _ = try await poll("dockerd to stop", seconds: 60) { () -> Bool? in
            try runCommand("/usr/bin/pgrep", ["-x", "dockerd"]).status != 0 ? true : nil
        }
        // The outage itself: long enough for any connection back-off to grow
        // past a minute (it did, and then outlived the outage by 55 s).
        try await Task.sleep(for: .seconds(180))
        #expect(process.isRunning, "the enforcer survives the outage")
        let skipped = try await journalEntries(["CORRAL_EVENT=error", selector]).count
        #expect(skipped > 10, "cycles went on being tried (and skipped) through the outage: \(skipped)")

        let engine = try runCommand("scripts/engine.sh", [])
        #expect(engine.status == 0, "\(engine.stderr)")
        // engine.sh returns once the daemon answers /_ping: every cycle
        // journalled from here on must have run, the first one included.
        let answered = UInt64(Date().timeIntervalSince1970 * 1_000_000)
        let after = try await poll("a cycle after the daemon answered", seconds: 60) { () -> [[String: String]]? in
            let entries = try await journalEntries([selector]).filter {
                ($0["CORRAL_EVENT"] == "cycle" || $0["CORRAL_EVENT"] == "error")
                    && (UInt64($0["__REALTIME_TIMESTAMP"] ?? "") ?? 0) > answered
            }
            return entries.contains { $0["CORRAL_EVENT"] == "cycle" } ? entries : nil
        }
        let first = after.min { (UInt64($0["__REALTIME_TIMESTAMP"] ?? "") ?? 0) < (UInt64($1["__REALTIME_TIMESTAMP"] ?? "") ?? 0) }
        #expect(first?["CORRAL_EVENT"] == "cycle", "the first cycle after the daemon answered ran: \(after.map { $0["MESSAGE"] ?? "" })")

        kill(process.processIdentifier, SIGTERM)
        _ = try await poll("corral enforce to exit", seconds: 30) { process.isRunning ? nil : true }
        #expect(process.terminationStatus == 0)
    }
}
