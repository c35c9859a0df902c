import CorralCore
import Testing

@testable import Probe

@Suite("Snapshots and CPU%")
struct SnapshotBuilderTests {
    @Test("CPU% is CPU time over wall time between two samples; the first sample gives the lifetime average")
    func meter() {
        var meter = CPUMeter()
        #expect(meter.percent(id: "a", cpuNs: 1_000, atNs: 10_000, lifetime: 12.5) == 12.5)
        #expect(meter.percent(id: "a", cpuNs: 501_000, atNs: 1_010_000, lifetime: 12.5) == 50)
        #expect(meter.percent(id: "a", cpuNs: 2_501_000, atNs: 2_010_000, lifetime: 0) == 200, "two cores")
        // A counter that went backwards (a process exited) falls back rather than going negative.
        #expect(meter.percent(id: "a", cpuNs: 0, atNs: 3_010_000, lifetime: 7) == 7)
        // Time that did not advance falls back too.
        #expect(meter.percent(id: "a", cpuNs: 10, atNs: 3_010_000, lifetime: 3) == 3)
    }

    @Test("the meter forgets containers that are gone")
    func retain() {
        var meter = CPUMeter()
        _ = meter.percent(id: "a", cpuNs: 1, atNs: 1, lifetime: 0)
        _ = meter.percent(id: "b", cpuNs: 1, atNs: 1, lifetime: 0)
        meter.retain(only: ["b"])
        #expect(meter.tracked == 1)
    }

    @Test("a snapshot sums each container's processes and keeps only containers Docker knows")
    func build() throws {
        let doc = try SysinfoReader.parse(try fixture("kernel-two-containers.json"))
        let a = doc.containers[0].id
        let unknownToDocker = doc.containers[1].id
        let fresh = String(repeating: "c", count: 64)
        let metadata = [
            ContainerMetadata(id: a, name: "corral-high-1", image: "corral/high-cpu", labels: ["corral.class": "high"], createdAt: 1),
            ContainerMetadata(id: fresh, name: "corral-low-2", image: "corral/low-idle", labels: [:], createdAt: 2),
        ]
        var builder = SnapshotBuilder(cgroups: nil)
        let snap = builder.build(document: doc, metadata: metadata)
        #expect(snap.containers.map(\.id) == [a, fresh])
        #expect(!snap.containers.contains { $0.id == unknownToDocker })
        let first = snap.containers[0]
        #expect(first.processCount == 2)
        #expect(first.vszKb == 9268 + 1000)
        #expect(first.rssKb == 772 + 228)
        #expect(abs(first.memPercent - 0.01) < 1e-9)
        #expect(first.cpuPercent == 150, "the first snapshot: lifetime average")
        #expect(first.cgroup == nil)
        let empty = snap.containers[1]
        #expect(empty.processCount == 0 && empty.rssKb == 0 && empty.cpuPercent == 0)
        #expect(snap.memory.totalKb == 24_684_084)
        #expect(snap.source == .kernel)

        var later = doc
        later.bootNs += 1_000_000_000
        later.containers[0].processes[0].cpuTimeNs += 250_000_000
        let second = builder.build(document: later, metadata: metadata)
        #expect(abs(second.containers[0].cpuPercent - 25) < 1e-9, "a quarter of a core over the second between them")
    }
}
