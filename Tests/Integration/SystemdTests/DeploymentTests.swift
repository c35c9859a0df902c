import CorralCore
import CorralTestSupport
import DockerEngine
import Foundation
import Testing

/// The whole system as operators deploy it: `make install` (scripts/install.sh)
/// into a Debian root that boots a real systemd as PID 1 in a container, the
/// host's engine through its socket and the host's /proc at /host/proc. Runs
/// on its own (make systemd-test): the timer fires every 30 s.
@Suite("Deployed under a real systemd", .serialized)
struct DeploymentTests {
    let packages = "systemd,systemd-sysv,libcgroup2,procps"

    /// `docker exec` into the systemd container.
    func exec(_ container: String, _ arguments: [String]) throws -> CommandResult {
        try runCommand("/usr/bin/docker", ["exec", container] + arguments)
    }

    func jsonObjects(_ text: String) -> [[String: Any]] {
        text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    /// Managed, running containers of this run, by class.
    func mix(_ scratch: Scratch) async throws -> (high: Int, low: Int) {
        let running = try await scratch.listed(all: false).filter { CorralLabel.isUnderPolicy($0.labels) }
        return (
            running.filter { $0.labels[CorralLabel.class] == "high" }.count, running.filter { $0.labels[CorralLabel.class] == "low" }.count
        )
    }

    @Test(
        "installed under systemd: the timer adds 10 containers about every 30 s, each cycle leaves 2 high and 3 low, the journal and `corral journal` tell why, the store grows, and stopping the service leaves the graphs and stops the timer; uninstall removes it and keeps the logs"
    )
    func wholeSystem() async throws {
        let binary = repositoryRoot.appendingPathComponent(".build/release/corral").path
        try #require(
            FileManager.default.isExecutableFile(atPath: binary), "\(binary) is missing: run `make release` (make systemd-test does)")
        try await withScratch { scratch in
            let run = scratch.run
            // The host: a Debian root with systemd, made once and reused while its inputs are unchanged.
            let base = try runCommand(
                "scripts/debian-base.sh", ["--repo", "corral/systemd-host", "--packages", packages, "--cmd", "/lib/systemd/systemd"])
            try #require(base.status == 0, "\(base.stderr)")
            let baseImage = base.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

            // make install, staged into the image's root.
            let work = try scratchDirectory("systemd-\(run)")
            // The staged host (about 120 MiB) goes with the test.
            defer { try? FileManager.default.removeItem(atPath: work) }
            let stage = work + "/stage"
            let installed = try runCommand(
                "scripts/install.sh", [], environment: ["DESTDIR": stage, "BINARY": binary, "PREFIX": "/usr/local"])
            try #require(installed.status == 0, "\(installed.stdout)\(installed.stderr)")
            #expect(installed.stdout.contains("config /etc/corral/corral.toml"))

            // What the test host adds, as an operator would on a real host:
            // the docker CLI (docker.io's) for the generator; docker.service, here
            // the host's engine behind its bind-mounted socket; a drop-in that
            // labels this run's containers; a config scoped to them.
            let state = "/var/lib/corral/\(run)"
            let port = try freeLoopbackPort()
            let metricsPort = try freeLoopbackPort()
            let adminPort = try freeLoopbackPort()
            let subscribePort = try freeLoopbackPort()
            let node = "deploy-\(run)"
            let collector = "corral-collector-\(run)"
            await scratch.adopt(collector)
            try FileManager.default.createDirectory(atPath: state + "/logs", withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: state) }
            try FileManager.default.createDirectory(atPath: stage + "/usr/bin", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: "/usr/bin/docker", toPath: stage + "/usr/bin/docker")
            let files: [String: String] = [
                "/etc/systemd/system/docker.service": """
                [Unit]
                Description=Docker (the host's engine, through its bind-mounted socket)
                [Service]
                Type=oneshot
                RemainAfterExit=yes
                ExecStart=/bin/sh -c 'for i in $(seq 1 100); do [ -S /run/docker.sock ] && exit 0; sleep 0.1; done; echo no docker socket; exit 1'
                """,
                "/etc/systemd/system/corral-generator.service.d/test-run.conf": """
                [Service]
                ExecStart=
                ExecStart=/usr/local/lib/corral/generator.sh --label \(Scratch.runLabel)=\(run)
                """,
                "/etc/corral/corral.toml": """
                generator = "none"
                proc_root = "/host/proc"
                spool_path = "\(state)/spool"
                metrics_port = \(metricsPort)

                [collector]
                name = "\(collector)"
                port = \(port)
                store_path = "\(state)/logs"

                [selector]
                "\(Scratch.runLabel)" = "\(run)"

                [control]
                admin_listen = "127.0.0.1:\(adminPort)"
                subscribe_listen = "127.0.0.1:\(subscribePort)"

                [agent]
                control_url = "http://127.0.0.1:\(subscribePort)"
                token_file = "/var/lib/corral/control/agent.token"
                node_id = "\(node)"
                """,
            ]
            for (path, text) in files {
                try FileManager.default.createDirectory(
                    atPath: stage + (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try Data((text + "\n").utf8).write(to: URL(fileURLWithPath: stage + path))
            }
            try Data("FROM \(baseImage)\nCOPY stage/ /\n".utf8).write(to: URL(fileURLWithPath: work + "/Dockerfile"))
            let image = "corral/systemd-test:\(run)"
            let built = try runCommand("/usr/bin/docker", ["build", "-q", "-t", image, work])
            try #require(built.status == 0, "\(built.stderr)")
            defer { _ = try? runCommand("/usr/bin/docker", ["rmi", "-f", image]) }

            // Boot it: systemd as PID 1.
            let name = "corral-systemd-\(run)"
            let started = try runCommand(
                "/usr/bin/docker",
                [
                    "run", "-d", "--name", name, "--label", "\(Scratch.runLabel)=\(run)",
                    "--cap-add", "SYS_ADMIN", "--cap-add", "NET_ADMIN", "--cap-add", "SYS_PTRACE", "--security-opt", "seccomp=unconfined",
                    "--cgroupns=host", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "--tmpfs", "/run", "--tmpfs", "/run/lock",
                    "--network", "host", "-v", "/var/run/docker.sock:/run/docker.sock", "-v", "/proc:/host/proc:ro",
                    "-v", "\(state):\(state)", image,
                ])
            try #require(started.status == 0, "\(started.stderr)")
            await scratch.adopt(name)
            _ = try await poll("systemd to finish booting", seconds: 90, every: 0.5) { () -> String? in
                let state = try exec(name, ["systemctl", "is-system-running"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                return ["running", "degraded"].contains(state) ? state : nil
            }

            // The unit files are valid.
            let verify = try exec(
                name,
                [
                    "systemd-analyze", "verify", "/etc/systemd/system/corral-enforcer.service",
                    "/etc/systemd/system/corral-generator.service",
                    "/etc/systemd/system/corral-generator.timer", "/etc/systemd/system/corral-control.service",
                    "/etc/systemd/system/corral-control-replica.service", "/etc/systemd/system/corral-agent.service",
                    "/etc/systemd/system/corral-boxes.service",
                ])
            #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")

            // The operator enables the timer and the service.
            let enabled = try exec(name, ["systemctl", "enable", "--now", "corral-generator.timer", "corral-enforcer.service"])
            try #require(enabled.status == 0, "\(enabled.stderr)")
            let active = try exec(name, ["systemctl", "is-active", "corral-enforcer.service"])
            #expect(active.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "active", "Type=notify: READY=1 arrived")

            // Two firings of the timer, ten containers each, about 30 s apart:
            // the generator's lines, grouped by the service's invocation, each
            // run complete once it has said how many it started.
            let firings = try await poll("two complete firings of the generator timer", seconds: 120, every: 1) { () -> [[Double]]? in
                let lines = jsonObjects(
                    try exec(name, ["journalctl", "-u", "corral-generator.service", "-o", "json", "--no-pager"]).stdout)
                var started: [String: [Double]] = [:]
                var finished = Set<String>()
                for line in lines {
                    let invocation = line["_SYSTEMD_INVOCATION_ID"] as? String ?? ""
                    let message = line["MESSAGE"] as? String ?? ""
                    if message.hasPrefix("started corral-") {
                        started[invocation, default: []].append((Double(line["__REALTIME_TIMESTAMP"] as? String ?? "") ?? 0) / 1e6)
                    } else if message.hasPrefix("generator: started") {
                        finished.insert(invocation)
                    }
                }
                let runs = started.filter { finished.contains($0.key) }.values.sorted { ($0.min() ?? 0) < ($1.min() ?? 0) }
                return runs.count >= 2 ? runs : nil
            }
            for batch in firings.prefix(2) { #expect(batch.count == 10, "each firing adds 10 containers: \(firings.map(\.count))") }
            let gap = (firings[1].min() ?? 0) - (firings[0].min() ?? 0)
            #expect(gap > 25 && gap < 40, "the timer fires about every 30 s (gap \(gap) s)")

            // After the cycles, exactly the policy's mix remains.
            _ = try await poll("2 high and 3 low after a cycle", seconds: 30) { () -> Bool? in
                try await mix(scratch) == (2, 3) ? true : nil
            }
            let cycles = jsonObjects(try exec(name, ["corral", "journal", "cycles", "--json"]).stdout)
            #expect(cycles.count >= 3)
            // What each cycle leaves: the ones it kept and the ones it started
            // for a class that was short (a firing may land mid-cycle).
            for cycle in cycles {
                let left = (cycle["kept"] as? Int ?? 0) + (cycle["started"] as? Int ?? 0)
                #expect(left == 5, "every cycle leaves 2 high and 3 low: \(cycle)")
            }

            // The operator's review: journalctl and corral journal agree.
            let kills = jsonObjects(
                try exec(name, ["journalctl", "-u", "corral-enforcer", "CORRAL_EVENT=kill", "-o", "json", "--no-pager"]).stdout)
            #expect(kills.count >= 15, "the first firing's 5 surplus and the second's 10")
            for kill in kills {
                for field in [
                    "CONTAINER_NAME", "CONTAINER_ID", "CORRAL_CLASS", "CORRAL_REASON", "CORRAL_RANK", "CORRAL_CPU_PERCENT", "CORRAL_RSS_KB",
                ] {
                    #expect(kill[field] != nil, "\(field) missing from a kill entry")
                }
                // The unit's sandbox leaves the cgroup tree writable: the kill went through it, not the daemon.
                if kill["CORRAL_FATE"] as? String == "killed" {
                    #expect(kill["CORRAL_KILL_VIA"] as? String == "cgroup.kill", "\(kill["CORRAL_CGROUP_ERROR"] ?? "")")
                }
            }
            let reviewed = jsonObjects(try exec(name, ["corral", "journal", "kills", "--json"]).stdout)
            #expect(reviewed.count == kills.count)
            if let first = reviewed.first, let killed = first["name"] as? String {
                let history = try exec(name, ["corral", "journal", "container", killed])
                #expect(history.status == 0 && history.stdout.contains("kill"), "\(history.stdout)\(history.stderr)")
            }
            let status = try exec(name, ["systemctl", "show", "-p", "StatusText", "corral-enforcer.service"])
            #expect(status.stdout.contains("cycle"), "the unit's status line: \(status.stdout)")

            // The collector's store grows on the host, cycle after cycle.
            let before = try storedRecords(state + "/logs", "memory").count
            _ = try await poll("the store to grow", seconds: 40) { () -> Bool? in
                try storedRecords(state + "/logs", "memory").count > before ? true : nil
            }

            // Restarts: systemd ties the timer to the enforcer (BindsTo=,
            // WantedBy=), so neither a restart of docker nor one of the
            // enforcer leaves the generator off.
            func isActive(_ unit: String) throws -> Bool {
                try exec(name, ["systemctl", "is-active", unit]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "active"
            }
            func mainPID() throws -> String {
                try exec(name, ["systemctl", "show", "-p", "MainPID", "--value", "corral-enforcer.service"]).stdout.trimmingCharacters(
                    in: .whitespacesAndNewlines)
            }
            let pidBefore = try mainPID()
            let dockerRestart = try exec(name, ["systemctl", "restart", "docker.service"])
            #expect(dockerRestart.status == 0, "\(dockerRestart.stderr)")
            _ = try await poll("the enforcer and the timer active after a restart of docker", seconds: 60) { () -> Bool? in
                try isActive("corral-enforcer.service") && isActive("corral-generator.timer") ? true : nil
            }
            #expect(try mainPID() == pidBefore, "a restart of docker does not restart the enforcer: it rides out outages")
            let enforcerRestart = try exec(name, ["systemctl", "restart", "corral-enforcer.service"])
            #expect(enforcerRestart.status == 0, "\(enforcerRestart.stderr)")
            _ = try await poll("the enforcer and the timer active after a restart of the enforcer", seconds: 150) { () -> Bool? in
                try isActive("corral-enforcer.service") && isActive("corral-generator.timer") ? true : nil
            }
            #expect(try mainPID() != pidBefore)
            _ = try await poll("2 high and 3 low after the restart", seconds: 90) { () -> Bool? in
                try await mix(scratch) == (2, 3) ? true : nil
            }

            // `make soak`: the same system for longer, watching for growth and loss.
            if let seconds = ProcessInfo.processInfo.environment["CORRAL_SOAK_SECONDS"].flatMap(Double.init), seconds > 0 {
                try await soak(name, scratch: scratch, seconds: seconds)
            }

            // Stopping the service: the graceful path, the graphs, the timer off.
            let stopped = try exec(name, ["systemctl", "stop", "corral-enforcer.service"])
            #expect(stopped.status == 0, "\(stopped.stderr)")
            for file in ["report.html", "memory-used.png", "kills-per-cycle.png", "cpu-vs-rss.png"] {
                #expect(FileManager.default.fileExists(atPath: "\(state)/logs/graphs/\(file)"), "\(file) on the host")
            }
            let timer = try exec(name, ["systemctl", "is-active", "corral-generator.timer"])
            #expect(
                timer.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "inactive",
                "systemd stopped the timer with the enforcer (BindsTo=)")
            let said = try exec(name, ["journalctl", "-u", "corral-enforcer", "-o", "cat", "--no-pager"]).stdout
            #expect(said.contains("report: \(state)/logs/graphs/report.html"), "where the report is, in the unit's log")

            // Every record the enforcer spooled reached the store, once.
            for stream in ["memory", "process"] {
                let spooled = try jsonLines("\(state)/spool/\(stream).jsonl").compactMap { $0["id"] as? String }
                let stored = try storedRecords("\(state)/logs", stream).compactMap { $0["id"] as? String }
                #expect(!stored.isEmpty && stored == spooled, "\(stream): \(stored.count) stored, \(spooled.count) spooled")
            }

            // The container service under its units, hardening and all: the
            // control plane, then an agent with the token it wrote, then a
            // container through `corral ctl`, as the README's walkthrough.
            defer {
                if let left = try? runCommand("/usr/bin/docker", ["ps", "-aq", "--filter", "label=corral.node=\(node)"]) {
                    for id in left.lines { _ = try? runCommand("/usr/bin/docker", ["rm", "-f", id]) }
                }
            }
            let control = try exec(name, ["systemctl", "enable", "--now", "corral-control.service"])
            try #require(control.status == 0, "\(control.stderr)")
            _ = try await poll("corral-control listening", seconds: 60, every: 0.5) { () -> Bool? in
                try exec(name, ["test", "-e", "/var/lib/corral/control/admin.url"]).status == 0 ? true : nil
            }
            #expect(try exec(name, ["stat", "-c", "%a", "/var/lib/corral/control/admin.token"]).stdout == "600\n")
            let agent = try exec(name, ["systemctl", "enable", "--now", "corral-agent.service"])
            try #require(agent.status == 0, "\(agent.stderr)")
            let ctl = ["corral", "ctl", "--url", "http://127.0.0.1:\(adminPort)", "--token-file", "/var/lib/corral/control/admin.token"]
            _ = try await poll("the agent's node ready", seconds: 60, every: 0.5) { () -> Bool? in
                try exec(name, ctl + ["nodes", "ls"]).stdout.contains("\(node)  ready") ? true : nil
            }
            let created = try exec(name, ctl + ["containers", "create", "corral/low-idle", "--name", "deployed-\(run)", "--wait"])
            let agentLog = try exec(name, ["journalctl", "-u", "corral-agent", "--no-pager"]).stdout
            #expect(created.status == 0, "\(created.stdout)\(created.stderr)\(agentLog)")
            let running = try runCommand("/usr/bin/docker", ["ps", "-q", "--filter", "label=corral.node=\(node)"])
            #expect(running.lines.count == 1, "the container runs on the host's engine")
            let deleted = try exec(name, ctl + ["containers", "rm", "deployed-\(run)", "--wait"])
            #expect(deleted.status == 0, "\(deleted.stdout)\(deleted.stderr)")

            // The replica's unit on the tests' PostgreSQL (on the host's
            // loopback: the container shares its network), the database URL
            // in a root-only credentials file: it takes corral-control's
            // place, keeps its tokens, and what it stores is in the database.
            let database = try PostgresDatabase.make()
            defer { PostgresDatabase.drop(database) }
            // trust authentication ignores the password: here it only proves
            // the password is kept out of the journal.
            let withPassword = database.replacingOccurrences(of: "postgresql://corral@", with: "postgresql://corral:hunter2@")
            #expect(
                try exec(name, ["sh", "-c", "umask 077 && printf '%s\\n' \"$1\" > /etc/corral/database-url", "sh", withPassword]).status
                    == 0)
            let replica = try exec(name, ["systemctl", "start", "corral-control-replica.service"])
            let replicaLog = { (try? exec(name, ["journalctl", "-u", "corral-control-replica", "-o", "cat", "--no-pager"]).stdout) ?? "" }
            try #require(replica.status == 0, "\(replica.stderr)\(replicaLog())")
            #expect(try exec(name, ["systemctl", "is-active", "corral-control.service"]).stdout == "inactive\n", "the replica replaced it")
            do {
                _ = try await poll("the replica's node ready", seconds: 60, every: 0.5) { () -> Bool? in
                    try exec(name, ctl + ["nodes", "ls"]).stdout.contains("\(node)  ready") ? true : nil
                }
            } catch {
                let status =
                    (try? exec(name, ["systemctl", "status", "--no-pager", "corral-control-replica", "corral-agent"]).stdout) ?? ""
                let agentLog = (try? exec(name, ["journalctl", "-u", "corral-agent", "-o", "cat", "--no-pager", "-n", "30"]).stdout) ?? ""
                Issue.record("\(error)\n\(status)\n\(replicaLog())\n\(agentLog)")
                throw error
            }
            let throughReplica = try exec(name, ctl + ["containers", "create", "corral/low-idle", "--name", "replica-\(run)", "--wait"])
            #expect(throughReplica.status == 0, "\(throughReplica.stdout)\(throughReplica.stderr)\(replicaLog())")
            #expect(try PostgresDatabase.value(database, "SELECT name FROM containers") == "replica-\(run)", "stored in PostgreSQL")
            #expect(try exec(name, ctl + ["containers", "rm", "replica-\(run)", "--wait"]).status == 0)
            #expect(!replicaLog().contains("hunter2"), "no password in the journal")

            let stoppedService = try exec(
                name, ["systemctl", "stop", "corral-agent.service", "corral-control.service", "corral-control-replica.service"])
            #expect(stoppedService.status == 0, "\(stoppedService.stderr)")
            let serviceLog = try exec(
                name,
                ["journalctl", "-u", "corral-control", "-u", "corral-control-replica", "-u", "corral-agent", "-o", "cat", "--no-pager"]
            ).stdout
            #expect(!serviceLog.contains("Operation not permitted"), "the hardening denied something: \(serviceLog)")

            // Uninstall with the uninstaller install left behind (the images stay:
            // other tests use them): the units and the binary go, the logs stay.
            let removed = try exec(name, ["env", "KEEP_IMAGES=1", "/usr/local/lib/corral/uninstall.sh"])
            #expect(removed.status == 0, "\(removed.stdout)\(removed.stderr)")
            #expect(removed.stdout.contains("kept /var/lib/corral"), "\(removed.stdout)")
            let units = try exec(name, ["systemctl", "list-unit-files", "corral-*", "--no-legend"])
            #expect(units.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "units left: \(units.stdout)")
            #expect(try exec(name, ["test", "-e", "/usr/local/bin/corral"]).status != 0, "the binary is gone")
            #expect(FileManager.default.fileExists(atPath: "\(state)/logs/graphs/report.html"), "the graphs stay")
            // The systemd host goes before the labelled containers are listed
            // for removal, so no last firing of its timer adds more.
            _ = try? runCommand("/usr/bin/docker", ["rm", "-f", name])
        }
    }

    /// The enforcer's resident memory, KiB, from inside the systemd host.
    func enforcerRSS(_ container: String) throws -> Int {
        let pid = try exec(container, ["systemctl", "show", "-p", "MainPID", "--value", "corral-enforcer.service"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let status = try exec(container, ["cat", "/proc/\(pid)/status"]).stdout
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    /// Runs the deployed system for `seconds` (the timer at 30 s, the enforcer
    /// at 10 s), sampling the enforcer's RSS each minute; checks it does not
    /// grow beyond a few MiB after warm-up and that the mix holds. Prints the
    /// figures for the notes.
    func soak(_ container: String, scratch: Scratch, seconds: Double) async throws {
        let clock = ContinuousClock()
        let end = clock.now + .seconds(seconds)
        try await Task.sleep(for: .seconds(60))  // warm-up: the first firings and cycles
        let first = try enforcerRSS(container)
        var samples = [first]
        var mixes: [String] = []
        while clock.now < end {
            try await Task.sleep(for: .seconds(min(60, max(1, (end - clock.now) / .seconds(1)))))
            samples.append(try enforcerRSS(container))
            let held = try await poll("the mix after a cycle", seconds: 30) { () -> (Int, Int)? in
                let now = try await mix(scratch)
                return now == (2, 3) ? now : nil
            }
            mixes.append("\(held.0)+\(held.1)")
        }
        let last = samples.last ?? first
        print(
            "soak: \(Int(seconds)) s; enforcer RSS \(samples.map { String(format: "%.1f", Double($0) / 1024) }.joined(separator: " ")) MiB; growth after warm-up \(String(format: "%.1f", Double(last - first) / 1024)) MiB; mix after each minute \(mixes.joined(separator: " "))"
        )
        #expect(last - first < 4 * 1024, "the enforcer's RSS grew from \(first) KiB to \(last) KiB")
    }
}
