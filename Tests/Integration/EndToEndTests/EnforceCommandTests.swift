import CorralCore
import CorralTestSupport
import DockerEngine
import Foundation
import Testing

extension EndToEnd {
    /// `corral enforce` as operators run it, against the real daemon and
    /// journald, scoped by --selector to each test's own containers.
    @Suite("corral enforce")
    struct EnforceCommandTests {
        let corral = ".build/debug/corral"

        func enforce(_ scratch: Scratch, _ extra: [String], spool: String) throws -> CommandResult {
            try runCommand(
                corral,
                [
                    "enforce", "--selector", "\(Scratch.runLabel)=\(scratch.run)", "--interval", "1", "--spool", spool, "--config",
                    testConfig(),
                ] + extra)
        }

        /// Defaults, less what would reach beyond the test: no collector
        /// container, no metrics port, the host's generator left alone.
        func testConfig() throws -> String {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("corral-test.toml").path
            try Data("metrics_port = 0\ngenerator = \"none\"\n\n[collector]\nenabled = false\n".utf8).write(
                to: URL(fileURLWithPath: path), options: .atomic)
            return path
        }

        /// A spool of this test's own, removed with its containers.
        func spoolDirectory(_ scratch: Scratch) -> String {
            scratch.temporaryPath("spool")
        }

        /// `corral enforce` started in the background, as an operator leaves it running.
        func launch(_ arguments: [String], stdout: FileHandle = FileHandle.nullDevice) throws -> Process {
            let process = Process()
            process.executableURL = repositoryRoot.appendingPathComponent(corral)
            process.arguments = arguments
            process.standardOutput = stdout
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }

        /// Managed, running containers of this test, by class.
        func mix(_ scratch: Scratch) async throws -> (high: [ContainerSummary], low: [ContainerSummary]) {
            let running = try await scratch.listed(all: false).filter { CorralLabel.isUnderPolicy($0.labels) }
            return (running.filter { $0.labels[CorralLabel.class] == "high" }, running.filter { $0.labels[CorralLabel.class] == "low" })
        }

        @discardableResult
        func managed(_ scratch: Scratch, _ cls: ContainerClass, image: String, env: [String: String] = [:]) async throws -> String {
            try await scratch.container(image: image, labels: [CorralLabel.managed: "true", CorralLabel.class: cls.rawValue], env: env)
        }

        @Test("short of the mix, one cycle starts 1 high and 2 low; with scale-up off it starts none")
        func scaleUp() async throws {
            try await withScratch { scratch in
                try await managed(scratch, .high, image: "corral/high-ram")
                try await managed(scratch, .low, image: "corral/low-idle")
                let off = try enforce(scratch, ["--cycles", "1", "--no-scale-up"], spool: spoolDirectory(scratch))
                #expect(off.status == 0, "\(off.stderr)")
                var now = try await mix(scratch)
                #expect(now.high.count == 1 && now.low.count == 1)

                let on = try enforce(scratch, ["--cycles", "1"], spool: spoolDirectory(scratch))
                #expect(on.status == 0, "\(on.stderr)")
                now = try await mix(scratch)
                #expect(now.high.count == 2, "\(now.high.map(\.name))")
                #expect(now.low.count == 3, "\(now.low.map(\.name))")
                let starts = try await awaitJournal(
                    ["CORRAL_EVENT=start_container", "CORRAL_SELECTOR=\(Scratch.runLabel)=\(scratch.run)"], count: 3)
                #expect(starts.count == 3)
                #expect(starts.filter { $0["CORRAL_CLASS"] == "high" }.count == 1)
                #expect(
                    starts.allSatisfy {
                        $0["CORRAL_REASON"]?.hasPrefix("short of") == true && $0["CONTAINER_NAME"]?.hasPrefix("corral-") == true
                    })
            }
        }

        @Test(
            "after one cycle on 30 generated containers exactly 2 high and 3 low remain, the ranking's choice; unmanaged and protected ones are untouched; every kill is journalled with its fields"
        )
        func converges() async throws {
            try await withScratch { scratch in
                for _ in 0..<3 {
                    let run = try runCommand("generator.sh", ["--label", "\(Scratch.runLabel)=\(scratch.run)"])
                    #expect(run.status == 0, "\(run.stderr)")
                }
                let unmanaged = try await scratch.container(
                    image: "corral/high-cpu", labels: [CorralLabel.class: "high"], env: ["STRESS_THREADS": "1"])
                let protected = try await scratch.container(
                    image: "corral/high-ram",
                    labels: [CorralLabel.managed: "true", CorralLabel.class: "high", CorralLabel.protected: "true"],
                    env: ["STRESS_MEGABYTES": "16"])
                let before = Set(try await scratch.listed(all: false).map(\.id))
                #expect(before.count == 32)

                let spool = spoolDirectory(scratch)
                let result = try enforce(scratch, ["--cycles", "1", "--no-scale-up"], spool: spool)
                #expect(result.status == 0, "\(result.stderr)")

                let (high, low) = try await mix(scratch)
                #expect(high.count == 2 && low.count == 3, "high \(high.map(\.name)), low \(low.map(\.name))")
                let remaining = Set(try await scratch.listed(all: false).map(\.id))
                #expect(remaining.contains(unmanaged), "the unmanaged container is untouched")
                #expect(remaining.contains(protected), "the protected container is untouched")
                let removed = before.subtracting(remaining)
                #expect(removed.count == 25)

                let selector = "CORRAL_SELECTOR=\(Scratch.runLabel)=\(scratch.run)"
                let kills = try await awaitJournal(["CORRAL_EVENT=kill", selector], count: 25)
                #expect(Set(kills.compactMap { $0["CONTAINER_ID_FULL"] }) == removed, "one kill entry per removed container")
                #expect(kills.count == 25)
                for entry in kills {
                    for field in [
                        "CONTAINER_ID", "CONTAINER_NAME", "CONTAINER_IMAGE", "CORRAL_CLASS", "CORRAL_REASON", "CORRAL_CPU_PERCENT",
                        "CORRAL_MEM_PERCENT", "CORRAL_RSS_KB", "CORRAL_VSZ_KB",
                    ] {
                        #expect(entry[field]?.isEmpty == false, "\(field) in \(entry)")
                    }
                    #expect(entry["CORRAL_CYCLE"] == "1")
                    #expect(entry["CORRAL_REASON"]?.hasPrefix("surplus \(entry["CORRAL_CLASS"] ?? "")") == true)
                    // Killed through its cgroup (v2's cgroup.kill on a host that has it), then removed.
                    #expect(["cgroup.kill", "cgroup.procs"].contains(entry["CORRAL_KILL_VIA"] ?? ""), "\(entry)")
                    #expect(Double(entry["CORRAL_EMPTIED_MS"] ?? "") != nil, "\(entry)")
                    #expect(entry["SYSLOG_IDENTIFIER"] == "corral")
                }
                let keeps = try await awaitJournal(["CORRAL_EVENT=keep", selector], count: 5)
                #expect(
                    Set(keeps.compactMap { $0["CONTAINER_ID_FULL"] }) == Set((high + low).map(\.id)),
                    "the kept are the ones the ranking named")
                // The ranking named them: the top of the high ranking, the bottom of the low one.
                for entry in keeps {
                    let parts = (entry["CORRAL_RANK"] ?? "").split(separator: "/").compactMap { Int($0) }
                    #expect(parts.count == 2)
                    if entry["CORRAL_CLASS"] == "high" { #expect(parts[0] <= 2) } else { #expect(parts[0] > parts[1] - 3) }
                }
                let touched = Set((kills + keeps).compactMap { $0["CONTAINER_ID_FULL"] })
                #expect(!touched.contains(unmanaged) && !touched.contains(protected))

                // The spool holds both streams of the cycle, one JSON object a line.
                let processLines = try String(contentsOfFile: spool + "/process.jsonl", encoding: .utf8).split(separator: "\n")
                #expect(processLines.count == 30)
                let memoryLines = try String(contentsOfFile: spool + "/memory.jsonl", encoding: .utf8).split(separator: "\n")
                #expect(memoryLines.count == 1)
                for line in processLines + memoryLines {
                    #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil)
                }

                // Replayed with the policy that made it, the recorded cycle
                // comes out the same; keeping one more high spares exactly the
                // third heaviest, which the recording killed.
                let same = try runCommand(corral, ["replay", "--config", testConfig(), spool])
                #expect(same.status == 0, "\(same.stderr)")
                #expect(same.stdout.contains("Replayed 30 decisions in 1 cycle"), "\(same.stdout)")
                #expect(same.stdout.contains("No decision differs"), "\(same.stdout)")
                let more = try runCommand(corral, ["replay", "--config", testConfig(), "--high", "3", "--json", spool])
                #expect(more.status == 0, "\(more.stderr)")
                let replay = try #require(try JSONSerialization.jsonObject(with: Data(more.stdout.utf8)) as? [String: Any])
                let differences = try #require(replay["differences"] as? [[String: Any]])
                let records = processLines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                let third = records.filter { $0["class"] as? String == "high" && ($0["reason"] as? String)?.contains("rank 3 of") == true }
                #expect(differences.count == third.count, "\(differences)")
                if let spared = third.first, let difference = differences.first {
                    #expect(difference["container_id"] as? String == spared["container_id"] as? String)
                    #expect(difference["recorded_action"] as? String == "kill" && difference["replayed_action"] as? String == "keep")
                }
            }
        }

        @Test("corral replay names a log that is not there (exit 66) and a line that is not a record (exit 65)")
        func replayRefusesBadLogs() throws {
            let missing = try runCommand(corral, ["replay", "--config", testConfig(), "/nonexistent/process.jsonl"])
            #expect(missing.status == 66)
            #expect(missing.stderr.contains("/nonexistent/process.jsonl: no such file or directory"), "\(missing.stderr)")
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("corral-replay-\(UUID().uuidString).jsonl").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            try Data("{\"id\":\"1\",\"timestamp\":\"2026-12-02T00:00:00.000Z\"}\n".utf8).write(to: URL(fileURLWithPath: path))
            let malformed = try runCommand(corral, ["replay", "--config", testConfig(), path])
            #expect(malformed.status == 65)
            #expect(malformed.stderr.contains("\(path):1: not a process record: cycle is missing"), "\(malformed.stderr)")
        }

        @Test("--dry-run removes nothing and journals the same plan")
        func dryRun() async throws {
            try await withScratch { scratch in
                let generated = try runCommand("generator.sh", ["--label", "\(Scratch.runLabel)=\(scratch.run)"])
                #expect(generated.status == 0)
                let before = Set(try await scratch.listed(all: false).map(\.id))
                let (high, low) = try await mix(scratch)
                let surplus = max(0, high.count - 2) + max(0, low.count - 3)

                let result = try enforce(scratch, ["--cycles", "1", "--dry-run"], spool: spoolDirectory(scratch))
                #expect(result.status == 0, "\(result.stderr)")
                #expect(Set(try await scratch.listed(all: false).map(\.id)) == before, "nothing removed")
                #expect(result.stdout.contains("would kill"))
                let kills = try await awaitJournal(
                    ["CORRAL_EVENT=kill", "CORRAL_DRY_RUN=1", "CORRAL_SELECTOR=\(Scratch.runLabel)=\(scratch.run)"], count: surplus)
                #expect(kills.count == surplus)
                #expect(kills.allSatisfy { before.contains($0["CONTAINER_ID_FULL"] ?? "") })
            }
        }

        /// CPU the container's cgroup used over `seconds`, in cores.
        func cores(_ id: String, over seconds: Double) async throws -> Double {
            func usage() throws -> Double {
                let text = try String(contentsOfFile: "/sys/fs/cgroup/cpuacct/docker/\(id)/cpuacct.usage", encoding: .utf8)
                return Double(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            }
            let before = try usage()
            let start = Date()
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            return (try usage() - before) / 1e9 / Date().timeIntervalSince(start)
        }

        @Test(
            "throttle: the surplus high-cpu container is capped, not killed, and runs under its quota; when a kept one goes, it is uncapped"
        )
        func throttle() async throws {
            try await withScratch { scratch in
                var burners: [String] = []
                for _ in 0..<3 { burners.append(try await managed(scratch, .high, image: "corral/high-cpu", env: ["STRESS_THREADS": "1"])) }
                let selector = "CORRAL_SELECTOR=\(Scratch.runLabel)=\(scratch.run)"
                let launched = Date()
                let process = try launch([
                    "enforce", "--selector", "\(Scratch.runLabel)=\(scratch.run)", "--interval", "1", "--spool", spoolDirectory(scratch),
                    "--config", try testConfig(), "--high", "2", "--low", "0", "--no-scale-up", "--surplus-action", "throttle",
                ])
                defer { if process.isRunning { kill(process.processIdentifier, SIGTERM) } }

                let capped = try await awaitJournal(["CORRAL_EVENT=throttle", selector], count: 1, since: launched)
                let id = try #require(capped.first?["CONTAINER_ID_FULL"])
                #expect(capped.first?["CORRAL_FATE"] == "throttled")
                let quota = try String(contentsOfFile: "/sys/fs/cgroup/cpu/docker/\(id)/cpu.cfs_quota_us", encoding: .utf8)
                #expect(quota.trimmingCharacters(in: .whitespacesAndNewlines) == "10000", "10% of one core")
                // Under its quota (10% of a core, with room for accounting noise), soon.
                let used = try await poll("\(id.prefix(12)) under its quota", seconds: 20, every: 0) { () -> Double? in
                    let used = try await cores(id, over: 1)
                    return used <= 0.12 ? used : nil
                }
                #expect(used <= 0.12)
                #expect(try await scratch.listed(all: false).count == 3, "capped, not killed: all three still run")

                // A kept one goes: the capped one is kept again, and uncapped.
                let kept = try #require(burners.first { $0 != id })
                let removed = Date()
                try await scratch.docker.removeContainer(kept, force: true)
                _ = try await poll("\(id.prefix(12)) unthrottled", seconds: 30) { () -> Bool? in
                    let entries = try await journalEntries(["CORRAL_EVENT=unthrottle", selector], since: removed)
                    return entries.contains { $0["CONTAINER_ID_FULL"] == id } ? true : nil
                }
                let lifted = try String(contentsOfFile: "/sys/fs/cgroup/cpu/docker/\(id)/cpu.cfs_quota_us", encoding: .utf8)
                #expect(lifted.trimmingCharacters(in: .whitespacesAndNewlines) == "-1")
                let soft = try String(contentsOfFile: "/sys/fs/cgroup/memory/docker/\(id)/memory.soft_limit_in_bytes", encoding: .utf8)
                #expect(UInt64(soft.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 > 1 << 60, "the soft limit lifted: \(soft)")
                // Twice its cap at least, however busy the host is with other tests.
                _ = try await poll("\(id.prefix(12)) burning again", seconds: 30, every: 0) { () -> Bool? in
                    try await cores(id, over: 1) > 0.2 ? true : nil
                }
                kill(process.processIdentifier, SIGTERM)
                _ = try await poll("corral enforce to exit", seconds: 60) { process.isRunning ? nil : true }
                #expect(process.terminationStatus == 0)
            }
        }

        @Test("SIGTERM during a cycle: exit 0, no container left half-removed, the spool intact")
        func sigterm() async throws {
            try await withScratch { scratch in
                for _ in 0..<3 {
                    #expect(try runCommand("generator.sh", ["--label", "\(Scratch.runLabel)=\(scratch.run)"]).status == 0)
                }
                let spool = spoolDirectory(scratch)
                let launched = Date()
                let process = try launch([
                    // Term mode's grace plus 2 s must fit in 80% of the interval.
                    "enforce", "--selector", "\(Scratch.runLabel)=\(scratch.run)", "--interval", "4", "--spool", spool, "--config",
                    try testConfig(),
                    "--kill-mode", "term", "--grace", "1", "--pool-width", "2",
                ])
                // Mid-cycle: some containers are gone, not all of them yet.
                _ = try await poll("the first kills of cycle 1", seconds: 30, every: 0.05) { () -> Int? in
                    let left = try await scratch.listed(all: true).count
                    return left < 30 ? left : nil
                }
                kill(process.processIdentifier, SIGTERM)
                _ = try await poll("corral enforce to exit", seconds: 60) { process.isRunning ? nil : true }
                #expect(process.terminationStatus == 0)
                #expect(process.terminationReason == .exit)

                for container in try await scratch.listed(all: true) {
                    #expect(container.state == "running", "\(container.name) is \(container.state): half-removed")
                }
                for stream in ["memory", "process"] {
                    let path = "\(spool)/\(stream).jsonl"
                    guard FileManager.default.fileExists(atPath: path) else { continue }
                    let text = try String(contentsOfFile: path, encoding: .utf8)
                    #expect(text.isEmpty || text.hasSuffix("\n"), "no torn last line")
                    for line in text.split(separator: "\n") {
                        #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "\(line)")
                    }
                }
                let stops = try await awaitJournal(["CORRAL_EVENT=stop", "_PID=\(process.processIdentifier)"], count: 1, since: launched)
                #expect(stops.count == 1)
            }
        }

        @Test("the last gate: a config that tries to select on corral.managed is refused before anything runs")
        func selectorSafety() throws {
            let result = try runCommand(
                corral, ["enforce", "--cycles", "1", "--selector", "corral.managed=false", "--config", try testConfig()])
            #expect(result.status != 0)
            #expect(result.stderr.contains("cannot name corral.managed"))
        }

        @Test("a bad config file is refused, naming the file and the key")
        func badConfig() throws {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).toml").path
            try Data("low = -2\n".utf8).write(to: URL(fileURLWithPath: path))
            defer { try? FileManager.default.removeItem(atPath: path) }
            let result = try runCommand(corral, ["enforce", "--cycles", "1", "--config", path])
            #expect(result.status != 0)
            #expect(result.stderr.contains("\(path): low: must be from 0 to 10000, not -2"), "\(result.stderr)")
        }

        @Test("corral plan prints the plan with reasons and touches nothing")
        func plan() async throws {
            try await withScratch { scratch in
                for i in 0..<4 { try await managed(scratch, .low, image: i % 2 == 0 ? "corral/low-idle" : "corral/low-tick") }
                let before = Set(try await scratch.listed(all: false).map(\.id))
                let result = try runCommand(
                    corral, ["plan", "--json", "--selector", "\(Scratch.runLabel)=\(scratch.run)", "--config", try testConfig()])
                #expect(result.status == 0, "\(result.stderr)")
                let rows = try result.lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:] }
                #expect(rows.count == 4)
                #expect(rows.filter { $0["action"] as? String == "kill" }.count == 1)
                #expect(rows.allSatisfy { ($0["reason"] as? String)?.isEmpty == false })
                #expect(Set(try await scratch.listed(all: false).map(\.id)) == before)
            }
        }
    }
}

extension EndToEnd.EnforceCommandTests {
    @Test(
        "the module's document is used while present; a malformed or oversized one costs the cycle its source, not its figures: the twin stands in, said once per change; when it disappears the twin takes over with one warning"
    )
    func moduleFileComesAndGoes() async throws {
        try await withScratch { scratch in
            for _ in 0..<3 { try await managed(scratch, .low, image: "corral/low-idle") }
            let moduleFile = FileManager.default.temporaryDirectory.appendingPathComponent("sysinfo-\(scratch.run).json").path
            defer { try? FileManager.default.removeItem(atPath: moduleFile) }
            // A document shaped as the module writes it (the twin's, relabelled).
            let twin = try runCommand(corral, ["sysinfo", "--source", "procfs"])
            try Data(twin.stdout.replacingOccurrences(of: "\"source\":\"procfs\"", with: "\"source\":\"kernel\"").utf8).write(
                to: URL(fileURLWithPath: moduleFile))

            let out = FileManager.default.temporaryDirectory.appendingPathComponent("enforce-\(scratch.run).out").path
            _ = FileManager.default.createFile(atPath: out, contents: nil)
            defer { try? FileManager.default.removeItem(atPath: out) }
            let process = try launch(
                [
                    "enforce", "--selector", "\(Scratch.runLabel)=\(scratch.run)", "--interval", "1", "--spool", spoolDirectory(scratch),
                    "--config",
                    try testConfig(), "--module-file", moduleFile, "--high", "0", "--low", "3", "--no-scale-up",
                ], stdout: try FileHandle(forWritingTo: URL(fileURLWithPath: out)))
            defer { if process.isRunning { process.terminate() } }
            let selector = "CORRAL_SELECTOR=\(Scratch.runLabel)=\(scratch.run)"

            _ = try await awaitJournal(["CORRAL_EVENT=cycle", "CORRAL_SOURCE=kernel", selector], count: 1)
            func notice(_ words: String) async throws -> [String: String] {
                try await poll("a cycle noting '\(words)'", seconds: 30) { () -> [String: String]? in
                    try await journalEntries(["CORRAL_EVENT=cycle", selector]).first { $0["CORRAL_NOTICE"]?.contains(words) == true }
                }
            }
            try Data("{\"schema\":\"corral.sysinfo/v1\",".utf8).write(to: URL(fileURLWithPath: moduleFile), options: .atomic)
            let malformed = try await notice("the kernel module's document cannot be used (not valid JSON)")
            #expect(malformed["CORRAL_SOURCE"] == "procfs")
            // One container's tens of thousands of processes: larger than the reader takes.
            try Data(count: (64 << 20) + 1).write(to: URL(fileURLWithPath: moduleFile), options: .atomic)
            let oversized = try await notice("cannot be used (larger than 67108864 bytes)")
            #expect(oversized["CORRAL_SOURCE"] == "procfs")
            try FileManager.default.removeItem(atPath: moduleFile)
            _ = try await notice("disappeared: falling back to the procfs twin")
            #expect(try await journalEntries(["CORRAL_EVENT=error", selector]).isEmpty, "no cycle was skipped")

            kill(process.processIdentifier, SIGTERM)
            _ = try await poll("corral enforce to exit", seconds: 30) { process.isRunning ? nil : true }
            #expect(process.terminationStatus == 0)
            let console = try String(contentsOfFile: out, encoding: .utf8)
            #expect(console.components(separatedBy: "disappeared: falling back to the procfs twin").count == 2, "said exactly once")
            #expect(console.components(separatedBy: "cannot be used (not valid JSON)").count == 2, "said once, not every cycle")
            #expect(try await mix(scratch).low.count == 3, "nothing was killed on a bad document")
        }
    }
}

extension EndToEnd.EnforceCommandTests {
    @Test("without a journald socket it says so once and writes the same records to stderr")
    func journalFallback() async throws {
        try await withScratch { scratch in
            try await managed(scratch, .low, image: "corral/low-idle")
            let result = try enforce(
                scratch, ["--cycles", "2", "--dry-run", "--journal-socket", "/tmp/corral-no-journal.sock"], spool: spoolDirectory(scratch))
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.components(separatedBy: "no journald socket at /tmp/corral-no-journal.sock").count == 2, "said once")
            #expect(result.stderr.contains("CORRAL_EVENT=cycle"))
            #expect(result.stderr.contains("CORRAL_EVENT=keep"))
            #expect(result.stderr.contains("SYSLOG_IDENTIFIER=corral"))
        }
    }
}

extension EndToEnd.EnforceCommandTests {
    @Test("a running container the document lacks is unmeasured: journalled, left running, and never kept in place of a measured one")
    func unmeasured() async throws {
        try await withScratch { scratch in
            var ids: [String] = []
            for _ in 0..<4 { ids.append(try await managed(scratch, .low, image: "corral/low-idle")) }
            let ghost = ids[0]
            // The module's document as it would be if the ghost's cgroup were
            // elsewhere: the twin's document without it.
            let twin = try runCommand(corral, ["sysinfo", "--source", "procfs"])
            #expect(twin.status == 0, "\(twin.stderr)")
            var document = try #require(try JSONSerialization.jsonObject(with: Data(twin.stdout.utf8)) as? [String: Any])
            let containers = try #require(document["containers"] as? [[String: Any]])
            #expect(containers.contains { $0["id"] as? String == ghost })
            document["containers"] = containers.filter { $0["id"] as? String != ghost }
            let moduleFile = FileManager.default.temporaryDirectory.appendingPathComponent("sysinfo-\(scratch.run).json").path
            try JSONSerialization.data(withJSONObject: document).write(to: URL(fileURLWithPath: moduleFile))
            defer { try? FileManager.default.removeItem(atPath: moduleFile) }

            let result = try enforce(
                scratch, ["--cycles", "1", "--high", "0", "--low", "2", "--no-scale-up", "--module-file", moduleFile],
                spool: spoolDirectory(scratch))
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("Unmeasured: 1"))
            let selector = "CORRAL_SELECTOR=\(Scratch.runLabel)=\(scratch.run)"
            let said = try await awaitJournal(["CORRAL_EVENT=unmeasured", selector], count: 1)
            #expect(said.map { $0["CONTAINER_ID_FULL"] } == [ghost])
            #expect(said[0]["CORRAL_REASON"]?.hasPrefix("unmeasured low") == true)
            let keeps = try await awaitJournal(["CORRAL_EVENT=keep", selector], count: 2)
            #expect(!keeps.contains { $0["CONTAINER_ID_FULL"] == ghost }, "the zeros of the unmeasured are not the lightest")
            let kills = try await awaitJournal(["CORRAL_EVENT=kill", selector], count: 1)
            #expect(kills.count == 1 && kills[0]["CONTAINER_ID_FULL"] != ghost)
            let left = Set(try await mix(scratch).low.map(\.id))
            #expect(left.count == 3 && left.contains(ghost), "two measured kept, the unmeasured left running")
        }
    }

    @Test("--dry-run --cycles 1 leaves crontab -l, the container list and the collector's state byte-identical")
    func dryRunTouchesNothing() async throws {
        try await withScratch { scratch in
            try await managed(scratch, .high, image: "corral/high-ram")
            for _ in 0..<4 { try await managed(scratch, .low, image: "corral/low-idle") }
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("dry-\(scratch.run)").path
            let store = root + "/logs"
            let spool = root + "/spool"
            // Everything a real run would touch is on: the collector (its own
            // name, port and store), the generator's cron lines, scale-up.
            let config = root + "/corral.toml"
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: root) }
            try Data(
                """
                metrics_port = 0
                generator = "auto"

                [collector]
                enabled = true
                name = "corral-collector-\(scratch.run)"
                port = 9499
                store_path = "\(store)"

                """.utf8
            ).write(to: URL(fileURLWithPath: config))
            // This test's containers and the collector it names (other suites
            // run beside this one and have containers of their own).
            func hostState() async throws -> String {
                var containers = try await scratch.listed(all: true).map { "\($0.id) \($0.state)" }.sorted()
                let collector = try? await scratch.docker.inspectContainer("corral-collector-\(scratch.run)")
                containers.append("collector: \(collector?.id ?? "none")")
                let crontab = try runCommand("/usr/bin/crontab", ["-l"])
                return containers.joined(separator: "\n") + "\n--\n\(crontab.status)\n\(crontab.stdout)\(crontab.stderr)"
            }
            let before = try await hostState()
            let result = try runCommand(
                corral,
                [
                    "enforce", "--selector", "\(Scratch.runLabel)=\(scratch.run)", "--config", config, "--spool", spool, "--dry-run",
                    "--cycles", "1",
                ])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("would kill"))
            #expect(result.stdout.contains("Would start: 1"))
            #expect(try await hostState() == before, "no container created, started, stopped or removed; crontab as it was")
            #expect(!FileManager.default.fileExists(atPath: store), "no collector store made")
            #expect(!FileManager.default.fileExists(atPath: spool), "nothing spooled")
        }
    }

    @Test("a second enforcer on the same state directory exits at once with status 75, naming the first one's pid")
    func oneEnforcerPerStateDirectory() async throws {
        try await withScratch { scratch in
            let spool = spoolDirectory(scratch)
            let launched = Date()
            let first = try launch([
                "enforce", "--selector", "\(Scratch.runLabel)=\(scratch.run)", "--interval", "1", "--spool", spool, "--config",
                try testConfig(), "--no-scale-up",
            ])
            defer { if first.isRunning { first.terminate() } }
            let pid = first.processIdentifier
            _ = try await awaitJournal(["CORRAL_EVENT=cycle", "_PID=\(pid)"], count: 1, seconds: 30, since: launched)

            let second = try enforce(scratch, ["--cycles", "1", "--no-scale-up"], spool: spool)
            #expect(second.status == 75)
            #expect(second.stderr.contains("another corral enforce (pid \(pid)) already runs"), "\(second.stderr)")
            #expect(
                try await journalEntries(["CORRAL_EVENT=start", "CORRAL_SELECTOR=\(Scratch.runLabel)=\(scratch.run)"]).count == 1,
                "the second never started")

            kill(pid, SIGTERM)
            _ = try await poll("the first enforcer to exit", seconds: 30) { first.isRunning ? nil : true }
            #expect(first.terminationStatus == 0)
            let after = try enforce(scratch, ["--cycles", "1", "--no-scale-up"], spool: spool)
            #expect(after.status == 0, "the lock goes with its holder: \(after.stderr)")
        }
    }

    @Test(
        "a selector on corral.class or corral.role is refused at start, naming the key",
        arguments: ["corral.class=high", "corral.role=worker"])
    func classSelectorRefused(selector: String) throws {
        let result = try runCommand(corral, ["enforce", "--cycles", "1", "--selector", selector, "--config", try testConfig()])
        #expect(result.status == 78)
        #expect(result.stderr.contains("selector: cannot name \(selector.prefix { $0 != "=" })"), "\(result.stderr)")
    }
}

extension EndToEnd.EnforceCommandTests {
    @Test(
        "a container Corral starts that exits at once is removed and journalled, and scale-up starts no more than the shortfall each cycle")
    func startThatExitsAtOnce() async throws {
        try await withScratch { scratch in
            // An image whose workload refuses its environment and exits 2 at once.
            let image = "corral-test/exits-at-once"
            let built = try runCommand(
                "/usr/bin/docker", ["build", "-q", "-t", image, "-"], stdin: "FROM corral/high-ram\nENV STRESS_MEGABYTES=lots\n")
            try #require(built.status == 0, "\(built.stderr)")
            let config = FileManager.default.temporaryDirectory.appendingPathComponent("exits-\(scratch.run).toml").path
            try Data(
                """
                metrics_port = 0
                generator = "none"

                [collector]
                enabled = false

                [scale_up_images]
                high = ["\(image)"]

                """.utf8
            ).write(to: URL(fileURLWithPath: config))
            defer { try? FileManager.default.removeItem(atPath: config) }

            let result = try runCommand(
                corral,
                [
                    "enforce", "--selector", "\(Scratch.runLabel)=\(scratch.run)", "--interval", "1", "--spool", spoolDirectory(scratch),
                    "--config", config,
                    "--high", "1", "--low", "0", "--cycles", "5",
                ])
            #expect(result.status == 0, "\(result.stderr)")
            let selector = "CORRAL_SELECTOR=\(Scratch.runLabel)=\(scratch.run)"
            // Every start but the last cycle's was found exited and removed
            // (journald may take a moment to show every entry).
            let (starts, exited, left) = try await poll("each start found exited, removed and journalled", seconds: 30) {
                () -> ([[String: String]], [[String: String]], [ContainerSummary])? in
                let starts = try await journalEntries(["CORRAL_EVENT=start_container", selector])
                let exited = try await journalEntries(["CORRAL_EVENT=start_exited", selector])
                let left = try await scratch.listed(all: true)
                return !exited.isEmpty && starts.count - exited.count == left.count ? (starts, exited, left) : nil
            }
            #expect(exited.allSatisfy { $0["CORRAL_EXIT_CODE"] == "2" && $0["CORRAL_REASON"]?.contains("removed it") == true }, "\(exited)")
            #expect(starts.count <= 5, "one start a cycle at most (the shortfall of 1): \(starts.count)")
            #expect(left.count <= 1, "\(left.map { "\($0.name) \($0.state)" })")
        }
    }
}
