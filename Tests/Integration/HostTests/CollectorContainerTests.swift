import Actuation
import Collector
import CorralCore
import CorralTestSupport
import DockerEngine
import DockerRuntime
import Enforcer
import Foundation
import Reports
import Settings
import Testing

/// The enforcer's side of the log collector, against the real collector image
/// (corral/collector:latest, built by `make images`) on its own loopback port.
@Suite("The log collector's container and delivery against the real collector")
struct CollectorContainerTests {
    /// A collector of this test's own: name, port and store (removed with the scratch).
    static func settings(_ scratch: Scratch) throws -> CollectorSettings {
        var settings = CollectorSettings()
        settings.name = "corral-collector-t-\(UUID().uuidString.prefix(8).lowercased())"
        settings.port = try freeLoopbackPort()
        settings.storePath = scratch.temporaryPath("collector-store")
        settings.batchSize = 7
        return settings
    }

    /// Runs `body` with the collector up, a spool, and a shipper between them.
    func withCollector(
        _ body: (Scratch, CollectorSettings, CollectorClient, Spool) async throws -> Void
    ) async throws {
        try await withScratch { scratch in
            let settings = try Self.settings(scratch)
            await scratch.adopt(settings.name)
            try await CollectorClient.withClient(baseURL: settings.baseURL) { client in
                let outcome = try await CollectorContainer(settings: settings).ensure(runtime: scratch.runtime, client: client)
                #expect(outcome == .created)
                let spool = try Spool(directory: scratch.temporaryPath("spool"))
                try await body(scratch, settings, client, spool)
            }
        }
    }

    func storedIDs(_ settings: CollectorSettings, _ stream: SpoolStream) throws -> [String] {
        try storedRecords(settings.storePath, stream.rawValue).compactMap { $0["id"] as? String }
    }

    @Test(
        "the collector container: Corral's labels, host networking on 127.0.0.1, the store on the host; reused while it runs, replaced once stopped"
    )
    func container() async throws {
        try await withCollector { scratch, settings, client, _ in
            let details = try await scratch.docker.inspectContainer(settings.name)
            #expect(details.config.labels[CorralLabel.role] == "collector")
            #expect(details.config.labels[CorralLabel.protected] == "true")
            #expect(details.hostConfig.networkMode == "host")
            #expect(details.config.env.contains("CORRAL_COLLECTOR_HOST=127.0.0.1"))
            #expect(await client.healthy())

            let again = try await CollectorContainer(settings: settings).ensure(runtime: scratch.runtime, client: client)
            #expect(again == .reused)
            #expect(try await scratch.docker.inspectContainer(settings.name).id == details.id)

            try await scratch.docker.stopContainer(settings.name, graceSeconds: 5)
            let replaced = try await CollectorContainer(settings: settings).ensure(runtime: scratch.runtime, client: client)
            #expect(replaced == .created)
            #expect(await client.healthy())
        }
    }

    @Test("a container of the collector's name that is not a collector is never replaced: the error names it")
    func nameTaken() async throws {
        try await withScratch { scratch in
            let settings = try Self.settings(scratch)
            try await scratch.container(name: settings.name)
            try await CollectorClient.withClient(baseURL: settings.baseURL) { client in
                await #expect {
                    _ = try await CollectorContainer(settings: settings).ensure(runtime: scratch.runtime, client: client)
                } throws: { error in
                    "\(error)".contains(settings.name) && "\(error)".contains("not Corral's collector")
                }
            }
            #expect(try await scratch.docker.inspectContainer(settings.name).config.image == "corral/low-idle")
        }
    }

    @Test("two cycles are delivered in order, in batches, each record once; a batch sent again is not stored twice")
    func exactlyOnce() async throws {
        try await withCollector { _, settings, client, spool in
            let first = sampleMemoryRecords(cycle: 1, count: 10)
            let second = sampleMemoryRecords(cycle: 2, count: 10)
            var shipper = Shipper(spool: spool, client: client, batchSize: settings.batchSize)
            try await spool.append(memory: first, processes: [])
            var report = await shipper.ship(until: .now + .seconds(20))
            #expect(report.failure == nil)
            #expect(report.delivered[.memory] == 10)

            try await spool.append(memory: second, processes: [])
            // The enforcer crashed before saving its cursor: everything goes again.
            try FileManager.default.removeItem(atPath: spool.cursorPath)
            let reopened = try Spool(directory: spool.directory)
            shipper = Shipper(spool: reopened, client: client, batchSize: settings.batchSize)
            report = await shipper.ship(until: .now + .seconds(20))
            #expect(report.failure == nil)
            #expect(report.delivered[.memory] == 10)
            #expect(report.duplicates == 10)
            #expect(report.pending == 0)
            #expect(try storedIDs(settings, .memory) == (first + second).map(\.id))
        }
    }

    @Test("while the collector is stopped records wait in the spool; when it is back they all arrive, none twice")
    func outage() async throws {
        try await withCollector { scratch, settings, client, spool in
            var shipper = Shipper(spool: spool, client: client, batchSize: settings.batchSize)
            let cycles = (1...4).map { sampleMemoryRecords(cycle: $0, count: 5) }
            try await spool.append(memory: cycles[0], processes: [])
            #expect(await shipper.ship(until: .now + .seconds(20)).failure == nil)

            try await scratch.docker.stopContainer(settings.name, graceSeconds: 5)
            try await spool.append(memory: cycles[1], processes: [])
            let failed = await shipper.ship(until: .now + .seconds(5))
            #expect(failed.failure?.contains(settings.baseURL) == true)
            #expect(failed.pending == 5)
            try await spool.append(memory: cycles[2], processes: [])
            // Backing off: the next round does not even try.
            #expect(await shipper.ship(until: .now + .seconds(5)).deferred)

            try await scratch.docker.startContainer(settings.name)
            _ = try await poll("the collector to answer again", seconds: 60) { await client.healthy() ? true : nil }
            try await spool.append(memory: cycles[3], processes: [])
            // A flush does not wait for the back-off.
            let report = await shipper.ship(until: .now + .seconds(20), force: true)
            #expect(report.failure == nil)
            #expect(report.delivered[.memory] == 15)
            #expect(try storedIDs(settings, .memory) == cycles.flatMap { $0.map(\.id) })
        }
    }

    @Test("a record the collector refuses is set aside in <stream>.rejected.jsonl, and the records around it are delivered")
    func rejected() async throws {
        try await withCollector { _, settings, client, spool in
            try await spool.append(memory: sampleMemoryRecords(cycle: 1, count: 3), processes: [])
            // A record the enforcer could never write, planted in the spool.
            let handle = try #require(FileHandle(forWritingAtPath: spool.memoryPath))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data("{\"id\":\"not-a-uuid\",\"cycle\":-1}\n".utf8))
            try handle.close()
            let reopened = try Spool(directory: spool.directory)
            try await reopened.append(memory: sampleMemoryRecords(cycle: 2, count: 3), processes: [])

            var shipper = Shipper(spool: reopened, client: client, batchSize: 100)
            let report = await shipper.ship(until: .now + .seconds(20))
            #expect(report.rejected == 1)
            #expect(report.delivered[.memory] == 6)
            #expect(report.pending == 0)
            #expect(report.notices.first?.contains("rejected.jsonl") == true)
            let setAside = try String(contentsOfFile: "\(spool.directory)/memory.rejected.jsonl", encoding: .utf8)
            #expect(setAside.contains("not-a-uuid"))
            #expect(try storedIDs(settings, .memory).count == 6)
        }
    }

    @Test("the graphs are drawn on request and land in the store on the host")
    func graphs() async throws {
        try await withCollector { _, settings, client, spool in
            try await spool.append(memory: sampleMemoryRecords(cycle: 1, count: 3), processes: [])
            var shipper = Shipper(spool: spool, client: client)
            #expect(await shipper.ship(until: .now + .seconds(20)).failure == nil)
            let graphs = try await client.renderGraphs(windowSeconds: 86_400)
            #expect(graphs.graphs.contains("report.html"))
            for name in graphs.graphs {
                let data = try #require(FileManager.default.contents(atPath: "\(settings.graphsPath)/\(name)"), "\(name)")
                if name.hasSuffix(".png") { #expect(data.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])) }
            }
        }
    }
}
