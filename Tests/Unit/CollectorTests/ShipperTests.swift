import Collector
import CorralCore
import CorralTestSupport
import Foundation
import Testing

/// Delivery from the spool to a collector in memory: order, exactly once,
/// the back-off while it is away, and records it refuses.
@Suite("The shipper")
struct ShipperTests {
    static func withSpool<T>(_ body: (Spool) async throws -> T) async throws -> T {
        let directory = try scratchDirectory("shipper")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        return try await body(try Spool(directory: directory))
    }

    @Test("after failed rounds in a row it waits 2, 4, 8, 16, then 30 s for as long as the outage lasts")
    func backoffSchedule() {
        #expect((1...7).map { Shipper.backoff.delay(afterFailures: $0) } == [2, 4, 8, 16, 30, 30, 30].map { .seconds($0) })
    }

    @Test("two cycles arrive in order, in batches, each record once")
    func inOrder() async throws {
        try await Self.withSpool { spool in
            let collector = InMemoryCollector()
            var shipper = Shipper(spool: spool, client: collector, batchSize: 7)
            let cycles = [sampleMemoryRecords(cycle: 1, count: 10), sampleMemoryRecords(cycle: 2, count: 10)]
            for cycle in cycles {
                try await spool.append(memory: cycle, processes: [])
                let report = await shipper.ship(until: .now + .seconds(10))
                #expect(report.failure == nil)
                #expect(report.delivered[.memory] == 10)
            }
            #expect(await collector.storedIDs(.memory) == cycles.flatMap { $0.map(\.id) })
            #expect(await collector.batchesReceived == 4)
        }
    }

    @Test("records sent again after a crash lost the cursor are counted as duplicates, never stored twice")
    func resendAfterCrash() async throws {
        try await Self.withSpool { spool in
            let collector = InMemoryCollector()
            let records = sampleMemoryRecords(cycle: 1, count: 5)
            try await spool.append(memory: records, processes: [])
            var shipper = Shipper(spool: spool, client: collector)
            _ = await shipper.ship(until: .now + .seconds(10))
            try FileManager.default.removeItem(atPath: spool.cursorPath)
            shipper = Shipper(spool: try Spool(directory: spool.directory), client: collector)
            let again = await shipper.ship(until: .now + .seconds(10))
            #expect(again.duplicates == 5)
            #expect(again.pending == 0)
            #expect(await collector.storedIDs(.memory) == records.map(\.id))
        }
    }

    @Test("while the collector is away records wait and rounds back off; a flush does not wait, and everything arrives once, in order")
    func outage() async throws {
        try await Self.withSpool { spool in
            let collector = InMemoryCollector()
            var shipper = Shipper(spool: spool, client: collector, batchSize: 4)
            let cycles = (1...3).map { sampleMemoryRecords(cycle: $0, count: 5) }
            try await spool.append(memory: cycles[0], processes: [])
            #expect(await shipper.ship(until: .now + .seconds(10)).failure == nil)

            await collector.stop()
            try await spool.append(memory: cycles[1], processes: [])
            let failed = await shipper.ship(until: .now + .seconds(2))
            #expect(failed.failure?.contains(collector.baseURL) == true)
            #expect(failed.pending == 5)
            #expect(shipper.consecutiveFailures == 1)
            try await spool.append(memory: cycles[2], processes: [])
            let deferred = await shipper.ship(until: .now + .seconds(2))
            #expect(deferred.deferred)
            #expect(deferred.pending == 10)

            await collector.start()
            let flushed = await shipper.ship(until: .now + .seconds(10), force: true)
            #expect(flushed.failure == nil)
            #expect(flushed.delivered[.memory] == 10)
            #expect(shipper.consecutiveFailures == 0)
            #expect(await collector.storedIDs(.memory) == cycles.flatMap { $0.map(\.id) })
        }
    }

    @Test("a record the collector refuses is set aside in <stream>.rejected.jsonl, and the records around it are delivered")
    func rejected() async throws {
        try await Self.withSpool { spool in
            let collector = InMemoryCollector()
            await collector.rejectRecords(containing: "\"cycle\":2")
            let records =
                sampleMemoryRecords(cycle: 1, count: 3) + sampleMemoryRecords(cycle: 2, count: 1) + sampleMemoryRecords(cycle: 3, count: 3)
            try await spool.append(memory: records, processes: [])
            var shipper = Shipper(spool: spool, client: collector, batchSize: 100)
            let report = await shipper.ship(until: .now + .seconds(10))
            #expect(report.rejected == 1)
            #expect(report.delivered[.memory] == 6)
            #expect(report.pending == 0)
            #expect(report.notices.first?.contains("rejected.jsonl") == true)
            let setAside = try String(contentsOfFile: "\(spool.directory)/memory.rejected.jsonl", encoding: .utf8)
            #expect(setAside.contains(records[3].id))
            #expect(await collector.storedIDs(.memory) == (records[0..<3] + records[4...]).map(\.id))
        }
    }
}
