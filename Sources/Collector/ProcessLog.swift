import CorralCore
import Foundation

/// The enforcer's process log read back, for `corral replay`: the spool's
/// `process.jsonl` and the collector's `process-DAY[.N].jsonl` files, each a
/// JSON Lines file of ``ProcessRecord``, grouped into the cycles they record.
/// A record found twice (delivered to the collector and still in the spool)
/// counts once, by its id.
public struct ProcessLog: Sendable, Equatable {
    /// Oldest first (by timestamp, then cycle number).
    public var cycles: [RecordedCycle]
    /// The files read, in the order read.
    public var files: [String]
    /// Records seen a second time, by id, and not counted again.
    public var duplicates: Int
    /// Last lines without a newline that did not parse (a write cut short by
    /// a crash), as `path:line`; skipped, not an error.
    public var tornLines: [String]

    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case unreadable(path: String, reason: String)
        /// A line that is not a process record; `line` counts from 1.
        case malformed(path: String, line: Int, reason: String)
        case empty(searched: [String])

        public var description: String {
            switch self {
            case .unreadable(let path, let reason): return "cannot read \(path): \(reason)"
            case .malformed(let path, let line, let reason): return "\(path):\(line): not a process record: \(reason)"
            case .empty(let searched):
                return
                    "no process records in \(searched.joined(separator: ", ")) (the enforcer spools process.jsonl; the collector stores process-DAY.jsonl)"
            }
        }
    }

    /// Reads `paths`: a file is read as it is; a directory for its
    /// `process.jsonl` and `process-*.jsonl`. `optional` paths (the
    /// defaults) may be missing; a named one may not.
    public static func read(_ paths: [String], optional: Bool = false) throws -> ProcessLog {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                if optional { continue }
                throw Failure.unreadable(path: path, reason: "no such file or directory")
            }
            if isDirectory.boolValue {
                files += try logFiles(in: path)
            } else {
                files.append(path)
            }
        }
        var log = ProcessLog(cycles: [], files: files, duplicates: 0, tornLines: [])
        var seen = Set<String>()
        var byCycle: [CycleKey: [RecordedDecision]] = [:]
        for file in files {
            for record in try records(in: file, torn: &log.tornLines) {
                guard seen.insert(record.id).inserted else {
                    log.duplicates += 1
                    continue
                }
                byCycle[CycleKey(timestamp: record.timestamp, cycle: record.cycle), default: []].append(record.recorded)
            }
        }
        guard !byCycle.isEmpty else { throw Failure.empty(searched: paths) }
        log.cycles = byCycle.sorted { $0.key < $1.key }.map {
            RecordedCycle(timestamp: $0.key.timestamp, cycle: $0.key.cycle, decisions: $0.value)
        }
        return log
    }

    /// A spool's `process.jsonl`, then a store's day files in day order.
    static func logFiles(in directory: String) throws -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw Failure.unreadable(path: directory, reason: "\(error.localizedDescription)")
        }
        let days = names.compactMap(DayFile.init).sorted().map(\.name)
        return (names.contains("process.jsonl") ? ["process.jsonl"] : []).map { "\(directory)/\($0)" } + days.map { "\(directory)/\($0)" }
    }

    /// Every record of one file. Decoded as one array first (fast); when
    /// that fails, line by line, to name the line.
    static func records(in path: String, torn: inout [String]) throws -> [ProcessRecord] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw Failure.unreadable(path: path, reason: "\(error.localizedDescription)")
        }
        var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        let endsWithNewline = data.last == UInt8(ascii: "\n") || data.isEmpty
        if lines.last?.isEmpty == true { lines.removeLast() }
        let decoder = JSONDecoder()
        var array = Data("[".utf8)
        for line in lines where !line.isEmpty {
            if array.count > 1 { array.append(UInt8(ascii: ",")) }
            array.append(contentsOf: line)
        }
        array.append(UInt8(ascii: "]"))
        if let all = try? decoder.decode([ProcessRecord].self, from: array) { return all }
        var records: [ProcessRecord] = []
        for (i, line) in lines.enumerated() where !line.trimmed.isEmpty {
            do {
                records.append(try decoder.decode(ProcessRecord.self, from: Data(line)))
            } catch {
                if i == lines.count - 1 && !endsWithNewline {
                    torn.append("\(path):\(i + 1)")
                    continue
                }
                throw Failure.malformed(path: path, line: i + 1, reason: Self.describe(error))
            }
        }
        return records
    }

    /// A decoding error in a few words, naming the field.
    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "\(key.stringValue) is missing"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        case DecodingError.dataCorrupted(let context):
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            return field.isEmpty ? "not JSON" : "\(field): \(context.debugDescription)"
        default: return "\(error)"
        }
    }

    struct CycleKey: Hashable, Comparable {
        var timestamp: String
        var cycle: Int
        static func < (a: CycleKey, b: CycleKey) -> Bool {
            a.timestamp != b.timestamp ? a.timestamp < b.timestamp : a.cycle < b.cycle
        }
    }

    /// `process-2026-11-21.jsonl` or `process-2026-11-21.3.jsonl`, ordered by day, then number.
    struct DayFile: Comparable {
        var name: String
        var day: String
        var number: Int

        init?(_ name: String) {
            guard name.hasPrefix("process-"), name.hasSuffix(".jsonl") else { return nil }
            let middle = name.dropFirst("process-".count).dropLast(".jsonl".count).split(separator: ".")
            guard middle.count <= 2, let day = middle.first, day.count == 10 else { return nil }
            let number = middle.count == 2 ? Int(middle[1]) : 0
            guard let number else { return nil }
            self.name = name
            self.day = String(day)
            self.number = number
        }

        static func < (a: DayFile, b: DayFile) -> Bool {
            a.day != b.day ? a.day < b.day : a.number < b.number
        }
    }
}

extension ProcessRecord {
    /// The record as replay needs it. A record from before `class_source`
    /// was recorded has its source read from its reason's words
    /// ("(class by image)"); one without `created_at` ties on id alone.
    public var recorded: RecordedDecision {
        let source = classSource ?? ClassSource.allCases.first { reason.contains("(class by \($0.rawValue))") } ?? .label
        var labels = [CorralLabel.managed: CorralLabel.trueValue]
        if source == .label { labels[CorralLabel.class] = containerClass.rawValue }
        let metadata = ContainerMetadata(id: containerID, name: name, image: image, labels: labels, createdAt: createdAt ?? 0)
        let sample = ContainerSample(
            metadata: metadata, processCount: 1, mainPid: pid, cpuPercent: cpuPercent, memPercent: memPercent, vszKb: vszKb, rssKb: rssKb,
            cgroup: nil)
        return RecordedDecision(
            sample: sample, containerClass: containerClass, classSource: source, action: action,
            complete: createdAt != nil && classSource != nil)
    }
}

extension Data.SubSequence {
    fileprivate var trimmed: Data.SubSequence {
        var s = self
        while let f = s.first, f == 0x20 || f == 0x09 || f == 0x0D { s = s.dropFirst() }
        while let l = s.last, l == 0x20 || l == 0x09 || l == 0x0D { s = s.dropLast() }
        return s
    }
}
