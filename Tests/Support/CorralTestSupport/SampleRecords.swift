import Collector
import CorralCore
import Foundation

/// `count` memory records of one cycle, each with its own id.
public func sampleMemoryRecords(cycle: Int, count: Int) -> [MemoryRecord] {
    (0..<count).map { _ in
        MemoryRecord(
            id: UUID().uuidString.lowercased(), timestamp: "2026-11-21T21:07:15.123Z", cycle: cycle,
            memory: HostMemory(totalKb: 1000, freeKb: 400, availableKb: 500, usedKb: 500))
    }
}
