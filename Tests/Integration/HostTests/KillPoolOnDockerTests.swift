import Actuation
import CorralCore
import CorralTestSupport
import DockerEngine
import DockerRuntime
import Reports
import Settings
import Testing

@testable import Enforcer

/// The kill pool against the real daemon: the last gate before harm.
@Suite("The kill pool against dockerd")
struct KillPoolOnDockerTests {
    func decision(for id: String, labels: [String: String], action: Action = .kill) -> Decision {
        Decision(
            container: ContainerMetadata(id: id, name: "x", image: "corral/low-idle", labels: labels, createdAt: 0), containerClass: .low,
            classSource: .label, action: action, rank: 1, of: 1, cpuPercent: 0, memPercent: 0, vszKb: 0, rssKb: 0, reason: "test")
    }

    func pool(_ docker: DockerClient) -> KillPool {
        KillPool(runtime: DockerRuntime(client: docker), width: 4, mode: .kill, graceSeconds: 1, deadline: .seconds(20))
    }

    @Test("refuses an unmanaged, protected or collector container even when a plan names it, and leaves it running")
    func refuses() async throws {
        try await withScratch { scratch in
            let unmanaged = try await scratch.container()
            let protected = try await scratch.container(labels: [CorralLabel.managed: "true", CorralLabel.protected: "true"])
            let collector = try await scratch.container(labels: [CorralLabel.managed: "true", CorralLabel.role: "collector"])
            let forged = [
                decision(for: unmanaged, labels: [:]),
                decision(for: protected, labels: [CorralLabel.managed: "true", CorralLabel.protected: "true"]),
                decision(for: collector, labels: [CorralLabel.managed: "true", CorralLabel.role: "collector"]),
            ]
            let outcomes = await pool(scratch.docker).kill(forged)
            #expect(outcomes.values.allSatisfy { $0 == .refused })
            for id in [unmanaged, protected, collector] {
                #expect(try await scratch.docker.inspectContainer(id).state.running)
            }
        }
    }

    @Test("a removal already under way in the daemon (an attempt that timed out) counts as done, never as a failed kill")
    func removalInProgress() async throws {
        let words = DockerError.conflict(message: "removal of container 3cf40e7d02 is already in progress")
        #expect(words.isRemovalInProgress)
        #expect(!DockerError.conflict(message: "the container name is already in use").isRemovalInProgress)
        try await withScratch { scratch in
            var ids: [String] = []
            for _ in 0..<6 { ids.append(try await scratch.container(labels: [CorralLabel.managed: "true"])) }
            // Another DELETE of each, racing the pool's.
            let killer = pool(scratch.docker)
            let targets = ids.map { decision(for: $0, labels: [CorralLabel.managed: "true"]) }
            let docker = scratch.docker
            let outcomes = await withTaskGroup(of: [String: KillPool.Outcome].self) { group in
                for id in ids {
                    group.addTask {
                        try? await docker.removeContainer(id, force: true)
                        return [:]
                    }
                }
                group.addTask { await killer.kill(targets) }
                var all: [String: KillPool.Outcome] = [:]
                for await part in group { all.merge(part) { a, _ in a } }
                return all
            }
            for id in ids {
                #expect(
                    outcomes[id] == .removed || outcomes[id] == .alreadyGone,
                    "\(String(id.prefix(12))): \(String(describing: outcomes[id]))")
            }
            #expect(try await scratch.listed(all: true).isEmpty)
        }
    }

    @Test("a container that died between snapshot and kill counts as done")
    func vanished() async throws {
        try await withScratch { scratch in
            let id = try await scratch.container(labels: [CorralLabel.managed: "true"])
            try await scratch.docker.removeContainer(id, force: true)
            let outcomes = await pool(scratch.docker).kill([decision(for: id, labels: [CorralLabel.managed: "true"])])
            #expect(outcomes[id] == .alreadyGone)
        }
    }

    @Test("kills and removes the managed surplus; term mode goes through SIGTERM")
    func kills() async throws {
        try await withScratch { scratch in
            let a = try await scratch.container(labels: [CorralLabel.managed: "true"])
            let b = try await scratch.container(image: "corral/low-tick", labels: [CorralLabel.managed: "true"])
            let managed = [CorralLabel.managed: "true"]
            #expect(await pool(scratch.docker).kill([decision(for: a, labels: managed)])[a] == .removed)
            let term = KillPool(
                runtime: DockerRuntime(client: scratch.docker), width: 1, mode: .term, graceSeconds: 30, deadline: .seconds(20))
            #expect(await term.kill([decision(for: b, labels: managed)])[b] == .removed)
            for id in [a, b] {
                await #expect(throws: DockerError.self) { try await scratch.docker.inspectContainer(id) }
            }
        }
    }

    @Test("term mode removes a PID 1 that ignores SIGTERM: SIGTERM, the grace, SIGKILL, removal")
    func termEscalates() async throws {
        try await withScratch { scratch in
            let managed = [CorralLabel.managed: "true"]
            let stubborn = try await scratch.container(image: "corral/low-idle", labels: managed, env: ["STRESS_IGNORE_TERM": "1"])
            try await waitForSignalReadiness(scratch.docker, stubborn, ignored: true)
            // That an attempt's deadline covers the grace is shown in memory
            // (KillPoolTests); here the deadline is far away, so how busy
            // the shared daemon is changes nothing.
            let term = KillPool(
                runtime: DockerRuntime(client: scratch.docker), width: 1, mode: .term, graceSeconds: 2, deadline: .seconds(30))
            let outcome = await term.kill([decision(for: stubborn, labels: managed)])[stubborn]
            #expect(outcome == .removed, "\(String(describing: outcome))")
            await #expect(throws: DockerError.self) { try await scratch.docker.inspectContainer(stubborn) }
        }
    }
}
