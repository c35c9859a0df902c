import Actuation
import CgroupActuation
import CorralCore
import CorralTestSupport
import DockerEngine
import DockerRuntime
import Foundation
import Testing

/// Killing through the cgroup, against the real daemon's containers: this
/// host has cgroup v1 hierarchies and Docker's containers also in the v2
/// hierarchy at /sys/fs/cgroup/unified, so both ways run on the same host.
@Suite("Kill through the cgroup, on dockerd's containers")
struct CgroupKillOnDockerTests {
    static let managed = [CorralLabel.managed: "true"]

    /// A container with three processes in its cgroup: its own and two
    /// `docker exec`ed beside it.
    func crowded(_ scratch: Scratch, labels: [String: String] = managed) async throws -> (id: String, pid: Int32) {
        let id = try await scratch.container(image: "corral/low-idle", labels: labels)
        for _ in 0..<2 {
            let exec = try runCommand("/usr/bin/docker", ["exec", "-d", id, "/low-idle"])
            try #require(exec.status == 0, "\(exec.stderr)")
        }
        let pid = try await scratch.docker.inspectContainer(id).state.pid
        _ = try await poll("three processes in \(id.prefix(12))'s cgroup") { Self.procs(id, hierarchy: "pids").count == 3 ? true : nil }
        return (id, pid)
    }

    static func procs(_ id: String, hierarchy: String) -> [Int32] {
        let text = (try? String(contentsOfFile: "/sys/fs/cgroup/\(hierarchy)/docker/\(id)/cgroup.procs", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { Int32($0) }
    }

    func expectDies(_ scratch: Scratch, _ id: String) async throws {
        _ = try await poll("dockerd sees \(id.prefix(12)) exit") {
            (try? await scratch.docker.inspectContainer(id).state.running) == false ? true : nil
        }
    }

    @Test("cgroup.kill (v2): every process is gone when the kill returns, Docker sees the container die, its neighbour runs on")
    func cgroupKill() async throws {
        try await withScratch { scratch in
            let (id, pid) = try await crowded(scratch)
            let neighbour = try await scratch.container(image: "corral/low-idle", labels: Self.managed)
            let kill = try await CgroupfsKiller().empty(id, mainPID: pid)
            #expect(kill.via == .cgroupKill)
            #expect(kill.cgroup == "/sys/fs/cgroup/unified/docker/\(id)")
            #expect(kill.signalled == 3)
            #expect(Self.procs(id, hierarchy: "unified").isEmpty && Self.procs(id, hierarchy: "memory").isEmpty)
            try await expectDies(scratch, id)
            #expect(try await scratch.docker.inspectContainer(neighbour).state.running)
        }
    }

    @Test("cgroup.procs with pidfds (v1's way): every process is gone when the kill returns, Docker sees the container die")
    func cgroupProcs() async throws {
        try await withScratch { scratch in
            let (id, pid) = try await crowded(scratch)
            let neighbour = try await scratch.container(image: "corral/low-idle", labels: Self.managed)
            let kill = try await CgroupfsKiller(mechanism: .procs).empty(id, mainPID: pid)
            #expect(kill.via == .cgroupProcs)
            #expect(kill.cgroup == "/sys/fs/cgroup/pids/docker/\(id)")
            // The container's init dying takes the rest of its PID namespace
            // with it, so the walk may find some already gone: at least the
            // first, at most all three, were signalled by it.
            #expect((1...3).contains(kill.signalled), "\(kill.signalled)")
            #expect(Self.procs(id, hierarchy: "pids").isEmpty && Self.procs(id, hierarchy: "memory").isEmpty)
            try await expectDies(scratch, id)
            #expect(try await scratch.docker.inspectContainer(neighbour).state.running)
        }
    }

    @Test("a main pid that is not in the container's own cgroup is refused and nothing is signalled")
    func wrongPid() async throws {
        try await withScratch { scratch in
            let target = try await scratch.container(image: "corral/low-idle", labels: Self.managed)
            let other = try await scratch.container(image: "corral/low-idle")
            let otherPid = try await scratch.docker.inspectContainer(other).state.pid
            for mechanism in CgroupfsKiller.Mechanism.allCases {
                // Another container's pid, and this test's own (a host process).
                for pid in [otherPid, getpid()] {
                    await #expect(throws: CgroupfsKiller.Failure.self) {
                        _ = try await CgroupfsKiller(mechanism: mechanism).empty(target, mainPID: pid)
                    }
                }
            }
            #expect(try await scratch.docker.inspectContainer(target).state.running)
            #expect(try await scratch.docker.inspectContainer(other).state.running)
        }
    }

    @Test(
        "through another pid namespace's /proc (the host's, mounted into a container) the cgroup.procs walk is refused and nothing is signalled; cgroup.kill needs no pids and empties it"
    )
    func otherPidNamespace() async throws {
        try await withScratch { scratch in
            let (id, pid) = try await crowded(scratch)
            // A /proc whose `self` is not this process, as a host's /proc
            // is to a process in a container; the container's main pid is
            // readable through it, so the cgroup resolves.
            let proc = NSTemporaryDirectory() + "corral-otherns-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: proc, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: proc) }
            try FileManager.default.createSymbolicLink(atPath: "\(proc)/\(pid)", withDestinationPath: "/proc/\(pid)")
            try FileManager.default.createSymbolicLink(atPath: "\(proc)/self", withDestinationPath: "\(getpid() + 1)")
            let refused = await #expect(throws: CgroupfsKiller.Failure.self) {
                _ = try await CgroupfsKiller(procRoot: proc, mechanism: .procs).empty(id, mainPID: pid)
            }
            #expect(refused == .otherPidNamespace(procRoot: proc))
            #expect(Self.procs(id, hierarchy: "pids").count == 3)
            #expect(try await scratch.docker.inspectContainer(id).state.running)
            let kill = try await CgroupfsKiller(procRoot: proc).empty(id, mainPID: pid)
            #expect(kill.via == .cgroupKill)
            #expect(Self.procs(id, hierarchy: "unified").isEmpty)
            try await expectDies(scratch, id)
        }
    }

    @Test(
        "the kill pool empties the cgroup, then removes the container; a plan naming a container since unlabelled is refused by the runtime's labels"
    )
    func pool() async throws {
        try await withScratch { scratch in
            let (id, _) = try await crowded(scratch)
            // Managed when planned, not managed now: the labels the runtime
            // reports at kill time are the last gate.
            let unmanaged = try await scratch.container(image: "corral/low-idle")
            let pool = KillPool(
                runtime: scratch.runtime, width: 4, mode: .kill, graceSeconds: 1, deadline: .seconds(20), cgroups: CgroupfsKiller())
            let results = await pool.killAll([id, unmanaged].map { decision($0) })
            #expect(results.outcomes[id] == .removed)
            guard case .emptied(let kill)? = results.direct[id] else {
                Issue.record("no direct kill: \(String(describing: results.direct[id]))")
                return
            }
            #expect(kill.via == .cgroupKill && kill.signalled == 3)
            #expect(results.outcomes[unmanaged] == .refused)
            #expect(results.direct[unmanaged] == nil)
            #expect(try await scratch.docker.inspectContainer(unmanaged).state.running)
            #expect(try await scratch.listed(all: true).map(\.id) == [unmanaged])
        }
    }

    func decision(_ id: String) -> Decision {
        Decision(
            container: ContainerMetadata(id: id, name: "x", image: "corral/low-idle", labels: Self.managed, createdAt: 0),
            containerClass: .low, classSource: .label, action: .kill, rank: 1, of: 1, cpuPercent: 0, memPercent: 0, vszKb: 0, rssKb: 0,
            reason: "test")
    }
}
