import Actuation
import CorralCore
import CorralTestSupport
import Foundation
import Journal
import Reports
import Settings
import Testing

@testable import Enforcer

/// One outcome, one name: each decision's fate is computed once and the
/// journal, the console and the metrics all say it the same way.
@Suite("A decision's fate")
struct FateTests {
    /// A planned cycle over four high containers (two surplus), taken as a dry run.
    static func plannedCycle() async throws -> CycleReport {
        let directory = try scratchDirectory("fate")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let runtime = InMemoryRuntime()
        var ids: [String] = []
        for _ in 0..<4 {
            ids.append(await runtime.add(image: "corral/high-cpu", labels: [CorralLabel.managed: "true", CorralLabel.class: "high"]))
        }
        try SysinfoFixture.write(
            ids.enumerated().map { .init(id: $1, cpuPercent: Double(90 - $0 * 10)) }, to: "\(directory)/sysinfo_corral")
        var config = CycleTests.config(directory)
        config.dryRun = true
        var runner = CycleRunner(config: config, runtime: runtime)
        return await runner.run(cycle: 1)
    }

    /// The same plan, as if it had been carried out with these outcomes.
    static func carriedOut(_ planned: CycleReport, dryRun: Bool, _ outcome: KillPool.Outcome?) -> CycleReport {
        let kills = outcome.map { outcome in Dictionary(uniqueKeysWithValues: (planned.plan?.kills ?? []).map { ($0.id, outcome) }) } ?? [:]
        return CycleReport(
            cycle: 1, dryRun: dryRun, snapshot: planned.snapshot, plan: planned.plan, kills: kills, error: nil, notice: nil, seconds: 0.01)
    }

    @Test(
        "the journal's CORRAL_FATE, the console's ACTION and the metrics' state name a kill's fate alike",
        arguments: [
            (true, nil, Fate.wouldKill), (false, KillPool.Outcome.removed, .killed), (false, .alreadyGone, .vanished),
            (false, .refused, .refused), (false, .failed("device busy"), .failed),
        ] as [(Bool, KillPool.Outcome?, Fate)])
    func oneName(dryRun: Bool, outcome: KillPool.Outcome?, fate: Fate) async throws {
        let report = Self.carriedOut(try await Self.plannedCycle(), dryRun: dryRun, outcome)
        let killed = try #require(report.plan?.kills)
        #expect(killed.count == 2)
        for decision in killed { #expect(report.fate(of: decision) == fate) }

        let entries = CycleJournal.entries(report, selector: [:]).filter { $0[.fate] != nil }
        #expect(entries.filter { $0[.fate] == fate.rawValue }.count == 2)
        #expect(entries.filter { $0[.fate] == Fate.kept.rawValue }.count == 2)
        for entry in entries where entry[.fate] == fate.rawValue { #expect(entry.event == fate.journalEvent) }

        let console = ConsoleReport(colour: false).render(report)
        #expect(console.components(separatedBy: "  \(fate.words)\n").count - 1 == 2)

        let metrics = EnforcerMetrics()
        metrics.cycle(report, duration: .milliseconds(10), spoolDepth: 0)
        let exposition = String(decoding: metrics.exposition(), as: UTF8.self)
        #expect(Self.sample(exposition, "corral_containers", ["class": "high", "state": fate.rawValue]) == 2)
        #expect(Self.sample(exposition, "corral_containers", ["class": "high", "state": "kept"]) == 2)
        let kills = ["surplus", "vanished"].map { Self.sample(exposition, "corral_kills_total", ["class": "high", "reason": $0]) ?? 0 }
        #expect(kills.reduce(0, +) == (fate.isKill ? 2 : 0), "a dry run's would-be kills are not kills")
        #expect((Self.sample(exposition, "corral_kill_failures_total", ["class": "high"]) ?? 0) == (fate.isFailure ? 2 : 0))
    }

    @Test("a refused or failed kill is journalled as kill_failed at error priority, never as a plain error")
    func failuresAreKillFailed() async throws {
        let planned = try await Self.plannedCycle()
        for outcome in [KillPool.Outcome.refused, .failed("device busy")] {
            let entries = CycleJournal.entries(Self.carriedOut(planned, dryRun: false, outcome), selector: [:])
            let failed = entries.filter { $0.event == .killFailed }
            #expect(failed.count == 2)
            #expect(failed.allSatisfy { $0.priority == .error })
            #expect(!entries.contains { $0.event == .error })
        }
    }

    /// The value of one series in a Prometheus exposition, labels in any order.
    static func sample(_ exposition: String, _ name: String, _ labels: [String: String]) -> Double? {
        for line in exposition.split(separator: "\n") where line.hasPrefix(name + "{") {
            guard let close = line.firstIndex(of: "}") else { continue }
            let inside = line[line.index(line.startIndex, offsetBy: name.count + 1)..<close]
            var found: [String: String] = [:]
            for pair in inside.split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { found[String(parts[0])] = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
            }
            if found == labels { return Double(line[line.index(after: close)...].trimmingCharacters(in: .whitespaces)) }
        }
        return nil
    }
}
