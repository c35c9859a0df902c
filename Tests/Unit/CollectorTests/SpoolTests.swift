import Collector
import CorralCore
import Foundation
import Testing

/// The spool as the enforcer relies on it: records kept on disk in order until
/// the collector has them, across restarts and crashes, within a bound.
@Suite("The spool")
final class SpoolTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("spool-\(UUID().uuidString)").path

    // Each test has its own instance, and its own directory, removed after it.
    deinit { try? FileManager.default.removeItem(atPath: directory) }

    static func memory(_ cycle: Int) -> MemoryRecord {
        MemoryRecord(
            id: UUID().uuidString.lowercased(), timestamp: "2026-11-21T21:07:15.123Z", cycle: cycle,
            memory: HostMemory(totalKb: 1000, freeKb: 400, availableKb: 500, usedKb: 500))
    }

    static func cycles(_ range: ClosedRange<Int>) -> [MemoryRecord] { range.map(memory) }

    /// The cycles of the records in a batch, in order.
    static func cycles(of batch: Spool.Batch) throws -> [Int] {
        try batch.lines.map { try JSONDecoder().decode(MemoryRecord.self, from: $0).cycle }
    }

    @Test("records come out in the order they went in, and once delivered they are gone")
    func order() async throws {
        let spool = try Spool(directory: directory)
        try await spool.append(memory: Self.cycles(1...5), processes: [])
        try await spool.append(memory: Self.cycles(6...7), processes: [])
        #expect(await spool.depth(.memory) == 7)
        #expect(await spool.depth(.process) == 0)

        let first = try #require(try await spool.next(.memory, maxRecords: 3))
        #expect(try Self.cycles(of: first) == [1, 2, 3])
        // Not acknowledged: the same records again.
        #expect(try Self.cycles(of: try #require(try await spool.next(.memory, maxRecords: 3))) == [1, 2, 3])
        try await spool.acknowledge(first)
        #expect(await spool.depth(.memory) == 4)
        let rest = try #require(try await spool.next(.memory, maxRecords: 100))
        #expect(try Self.cycles(of: rest) == [4, 5, 6, 7])
        try await spool.acknowledge(rest)
        #expect(await spool.depth(.memory) == 0)
        #expect(try await spool.next(.memory, maxRecords: 100) == nil)
    }

    @Test("the delivery cursor survives a restart: a new spool on the same directory resumes where the last one stopped")
    func resumes() async throws {
        do {
            let spool = try Spool(directory: directory)
            try await spool.append(memory: Self.cycles(1...6), processes: [])
            try await spool.acknowledge(try #require(try await spool.next(.memory, maxRecords: 4)))
        }
        let reopened = try Spool(directory: directory)
        #expect(await reopened.depth(.memory) == 2)
        #expect(try Self.cycles(of: try #require(try await reopened.next(.memory, maxRecords: 10))) == [5, 6])
    }

    @Test("past its bound the spool drops its oldest undelivered records and says how many")
    func bounded() async throws {
        let spool = try Spool(directory: directory, maxRecords: 5)
        #expect(try await spool.append(memory: Self.cycles(1...4), processes: []).isEmpty)
        let dropped = try await spool.append(memory: Self.cycles(5...8), processes: [])
        #expect(dropped == [Spool.Dropped(stream: .memory, count: 3, bound: 5)])
        #expect(await spool.depth(.memory) == 5)
        #expect(try Self.cycles(of: try #require(try await spool.next(.memory, maxRecords: 10))) == [4, 5, 6, 7, 8])
        // The drop is durable too.
        #expect(await (try Spool(directory: directory, maxRecords: 5)).depth(.memory) == 5)
    }

    @Test("a batch read before its records were dropped acknowledges only what is left of it")
    func dropDuringDelivery() async throws {
        let spool = try Spool(directory: directory, maxRecords: 4)
        try await spool.append(memory: Self.cycles(1...4), processes: [])
        let inFlight = try #require(try await spool.next(.memory, maxRecords: 4))
        try await spool.append(memory: Self.cycles(5...6), processes: [])  // drops 1 and 2
        try await spool.acknowledge(inFlight)  // 3 and 4 delivered
        #expect(await spool.depth(.memory) == 2)
        #expect(try Self.cycles(of: try #require(try await spool.next(.memory, maxRecords: 10))) == [5, 6])
    }

    @Test("a record torn by a crash mid-write is cut off at open, and the next append starts on a fresh line")
    func tornLine() async throws {
        do {
            let spool = try Spool(directory: directory)
            try await spool.append(memory: Self.cycles(1...2), processes: [])
        }
        let path = "\(directory)/memory.jsonl"
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"id\":\"half-writ".utf8))
        try handle.close()

        let spool = try Spool(directory: directory)
        #expect(await spool.repairs.count == 1)
        #expect(await spool.repairs.first?.contains("torn") == true)
        try await spool.append(memory: Self.cycles(3...3), processes: [])
        #expect(try Self.cycles(of: try #require(try await spool.next(.memory, maxRecords: 10))) == [1, 2, 3])
    }

    @Test("an unreadable cursor restarts delivery from the oldest record (resending is safe, skipping is not) and says so")
    func damagedCursor() async throws {
        do {
            let spool = try Spool(directory: directory)
            try await spool.append(memory: Self.cycles(1...3), processes: [])
            try await spool.acknowledge(try #require(try await spool.next(.memory, maxRecords: 2)))
        }
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: "\(directory)/cursor.json"))
        let spool = try Spool(directory: directory)
        #expect(await spool.repairs.contains { $0.contains("cursor.json") })
        #expect(await spool.depth(.memory) == 3)
    }

    @Test("a delivered file is compacted away, and a crash between compaction steps can only resend")
    func compaction() async throws {
        let spool = try Spool(directory: directory, compactBytes: 1)
        try await spool.append(memory: Self.cycles(1...3), processes: [])
        try await spool.acknowledge(try #require(try await spool.next(.memory, maxRecords: 10)))
        let size = try FileManager.default.attributesOfItem(atPath: "\(directory)/memory.jsonl")[.size] as? Int
        #expect(size == 0)
        try await spool.append(memory: Self.cycles(4...4), processes: [])
        #expect(try Self.cycles(of: try #require(try await spool.next(.memory, maxRecords: 10))) == [4])
        #expect(await (try Spool(directory: directory, compactBytes: 1)).depth(.memory) == 1)
    }

    @Test("both streams are kept apart, each in its own file")
    func streams() async throws {
        let spool = try Spool(directory: directory)
        let decision = Decision(
            container: ContainerMetadata(
                id: String(repeating: "a", count: 64), name: "c", image: "corral/low-idle", labels: [:], createdAt: 0),
            containerClass: .low, classSource: .label, action: .keep, rank: 1, of: 1, cpuPercent: 0, memPercent: 0, vszKb: 1, rssKb: 1,
            reason: "kept")
        let process = ProcessRecord(
            id: UUID().uuidString.lowercased(), timestamp: "2026-11-21T21:07:15.123Z", cycle: 1, decision: decision, pid: 42)
        try await spool.append(memory: Self.cycles(1...1), processes: [process, process])
        #expect(await spool.depth(.memory) == 1)
        #expect(await spool.depth(.process) == 2)
        let text = try String(contentsOfFile: "\(directory)/process.jsonl", encoding: .utf8)
        #expect(text.split(separator: "\n").count == 2)
        #expect(text.contains("\"container_id\":\"\(String(repeating: "a", count: 64))\""))
    }

    @Test("a directory that cannot be created is an error naming it")
    func unwritable() throws {
        #expect {
            _ = try Spool(directory: "/proc/corral-spool")
        } throws: { error in
            "\(error)".contains("/proc/corral-spool")
        }
    }
}
