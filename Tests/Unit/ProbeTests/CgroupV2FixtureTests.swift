import CorralCore
import Foundation
import Testing

@testable import Probe

/// cgroup v2 is read from its files directly; this machine runs v1, so the
/// v2 reader is checked against a unified tree laid out by the test with the
/// kernel's own file formats.
@Suite("cgroup v2 statistics")
struct CgroupV2FixtureTests {
    func tree(_ files: [String: String]) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cg2-\(UUID().uuidString)").path
        try Data("cpu io memory pids\n".utf8).write(to: URL(fileURLWithPath: "\(root)/cgroup.controllers").creatingDirectory())
        for (path, text) in files {
            try Data(text.utf8).write(to: URL(fileURLWithPath: "\(root)/\(path)").creatingDirectory())
        }
        return root
    }

    static let id = String(repeating: "e", count: 64)
    static let scope = "/system.slice/docker-\(id).scope"

    @Test("a unified tree is read as v2: usage, limit, CPU, throttling and tasks")
    func reads() throws {
        let root = try tree([
            "\(Self.scope)/memory.current": "268435456\n",
            "\(Self.scope)/memory.max": "536870912\n",
            "\(Self.scope)/cpu.stat":
                "usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\nnr_periods 40\nnr_throttled 7\nthrottled_usec 250000\n",
            "\(Self.scope)/pids.current": "3\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let stats = CgroupStats(root: root)
        #expect(stats.layout == .v2)
        let figures = try stats.figures(cgroup: Self.scope)
        #expect(
            figures
                == CgroupUsage(
                    memoryUsageBytes: 268_435_456, memoryLimitBytes: 536_870_912, cpuUsageNs: 1_500_000_000, throttledPeriods: 7,
                    throttledNs: 250_000_000, pids: 3))
    }

    @Test("memory.max of max is no limit; a missing pids controller is 0 tasks")
    func unlimited() throws {
        let root = try tree([
            "\(Self.scope)/memory.current": "4096\n", "\(Self.scope)/memory.max": "max\n", "\(Self.scope)/cpu.stat": "usage_usec 10\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let figures = try CgroupStats(root: root).figures(cgroup: Self.scope)
        #expect(figures.memoryLimitBytes == nil)
        #expect(figures.pids == 0)
        #expect(figures.throttledPeriods == 0)
    }

    @Test("a cgroup that is gone is notFound; a garbled file names itself")
    func errors() throws {
        let root = try tree(["\(Self.scope)/memory.current": "lots\n", "\(Self.scope)/memory.max": "max\n", "\(Self.scope)/cpu.stat": ""])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let stats = CgroupStats(root: root)
        #expect(throws: CgroupError.notFound(cgroup: "/docker/gone")) { try stats.figures(cgroup: "/docker/gone") }
        #expect(throws: CgroupError.unreadable(cgroup: Self.scope, file: "memory.current", reason: "not a number: lots")) {
            try stats.figures(cgroup: Self.scope)
        }
    }
}

extension URL {
    fileprivate func creatingDirectory() throws -> URL {
        try FileManager.default.createDirectory(at: deletingLastPathComponent(), withIntermediateDirectories: true)
        return self
    }
}
