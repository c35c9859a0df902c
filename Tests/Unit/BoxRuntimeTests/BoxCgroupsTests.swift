import BoxRuntime
import Foundation
import Testing

/// The cgroup files a box's limits are written to, on a directory tree laid
/// out as each hierarchy is (the real v1 kernel is proven by BoxTests; v2
/// hosts are most hosts today, and this machine has none).
@Suite("Box cgroups on v1 and v2 layouts")
struct BoxCgroupsTests {
    let id = String(repeating: "ab", count: 32)

    func tree(_ files: [String]) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("corral-cgroup-\(UUID().uuidString)").path
        for file in files {
            let url = URL(fileURLWithPath: root + "/" + file)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: url.path, contents: Data())
        }
        return root
    }

    func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "<missing>" }

    @Test("on v2: controllers delegated down to the box, limits in memory.max, memory.swap.max, cpu.max, pids.max")
    func unified() throws {
        let box = "corral-boxes/\(id)"
        let root = try tree([
            "cgroup.controllers", "cgroup.subtree_control", "corral-boxes/cgroup.controllers", "corral-boxes/cgroup.subtree_control",
            "\(box)/memory.max", "\(box)/memory.swap.max", "\(box)/cpu.max", "\(box)/pids.max", "\(box)/cgroup.procs",
        ])
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Data("cpuset cpu io memory pids".utf8).write(to: URL(fileURLWithPath: root + "/cgroup.controllers"))
        try Data("memory cpu pids".utf8).write(to: URL(fileURLWithPath: root + "/corral-boxes/cgroup.controllers"))
        let cgroups = BoxCgroups(root: root)
        #expect(cgroups.version == .v2)
        try cgroups.create(id, limits: BoxLimits(memory: 64 << 20, cpus: 0.5, pids: 100))
        // Each write replaces the file here; the kernel would accumulate: the last is pids.
        #expect(read(root + "/cgroup.subtree_control") == "+pids")
        #expect(read(root + "/\(box)/memory.max") == "67108864")
        #expect(read(root + "/\(box)/memory.swap.max") == "0")
        #expect(read(root + "/\(box)/cpu.max") == "50000 100000")
        #expect(read(root + "/\(box)/pids.max") == "100")
        #expect(cgroups.directories(of: id) == [root + "/" + box])
    }

    @Test("on v2, no limit is max")
    func unlimited() throws {
        let box = "corral-boxes/\(id)"
        let root = try tree(["cgroup.controllers", "\(box)/memory.max", "\(box)/cpu.max", "\(box)/pids.max"])
        defer { try? FileManager.default.removeItem(atPath: root) }
        try BoxCgroups(root: root).create(id, limits: BoxLimits())
        #expect(read(root + "/\(box)/memory.max") == "max")
        #expect(read(root + "/\(box)/cpu.max") == "max 100000")
        #expect(read(root + "/\(box)/pids.max") == "max")
    }

    @Test("on v1: one directory a hierarchy, cpu and cpuacct shared, memsw as memory (no swap beyond it)")
    func legacy() throws {
        let box = "corral-boxes/\(id)"
        let root = try tree([
            "memory/\(box)/memory.limit_in_bytes", "memory/\(box)/memory.memsw.limit_in_bytes", "cpu,cpuacct/\(box)/cpu.cfs_period_us",
            "cpu,cpuacct/\(box)/cpu.cfs_quota_us", "pids/\(box)/pids.max",
        ])
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createSymbolicLink(atPath: root + "/cpu", withDestinationPath: "cpu,cpuacct")
        try FileManager.default.createSymbolicLink(atPath: root + "/cpuacct", withDestinationPath: "cpu,cpuacct")
        let cgroups = BoxCgroups(root: root)
        #expect(cgroups.version == .v1)
        try cgroups.create(id, limits: BoxLimits(memory: 32 << 20, cpus: 1.5, pids: 10))
        #expect(read(root + "/memory/\(box)/memory.limit_in_bytes") == "33554432")
        #expect(read(root + "/memory/\(box)/memory.memsw.limit_in_bytes") == "33554432")
        #expect(read(root + "/cpu,cpuacct/\(box)/cpu.cfs_quota_us") == "150000")
        #expect(read(root + "/cpu,cpuacct/\(box)/cpu.cfs_period_us") == "100000")
        #expect(read(root + "/pids/\(box)/pids.max") == "10")
        #expect(cgroups.directories(of: id).count == 3)
    }

    @Test("a limit on a controller the host lacks is an error naming it")
    func missingController() throws {
        let root = try tree(["memory/corral-boxes/\(id)/memory.limit_in_bytes"])
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(throws: BoxError.cgroup(path: root + "/pids", reason: "this host has no pids controller; cannot limit processes")) {
            try BoxCgroups(root: root).create(id, limits: BoxLimits(pids: 5))
        }
    }

    @Test("the OOM killer's count, from memory.events (v2) or memory.oom_control (v1)")
    func oomKills() throws {
        let box = "corral-boxes/\(id)"
        let v2 = try tree(["cgroup.controllers", "\(box)/memory.events"])
        defer { try? FileManager.default.removeItem(atPath: v2) }
        try Data("low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n".utf8).write(to: URL(fileURLWithPath: v2 + "/\(box)/memory.events"))
        #expect(BoxCgroups(root: v2).oomKills(of: id) == 1)
        let v1 = try tree(["memory/\(box)/memory.oom_control"])
        defer { try? FileManager.default.removeItem(atPath: v1) }
        try Data("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n".utf8).write(
            to: URL(fileURLWithPath: v1 + "/memory/\(box)/memory.oom_control"))
        #expect(BoxCgroups(root: v1).oomKills(of: id) == 2)
    }
}
