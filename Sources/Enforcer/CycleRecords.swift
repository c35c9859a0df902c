import CorralCore
import Foundation

/// The two log streams of a cycle, as the log collector stores them.
public enum CycleRecords {
    public static func make(_ report: CycleReport, at date: Date = Date()) -> (memory: [MemoryRecord], processes: [ProcessRecord]) {
        guard let snapshot = report.snapshot, let plan = report.plan else { return ([], []) }
        let stamp = timestamp(date)
        let pids = Dictionary(snapshot.containers.map { ($0.id, $0.mainPid) }, uniquingKeysWith: { a, _ in a })
        let memory = [MemoryRecord(id: UUID().uuidString.lowercased(), timestamp: stamp, cycle: report.cycle, memory: snapshot.memory)]
        let processes = plan.decisions.map {
            ProcessRecord(id: UUID().uuidString.lowercased(), timestamp: stamp, cycle: report.cycle, decision: $0, pid: pids[$0.id] ?? 0)
        }
        return (memory, processes)
    }

    /// RFC 3339, UTC, milliseconds: `2026-11-21T21:07:15.123Z`.
    public static func timestamp(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let seconds = millis / 1000
        var days = seconds / 86_400
        var rest = seconds % 86_400
        if rest < 0 {
            rest += 86_400
            days -= 1
        }
        // Days since 1970-01-01 to a civil date (the inverse of days-from-civil).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let ms = millis % 1000
        let msText = ms < 10 ? "00\(ms)" : ms < 100 ? "0\(ms)" : "\(ms)"
        return "\(year)-\(two(month))-\(two(day))T\(two(rest / 3600)):\(two(rest % 3600 / 60)):\(two(rest % 60)).\(msText)Z"
    }
}
