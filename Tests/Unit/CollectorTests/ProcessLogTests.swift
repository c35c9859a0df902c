import Collector
import CorralCore
import Foundation
import Testing

/// The process log as `corral replay` reads it back: the records the
/// enforcer writes reproduce its decisions, and a damaged log is named, not
/// half-read.
@Suite("The process log read back")
final class ProcessLogTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("process-log-\(UUID().uuidString)").path

    init() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func write(_ name: String, _ lines: [String], trailingNewline: Bool = true) throws -> String {
        let path = "\(directory)/\(name)"
        try Data((lines.joined(separator: "\n") + (trailingNewline ? "\n" : "")).utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func json(_ record: ProcessRecord) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(record)) ?? Data(), as: UTF8.self)
    }

    /// A seeded generator, so a failure names a case that can be run again.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// A host of managed containers whose figures often tie at the default
    /// resolutions, some labelled by class, some mapped by image, some left
    /// to the thresholds.
    static func snapshot(_ random: inout SplitMix, count: Int) -> Snapshot {
        let containers = (0..<count).map { i -> ContainerSample in
            var labels = [CorralLabel.managed: "true"]
            let kind = Int.random(in: 0..<3, using: &random)
            let image = kind == 1 ? "corral/mapped" : "corral/img\(i % 4)"
            if kind == 0 { labels[CorralLabel.class] = Bool.random(using: &random) ? "high" : "low" }
            let metadata = ContainerMetadata(
                id: String(format: "%064x", Int.random(in: 0..<Int.max, using: &random)), name: "c\(i)", image: image, labels: labels,
                createdAt: Double(Int.random(in: 0..<5, using: &random)) * 1.5 + 1_795_000_000)
            return ContainerSample(
                metadata: metadata, processCount: 1, mainPid: Int32(100 + i),
                cpuPercent: Double(Int.random(in: 0..<400, using: &random)) / 3.7,
                memPercent: Double(Int.random(in: 0..<90, using: &random)) / 9.1,
                vszKb: UInt64(Int.random(in: 1..<5, using: &random) * 1000), rssKb: UInt64(Int.random(in: 1..<4, using: &random) * 700),
                cgroup: nil)
        }
        return Snapshot(
            takenAtNs: 0, source: .procfs, memory: HostMemory(totalKb: 1, freeKb: 0, availableKb: 0, usedKb: 1), containers: containers)
    }

    @Test("records written by the enforcer, read back and replayed with the same policy, reproduce every decision of 300 cycles")
    func roundTrip() throws {
        let policy = Policy(imageClasses: ["corral/mapped": .low], highCPUPercent: 40, highMemPercent: 4)
        var random = SplitMix(state: 15)
        var lines: [String] = []
        var planned = 0
        for cycle in 1...300 {
            let plan = Planner(policy: policy).plan(Self.snapshot(&random, count: Int.random(in: 1..<14, using: &random)))
            planned += plan.decisions.count
            let stamp = "2026-12-01T10:\(String(format: "%02d:%02d", cycle / 60, cycle % 60)).000Z"
            lines += plan.decisions.map {
                Self.json(ProcessRecord(id: UUID().uuidString.lowercased(), timestamp: stamp, cycle: cycle, decision: $0, pid: 1))
            }
        }
        let log = try ProcessLog.read([try write("process.jsonl", lines)])
        #expect(log.cycles.count == 300)
        let report = Replay(policy: policy).run(log.cycles)
        #expect(report.decisions == planned)
        #expect(report.incomplete == 0)
        #expect(report.differences.isEmpty, "first: \(String(describing: report.differences.first))")
    }

    @Test("a directory is read for the spool's process.jsonl and the store's day files, day by day; a record in both counts once")
    func directories() throws {
        let decision = Decision(
            container: ContainerMetadata(id: String(repeating: "b", count: 64), name: "x", image: "i", labels: [:], createdAt: 5),
            containerClass: .low, classSource: .label, action: .keep, rank: 1, of: 1, cpuPercent: 0.25, memPercent: 0.5, vszKb: 1, rssKb: 1,
            reason: "kept")
        func record(_ stamp: String, id: String = UUID().uuidString.lowercased()) -> ProcessRecord {
            ProcessRecord(id: id, timestamp: stamp, cycle: 1, decision: decision, pid: 3)
        }
        let shared = record("2026-12-02T00:00:00.000Z")
        _ = try write("process-2026-12-02.1.jsonl", [Self.json(record("2026-12-02T09:00:00.000Z"))])
        _ = try write("process-2026-12-02.jsonl", [Self.json(shared)])
        _ = try write("process-2026-12-01.jsonl", [Self.json(record("2026-12-01T00:00:00.000Z"))])
        _ = try write("process.jsonl", [Self.json(shared)])
        _ = try write("memory-2026-12-01.jsonl", ["not a process record"])
        let log = try ProcessLog.read([directory])
        #expect(
            log.files.map { URL(fileURLWithPath: $0).lastPathComponent } == [
                "process.jsonl", "process-2026-12-01.jsonl", "process-2026-12-02.jsonl", "process-2026-12-02.1.jsonl",
            ])
        #expect(log.duplicates == 1)
        #expect(log.cycles.map(\.timestamp) == ["2026-12-01T00:00:00.000Z", "2026-12-02T00:00:00.000Z", "2026-12-02T09:00:00.000Z"])
        // Unrounded, as ranked.
        #expect(log.cycles[0].decisions[0].sample.cpuPercent == 0.25)
        #expect(log.cycles[0].decisions[0].sample.metadata.createdAt == 5)
    }

    @Test("a line that is not a record is an error naming the file, the line and the field")
    func malformed() throws {
        let good = Self.json(
            ProcessRecord(
                id: "1", timestamp: "2026-12-02T00:00:00.000Z", cycle: 1,
                decision: Decision(
                    container: ContainerMetadata(id: "a", name: "x", image: "i", labels: [:], createdAt: 0), containerClass: .high,
                    classSource: .label, action: .kill, rank: 1, of: 1, cpuPercent: 0, memPercent: 0, vszKb: 0, rssKb: 0, reason: "r"),
                pid: 0))
        let missing = good.replacingOccurrences(of: "\"rss_kb\":0,", with: "")
        let path = try write("bad.jsonl", [good, missing, good])
        #expect(throws: ProcessLog.Failure.malformed(path: path, line: 2, reason: "rss_kb is missing")) {
            try ProcessLog.read([path])
        }
        let garbage = try write("garbage.jsonl", [good, "{\"id\":"])
        #expect(throws: ProcessLog.Failure.malformed(path: garbage, line: 2, reason: "not JSON")) { try ProcessLog.read([garbage]) }
    }

    @Test("a last line cut short by a crash is skipped and said, the rest read")
    func torn() throws {
        let line = Self.json(
            ProcessRecord(
                id: "1", timestamp: "2026-12-02T00:00:00.000Z", cycle: 1,
                decision: Decision(
                    container: ContainerMetadata(id: "a", name: "x", image: "i", labels: [:], createdAt: 0), containerClass: .high,
                    classSource: .label, action: .kill, rank: 1, of: 1, cpuPercent: 0, memPercent: 0, vszKb: 0, rssKb: 0, reason: "r"),
                pid: 0))
        let path = try write("process.jsonl", [line, String(line.prefix(40))], trailingNewline: false)
        let log = try ProcessLog.read([path])
        #expect(log.cycles.count == 1)
        #expect(log.tornLines == ["\(path):2"])
    }

    @Test("a record from before replay: its class source is read from its reason, and it is counted as incomplete")
    func legacy() throws {
        let old = """
            {"id":"9","timestamp":"2026-11-30T00:00:00.000Z","cycle":4,"container_id":"ab","name":"s","image":"busybox","class":"high",\
            "pid":7,"vsz_kb":1,"rss_kb":2,"mem_percent":0.1,"cpu_percent":61.25,"action":"kill",\
            "reason":"surplus high: rank 3 of 3, outside the 2 heaviest kept; cpu 61.3%, mem 0.1%, rss 2 KiB (class by threshold)"}
            """
        let log = try ProcessLog.read([try write("old.jsonl", [old])])
        let decision = try #require(log.cycles.first?.decisions.first)
        #expect(decision.classSource == .threshold)
        #expect(decision.sample.labels[CorralLabel.class] == nil, "a threshold class is decided again, not pinned by a label")
        #expect(!decision.complete)
        #expect(Replay(policy: Policy()).run(log.cycles).incomplete == 1)
    }

    @Test("a path that does not exist is named; an empty log says where it looked")
    func missing() throws {
        #expect(throws: ProcessLog.Failure.unreadable(path: "\(directory)/nope", reason: "no such file or directory")) {
            try ProcessLog.read(["\(directory)/nope"])
        }
        #expect(throws: ProcessLog.Failure.empty(searched: [directory, "\(directory)/nope"])) {
            try ProcessLog.read([directory, "\(directory)/nope"], optional: true)
        }
    }
}
