import CorralCore
import CorralTestSupport
import DockerEngine
import Foundation
import Testing

extension EndToEnd {
    /// The real enforcer with the real collector container, as `make run`
    /// runs them, each on this test's own name, ports and directories.
    @Suite("The enforcer and its log collector")
    struct CollectorIntegrationTests {
        let corral = ".build/debug/corral"

        /// A config with everything on: the collector, metrics, the generator's removal.
        func config(_ scratch: Scratch) throws -> String {
            let path = scratch.temporaryPath("config") + ".toml"
            try Data("interval_seconds = 2\nhigh = 1\nlow = 1\n".utf8).write(to: URL(fileURLWithPath: path))
            return path
        }

        func crontab() throws -> String {
            let listed = try runCommand("/usr/bin/crontab", ["-l"])
            return listed.status == 0 ? listed.stdout : ""
        }

        @Test(
            "cycles flow into the collector's store; stopped mid-run and back, it still gets every record exactly once; /metrics passes promtool; SIGTERM leaves the graphs and the report on the host and removes the generator's cron lines"
        )
        func wholeRun() async throws {
            try await withScratch { scratch in
                #expect(try runCommand("generator.sh", ["--label", "\(Scratch.runLabel)=\(scratch.run)", "--count", "4"]).status == 0)
                let name = "corral-collector-\(scratch.run)"
                await scratch.adopt(name)
                let port = try freeLoopbackPort()
                let metricsPort = try freeLoopbackPort()
                let store = scratch.temporaryPath("store")
                let spool = scratch.temporaryPath("spool")

                // A generator line in root's crontab, as `make run` installs it (one that does nothing).
                let savedCrontab = try crontab()
                defer { _ = try? runCommand("/usr/bin/crontab", ["-"], stdin: savedCrontab.isEmpty ? "" : savedCrontab) }
                let keptLine = "17 3 * * * true # an operator's own line"
                let generatorLine = "* * * * * true # corral-generator"
                // Tagged, but not a line the generator writes: left alone.
                let lookalike = "*/5 * * * * true # corral-generator"
                // Only this test's generator line: any other (a generator still on) is put back afterwards.
                let others = savedCrontab.split(separator: "\n").filter { !$0.hasSuffix(" # corral-generator") }.map { $0 + "\n" }.joined()
                #expect(
                    try runCommand(
                        "/usr/bin/crontab", ["-"], stdin: others + keptLine + "\n" + generatorLine + "\n" + lookalike + "\n"
                    ).status == 0)

                let out = scratch.temporaryPath("enforce") + ".stdout"
                _ = FileManager.default.createFile(atPath: out, contents: nil)
                let process = Process()
                process.executableURL = repositoryRoot.appendingPathComponent(corral)
                process.arguments = [
                    "enforce", "--config", try config(scratch), "--selector", "\(Scratch.runLabel)=\(scratch.run)", "--spool", spool,
                    "--collector-name", name, "--collector-port", "\(port)", "--collector-store", store,
                    "--metrics-port", "\(metricsPort)", "--generator", "cron",
                ]
                process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
                process.standardError = FileHandle.nullDevice
                let launched = Date()
                try process.run()
                defer { if process.isRunning { process.terminate() } }
                let pid = "_PID=\(process.processIdentifier)"

                // The collector comes up and the first cycle's records reach the store.
                _ = try await awaitJournal(["CORRAL_EVENT=collector_up", pid], count: 1, seconds: 90, since: launched)
                let details = try await scratch.docker.inspectContainer(name)
                #expect(details.config.labels[CorralLabel.protected] == "true" && details.config.labels[CorralLabel.role] == "collector")
                _ = try await poll("the first memory record in the store", seconds: 30) { () -> Bool? in
                    try storedRecords(store, "memory").isEmpty ? nil : true
                }

                // Live metrics, in a format Prometheus accepts.
                let scraped = try runCommand("/usr/bin/curl", ["-fsS", "http://127.0.0.1:\(metricsPort)/metrics"])
                #expect(scraped.status == 0, "\(scraped.stderr)")
                for series in [
                    "corral_cycle_duration_seconds_bucket", "corral_containers{", "corral_kills_total{", "corral_snapshot_source{",
                    "corral_spool_depth", "corral_errors_total{",
                ] {
                    #expect(scraped.stdout.contains(series), "\(series) missing")
                }
                let promtool = try runCommand("/usr/local/bin/promtool", ["check", "metrics"], stdin: scraped.stdout)
                #expect(promtool.status == 0, "\(promtool.stdout)\(promtool.stderr)")

                // The collector goes away for a while; the records wait and then arrive.
                try await scratch.docker.stopContainer(name, graceSeconds: 5)
                _ = try await awaitJournal(["CORRAL_EVENT=delivery_failed", pid], count: 1, seconds: 30, since: launched)
                try? await scratch.docker.startContainer(name)
                _ = try await awaitJournal(["CORRAL_EVENT=delivery_resumed", pid], count: 1, seconds: 60, since: launched)
                let cyclesSoFar = try await journalEntries(["CORRAL_EVENT=cycle", pid], since: launched).count
                _ = try await awaitJournal(["CORRAL_EVENT=cycle", pid], count: cyclesSoFar + 1, seconds: 30, since: launched)

                kill(process.processIdentifier, SIGTERM)
                _ = try await poll("corral enforce to exit", seconds: 90) { process.isRunning ? nil : true }
                #expect(process.terminationStatus == 0)
                let console = try String(contentsOfFile: out, encoding: .utf8)

                // Every record the enforcer spooled is in the store exactly once, in order.
                for stream in ["memory", "process"] {
                    let spooled = try jsonLines("\(spool)/\(stream).jsonl").compactMap { $0["id"] as? String }
                    let stored = try storedRecords(store, stream).compactMap { $0["id"] as? String }
                    #expect(!spooled.isEmpty)
                    #expect(stored == spooled, "\(stream): \(stored.count) stored, \(spooled.count) spooled")
                    #expect(Set(stored).count == stored.count, "\(stream): a record stored twice")
                }
                let cycles = try storedRecords(store, "memory").compactMap { $0["cycle"] as? Int }
                #expect(cycles == Array(1...cycles.count), "one memory record per cycle, none missing: \(cycles)")
                #expect(console.contains("every record is delivered"), "\(console.suffix(2000))")

                // The graphs and the report, on the host, where the console says.
                let report = "\(store)/graphs/report.html"
                #expect(console.contains("report: \(report)"), "\(console.suffix(2000))")
                #expect(FileManager.default.fileExists(atPath: report))
                let pngs = console.split(separator: "\n").filter { $0.hasPrefix("graph:") }.map {
                    $0.dropFirst("graph:".count).trimmingCharacters(in: .whitespaces)
                }
                #expect(pngs.count >= 3)
                for png in pngs {
                    let data = try #require(FileManager.default.contents(atPath: png), "\(png)")
                    #expect(data.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]), "\(png) is a PNG")
                }

                // The generator is off; the operator's own line stays.
                let after = try crontab()
                #expect(!after.split(separator: "\n").contains { $0 == generatorLine })
                #expect(after.contains(keptLine))
                #expect(after.contains(lookalike), "only the generator's own lines, matched exactly")
                #expect(console.contains("generator: removed its 1 crontab line"))

                // The collector is still up (protected, reused by the next start) and was never killed.
                #expect(try await scratch.docker.inspectContainer(name).state.running)
                #expect(try await journalEntries(["CORRAL_EVENT=kill", pid], since: launched).allSatisfy { $0["CONTAINER_NAME"] != name })
            }
        }
    }
}
