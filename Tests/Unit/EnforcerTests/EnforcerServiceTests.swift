import CorralCore
import CorralTestSupport
import Foundation
import Journal
import Logging
import Settings
import Testing

@testable import Enforcer

/// The service loop, composed as `corral enforce` composes it, against a
/// runtime in memory: cycles run, the mix holds, the journal tells it.
@Suite("The enforcer service")
struct EnforcerServiceTests {
    @Test("two cycles converge on the mix, spool their records and journal start, decisions, cycles and stop")
    func twoCycles() async throws {
        let directory = try scratchDirectory("service")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let runtime = InMemoryRuntime()
        var ids: [String] = []
        for index in 0..<6 {
            let cls: ContainerClass = index < 3 ? .high : .low
            ids.append(
                await runtime.add(
                    image: cls == .high ? "corral/high-cpu" : "corral/low-idle",
                    labels: [CorralLabel.managed: "true", CorralLabel.class: cls.rawValue]))
        }
        try SysinfoFixture.write(
            ids.enumerated().map { .init(id: $1, cpuPercent: Double(60 - $0 * 10)) }, to: "\(directory)/sysinfo_corral")
        var config = CycleTests.config(directory)
        config.cycles = 2
        config.intervalSeconds = 1
        config.collector.enabled = false
        config.metricsPort = nil
        config.generator = .none
        config.policy.scaleUp = false
        let journal = InMemoryJournal()
        let service = EnforcerService(
            config: config, connector: InMemoryConnector(runtime: runtime), journal: journal, logger: Logger(label: "test"), console: nil,
            colour: false)
        try await service.run()

        // 3 high (keep 2) and 3 low (keep 3): the lightest high goes.
        #expect(Set(await runtime.containers.map(\.id)) == Set(ids.filter { $0 != ids[2] }))
        #expect(journal.events.first == JournalEvent.start.rawValue)
        #expect(journal.events.last == JournalEvent.stop.rawValue)
        #expect(journal.events.filter { $0 == JournalEvent.cycle.rawValue }.count == 2)
        #expect(journal.entries.filter { $0[.fate] == "killed" }.map { $0[.containerIDFull] } == [ids[2]])
        let spooled = try String(contentsOfFile: "\(config.spoolPath)/memory.jsonl", encoding: .utf8)
        #expect(spooled.split(separator: "\n").count == 2, "one memory record per cycle, waiting in the spool")
    }
}
