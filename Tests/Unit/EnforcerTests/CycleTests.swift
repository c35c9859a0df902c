import Actuation
import ContainerRuntime
import CorralCore
import CorralTestSupport
import Foundation
import Reports
import Settings
import Testing

@testable import Enforcer

/// Whole cycles (snapshot, plan, act) against a runtime in memory and a
/// module document written to a file: which containers remain.
@Suite("One cycle")
struct CycleTests {
    static let managed = [CorralLabel.managed: CorralLabel.trueValue]

    /// A configuration that reads `document` as the module's file and no cgroups.
    static func config(_ directory: String) -> EnforcerConfig {
        var config = EnforcerConfig()
        config.moduleFile = "\(directory)/sysinfo_corral"
        config.cgroupRoot = "\(directory)/no-cgroups"
        config.procRoot = "\(directory)/no-proc"
        config.spoolPath = "\(directory)/spool"
        return config
    }

    static func withDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
        let directory = try scratchDirectory("cycle")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        return try await body(directory)
    }

    func add(_ runtime: InMemoryRuntime, _ kind: ContainerClass, _ count: Int, labels: [String: String] = managed) async -> [String] {
        var ids: [String] = []
        for _ in 0..<count {
            ids.append(
                await runtime.add(
                    image: kind == .high ? "corral/high-cpu" : "corral/low-idle",
                    labels: labels.merging([CorralLabel.class: kind.rawValue]) { a, _ in a }))
        }
        return ids
    }

    @Test("keeps the two heaviest high and the three lightest low, kills the rest, and never touches an unmanaged container")
    func keepsTheMix() async throws {
        try await Self.withDirectory { directory in
            let runtime = InMemoryRuntime()
            let high = await add(runtime, .high, 4)
            let low = await add(runtime, .low, 5)
            let stranger = await runtime.add(image: "corral/high-cpu", labels: [CorralLabel.class: "high"])
            try SysinfoFixture.write(
                high.enumerated().map { .init(id: $1, cpuPercent: Double(90 - $0 * 10)) }
                    + low.enumerated().map { .init(id: $1, cpuPercent: Double(1 + $0)) } + [.init(id: stranger, cpuPercent: 99)],
                to: "\(directory)/sysinfo_corral")
            var runner = CycleRunner(config: Self.config(directory), runtime: runtime)
            let report = await runner.run(cycle: 1)
            #expect(report.error == nil)
            #expect(report.killedCount == 4)
            let left = Set(await runtime.containers.map(\.id))
            #expect(left == Set([high[0], high[1], low[0], low[1], low[2], stranger]))
        }
    }

    @Test("a dry run plans the same kills and touches nothing")
    func dryRun() async throws {
        try await Self.withDirectory { directory in
            let runtime = InMemoryRuntime()
            let high = await add(runtime, .high, 4)
            try SysinfoFixture.write(high.map { .init(id: $0, cpuPercent: 50) }, to: "\(directory)/sysinfo_corral")
            var config = Self.config(directory)
            config.dryRun = true
            var runner = CycleRunner(config: config, runtime: runtime)
            let report = await runner.run(cycle: 1)
            #expect(report.plan?.kills.count == 2)
            #expect(report.kills.isEmpty)
            #expect(await runtime.containers.count == 4)
            #expect(await runtime.removed.isEmpty)
        }
    }

    @Test("a container the enforcer started that exits at once is removed and reported, not left to pile up")
    func startExited() async throws {
        try await Self.withDirectory { directory in
            let runtime = InMemoryRuntime()
            await runtime.exitAtStart(image: "corral/high-cpu", code: 3)
            await runtime.exitAtStart(image: "corral/high-ram", code: 3)
            try SysinfoFixture.write([], to: "\(directory)/sysinfo_corral")
            var config = Self.config(directory)
            config.policy.desiredLow = 0
            var runner = CycleRunner(config: config, runtime: runtime)
            let first = await runner.run(cycle: 1)
            #expect(first.started.count == 2)
            let second = await runner.run(cycle: 2)
            #expect(Set(second.exitedStarts.map(\.started.id)) == Set(first.started.map(\.id)))
            #expect(second.exitedStarts.allSatisfy { $0.exitCode == 3 && $0.removalError == nil })
            for started in first.started { #expect(await runtime.container(started.id) == nil) }
        }
    }

    @Test("the runtime is asked again when the document shows a container it has not described, and after a cycle that removed some")
    func listsWhenTheDocumentChanges() async throws {
        try await Self.withDirectory { directory in
            let runtime = InMemoryRuntime()
            let low = await add(runtime, .low, 3)
            try SysinfoFixture.write(low.map { .init(id: $0, cpuPercent: 1) }, to: "\(directory)/sysinfo_corral")
            var config = Self.config(directory)
            config.policy.scaleUp = false
            var runner = CycleRunner(config: config, runtime: runtime)
            #expect(await runner.run(cycle: 1).killedCount == 0)
            // At rest the runtime is not asked: an outage shows only once it must be.
            await runtime.goAway()
            let second = await runner.run(cycle: 2)
            #expect(second.error == nil, "\(second.error ?? "")")
            await runtime.comeBack()
            let more = await add(runtime, .low, 2)
            try SysinfoFixture.write((low + more).map { .init(id: $0, cpuPercent: 1) }, to: "\(directory)/sysinfo_corral")
            let third = await runner.run(cycle: 3)
            #expect(third.killedCount == 2, "the two new containers were described, ranked and their surplus removed")
            #expect(await runtime.containers.count == 3)
        }
    }

    @Test("a runtime that does not answer skips the cycle, says why, and kills nothing")
    func runtimeDown() async throws {
        try await Self.withDirectory { directory in
            let runtime = InMemoryRuntime()
            let high = await add(runtime, .high, 4)
            try SysinfoFixture.write(high.map { .init(id: $0, cpuPercent: 50) }, to: "\(directory)/sysinfo_corral")
            await runtime.goAway()
            var runner = CycleRunner(config: Self.config(directory), runtime: runtime)
            let report = await runner.run(cycle: 1)
            #expect(report.daemonUnavailable)
            #expect(report.error?.contains("cycle skipped") == true)
            await runtime.comeBack()
            #expect(await runtime.containers.count == 4)
        }
    }
}
