import Collector
import CorralCore
import Foundation
import Reports
import Testing

/// `corral replay` against golden files: a recorded process log
/// (`Fixtures/replay/recorded.jsonl`, two cycles with ties, a class by
/// threshold and one by image) replayed under policies whose output is
/// pinned in the `.txt` files beside it. Run with CORRAL_UPDATE_GOLDEN=1 to
/// rewrite them after a deliberate change, and read the diff.
@Suite("Policy replay against golden files")
struct ReplayTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/replay")

    func replay(_ policy: Policy) throws -> (ReplayReport, String) {
        let log = try ProcessLog.read([Self.fixtures.appendingPathComponent("recorded.jsonl").path])
        let report = Replay(policy: policy).run(log.cycles)
        // The file's name alone, so the output does not depend on where the clone is.
        return (report, ReplayText(policy: policy, files: ["recorded.jsonl"], limit: 0).render(report))
    }

    func expectGolden(_ text: String, _ name: String) throws {
        let url = Self.fixtures.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["CORRAL_UPDATE_GOLDEN"] == "1" {
            try Data(text.utf8).write(to: url)
        }
        let golden = try String(contentsOf: url, encoding: .utf8)
        #expect(text == golden, "\(name) differs; the replay printed:\n\(text)")
    }

    @Test("the recording's own policy makes every recorded decision again")
    func samePolicy() throws {
        let (report, text) = try replay(Policy())
        #expect(report.cycles == 2 && report.decisions == 17)
        #expect(report.differences.isEmpty)
        #expect(report.recorded == report.replayed)
        #expect(report.recorded.kills == 7, "tick, idle-1, batch, spin, ram-hog; then web-warm and idle-2")
        #expect(report.incomplete == 0)
        try expectGolden(text, "same-policy.txt")
    }

    @Test("three high, two low, memory first: the differences are exactly the pinned ones")
    func otherMix() throws {
        let policy = Policy(desiredHigh: 3, desiredLow: 2, sortKeys: [.mem, .cpu, .vsz, .rss])
        let (report, text) = try replay(policy)
        // By memory the hog is the heaviest high: kept, with warm and batch,
        // and hot falls out; in cycle 2 all three highs are kept. Low keeps
        // the two lightest: the sleeper and the youngest of the tied idles.
        let changed = Set(report.differences.map { "\($0.cycle) \($0.container.name) \($0.replayedAction.rawValue)" })
        #expect(
            changed == [
                "1 ram-hog keep", "1 batch keep", "1 web-hot kill", "1 idle-2 kill",
                "2 web-warm keep", "2 idle-3 kill",
            ])
        try expectGolden(text, "three-high-two-low-mem-first.txt")
    }

    @Test("a higher CPU threshold moves the unlabelled spinner to low, where it is the heaviest and killed all the same")
    func threshold() throws {
        let (report, text) = try replay(Policy(highCPUPercent: 70))
        #expect(report.differences.count == 1)
        let spin = try #require(report.differences.first)
        #expect(spin.container.name == "spin" && spin.recordedClass == .high && spin.replayedClass == .low)
        #expect(spin.recordedAction == .kill && spin.replayedAction == .kill)
        try expectGolden(text, "threshold-cpu-70.txt")
    }
}
