import Actuation
import Collector
import CorralCore
import Foundation
import Journal

/// The two log streams of a cycle, as the log collector stores them.
public enum CycleRecords {
    public static func make(_ report: CycleReport, at date: Date = Date()) -> (memory: [MemoryRecord], processes: [ProcessRecord]) {
        guard let snapshot = report.snapshot, let plan = report.plan else { return ([], []) }
        let stamp = Timestamp.rfc3339(date)
        let pids = Dictionary(snapshot.containers.map { ($0.id, $0.mainPid) }, uniquingKeysWith: { a, _ in a })
        let memory = [MemoryRecord(id: UUID().uuidString.lowercased(), timestamp: stamp, cycle: report.cycle, memory: snapshot.memory)]
        let processes = plan.decisions.map {
            ProcessRecord(id: UUID().uuidString.lowercased(), timestamp: stamp, cycle: report.cycle, decision: $0, pid: pids[$0.id] ?? 0)
        }
        return (memory, processes)
    }
}
