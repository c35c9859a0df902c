import Actuation
import Collector
import ContainerRuntime
import CorralCore
import CorralTestSupport
import Foundation
import Reports
import Settings
import Testing

@testable import Enforcer

/// The enforcer's side of the log collector at run time, against a runtime
/// and a collector in memory: bringing it up, outages said once, revival,
/// and the last delivery at shutdown.
@Suite("Delivery")
struct DeliveryTests {
    struct Rig {
        let runtime = InMemoryRuntime()
        let collector = InMemoryCollector()
        let journal = InMemoryJournal()
        let settings: CollectorSettings
        let spool: Spool

        func delivery() -> Delivery {
            Delivery(settings: settings, runtime: runtime, client: collector, spool: spool, journal: journal)
        }
    }

    static func withRig<T>(_ body: (Rig) async throws -> T) async throws -> T {
        let directory = try scratchDirectory("delivery")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var settings = CollectorSettings()
        settings.storePath = "\(directory)/store"
        settings.flushSeconds = 5
        return try await body(Rig(settings: settings, spool: try Spool(directory: "\(directory)/spool")))
    }

    @Test("brings the collector up as a protected container, ships each round, and at shutdown delivers the rest and draws the graphs")
    func lifecycle() async throws {
        try await Self.withRig { rig in
            var delivery = rig.delivery()
            #expect(await delivery.start().hasPrefix("started the collector"))
            let container = try #require(await rig.runtime.container(rig.settings.name))
            #expect(container.state == .running)
            #expect(container.labels[CorralLabel.role] == "collector")
            #expect(container.labels[CorralLabel.protected] == "true")

            let records = sampleMemoryRecords(cycle: 1, count: 4)
            try await rig.spool.append(memory: records, processes: [])
            #expect(await delivery.ship(until: .now + .seconds(5)).delivered[.memory] == 4)
            let lines = await delivery.finish()
            #expect(lines.first?.hasPrefix("every record is delivered") == true)
            #expect(lines.contains("report: \(rig.settings.graphsPath)/report.html"))
            #expect(await rig.collector.renders == 1)
            #expect(rig.journal.events == ["collector_up", "graphs"])
        }
    }

    @Test("reuses a collector that already runs")
    func reuses() async throws {
        try await Self.withRig { rig in
            let id = await rig.runtime.add(image: rig.settings.image, name: rig.settings.name, labels: [CorralLabel.role: "collector"])
            var delivery = rig.delivery()
            #expect(await delivery.start().hasPrefix("reusing the running collector"))
            #expect(await rig.runtime.containers.map(\.id) == [id])
        }
    }

    @Test("an outage is journalled once, the removed container is brought back, and the records that waited arrive once")
    func outage() async throws {
        try await Self.withRig { rig in
            var delivery = rig.delivery()
            _ = await delivery.start()
            await rig.collector.stop()
            try await rig.runtime.remove(rig.settings.name, force: true)
            let waiting = sampleMemoryRecords(cycle: 1, count: 3) + sampleMemoryRecords(cycle: 2, count: 3)
            try await rig.spool.append(memory: Array(waiting[0..<3]), processes: [])
            #expect(await delivery.ship(until: .now + .seconds(2)).failure != nil)
            #expect(await rig.runtime.container(rig.settings.name)?.state == .running)
            try await rig.spool.append(memory: Array(waiting[3...]), processes: [])
            #expect(await delivery.ship(until: .now + .seconds(2)).deferred)

            await rig.collector.start()
            let lines = await delivery.finish()
            #expect(lines.first?.hasPrefix("every record is delivered") == true)
            #expect(await rig.collector.storedIDs(.memory) == waiting.map(\.id))
            #expect(rig.journal.events == ["collector_up", "delivery_failed", "collector_up", "delivery_resumed", "graphs"])
        }
    }

    @Test("a collector that cannot be brought up is said once and the records wait in the spool")
    func imageMissing() async throws {
        try await Self.withRig { rig in
            await rig.runtime.removeImage(rig.settings.image)
            var delivery = rig.delivery()
            let line = await delivery.start()
            #expect(line.contains("is not on this host"))
            #expect(rig.journal.events == ["collector_down"])
        }
    }
}
