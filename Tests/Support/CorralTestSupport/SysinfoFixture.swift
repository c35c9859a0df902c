import CorralCore
import Foundation
import Probe

/// A kernel-module document written to a file, so a cycle can be run with
/// no module, no /proc of interest and no daemon: each container's one
/// process carries the figures it is to be ranked on. Written by Probe's own
/// writer, the one the procfs twin uses.
public struct SysinfoFixture {
    public struct Container {
        public let id: String
        public let cpuPercent: Double
        public let rssKb: UInt64

        public init(id: String, cpuPercent: Double = 1, rssKb: UInt64 = 1000) {
            self.id = id
            self.cpuPercent = cpuPercent
            self.rssKb = rssKb
        }
    }

    static let totalKb: UInt64 = 24_684_084

    /// Writes the document to `path`.
    public static func write(_ containers: [Container], to path: String) throws {
        let document = SysinfoDocument(
            source: .kernel, takenAtNs: 1_795_294_158_452_569_000, bootNs: 189_770_881_000,
            memory: HostMemory(totalKb: totalKb, freeKb: 16_384_176, availableKb: 23_179_776, usedKb: 1_504_308),
            containers: containers.enumerated().map { index, container in
                SysinfoDocument.Container(
                    id: container.id, cgroup: "/docker/\(container.id)",
                    processes: [
                        SysinfoDocument.Process(
                            pid: Int32(4000 + index), ppid: 1, name: "load", cmdline: "/load", vszKb: container.rssKb * 2,
                            rssKb: container.rssKb, memPercent: Percent(ratio: container.rssKb, of: totalKb),
                            cpuTimeNs: 1_000_000_000, startTimeNs: 100_000_000_000,
                            cpuPercent: Percent(hundredths: UInt64((container.cpuPercent * 100).rounded())))
                    ])
            })
        try Data(document.jsonText().utf8).write(to: URL(fileURLWithPath: path))
    }
}
