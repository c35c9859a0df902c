import CorralCore
import CorralTestSupport
import DockerEngine
import Foundation
import Testing

@testable import Probe

/// The probes against this machine's real /proc, cgroups and containers.
@Suite("Probes on the real host")
struct ProbeOnRealHostTests {
    func runningPid(_ scratch: Scratch, _ id: String) async throws -> Int32 {
        try await poll("container \(id.prefix(12)) running") { () -> Int32? in
            let state = try await scratch.docker.inspectContainer(id).state
            return state.running && state.pid > 0 ? state.pid : nil
        }
    }

    @Test("the procfs twin finds each container by its cgroup, with its workload's pid and memory")
    func procfsFindsContainers() async throws {
        try await withScratch { scratch in
            let ram = try await scratch.container(image: "corral/high-ram", env: ["STRESS_MEGABYTES": "48"])
            let idle = try await scratch.container(image: "corral/low-idle")
            let ramPid = try await runningPid(scratch, ram)
            let idlePid = try await runningPid(scratch, idle)

            // Docker reports a container running while runc's init may still be
            // exec'ing the workload: wait for the workloads themselves.
            let doc = try await poll("high-ram resident and low-idle running in the document") { () -> SysinfoDocument? in
                let doc = try ProcfsProbe().document()
                let rss = doc.containers.first { $0.id == ram }?.processes.first?.rssKb ?? 0
                let idleName = doc.containers.first { $0.id == idle }?.processes.first?.name
                return rss >= 48 * 1024 && idleName == "low-idle" ? doc : nil
            }
            let ramEntry = try #require(doc.containers.first { $0.id == ram })
            #expect(ramEntry.processes.map(\.pid) == [ramPid])
            #expect(ramEntry.processes[0].name == "high-ram")
            #expect(ramEntry.processes[0].cmdline == "/high-ram")
            #expect(ramEntry.cgroup.hasSuffix(ram.prefix(64)))
            let idleEntry = try #require(doc.containers.first { $0.id == idle })
            #expect(idleEntry.processes.map(\.pid) == [idlePid])
            #expect(idleEntry.processes[0].rssKb < 8 * 1024)
            // The test's own process is in no container.
            #expect(!doc.containers.contains { $0.processes.contains { $0.pid == getpid() } })
            #expect(doc.memory.totalKb > 0 && doc.memory.usedKb == doc.memory.totalKb - doc.memory.availableKb)
        }
    }

    @Test("the procfs twin's document validates against the JSON Schema")
    func validatesAgainstSchema() async throws {
        try await withScratch { scratch in
            _ = try await scratch.container(image: "corral/low-tick")
            let text = try ProcfsProbe().document().jsonText()
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("sysinfo-\(UUID().uuidString).json").path
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            defer { try? FileManager.default.removeItem(atPath: path) }
            let schema = repositoryRoot.appendingPathComponent("schemas/corral.sysinfo.v1.schema.json").path
            let check = try runCommand(
                "/usr/bin/python3",
                [
                    "-c",
                    "import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))); print('valid')",
                    path, schema,
                ])
            #expect(check.status == 0, "\(check.stderr)")
            #expect(check.stdout.contains("valid"))
        }
    }

    @Test("the twin lists the same processes from the containers' cgroups as from every process's /proc/<pid>/cgroup")
    func cgroupListingAgreesWithScan() async throws {
        try await withScratch { scratch in
            let ids = [
                try await scratch.container(image: "corral/low-idle"),
                try await scratch.container(image: "corral/high-cpu", env: ["STRESS_THREADS": "2"]),
            ]
            for id in ids { _ = try await runningPid(scratch, id) }
            func listing(_ probe: ProcfsProbe) throws -> [String: [Int32]] {
                let doc = try probe.document()
                return Dictionary(
                    uniqueKeysWithValues: doc.containers.filter { ids.contains($0.id) }.map { ($0.id, $0.processes.map(\.pid)) })
            }
            // Two reads a moment apart can see a process come or go: agree on
            // one pair of reads within the deadline.
            let agreed = try await poll("the two listings to agree", seconds: 20) { () -> [String: [Int32]]? in
                let byCgroup = try listing(ProcfsProbe())
                let byScan = try listing(ProcfsProbe(cgroupRoot: nil))
                return byCgroup == byScan && byCgroup.count == ids.count ? byCgroup : nil
            }
            #expect(agreed.values.allSatisfy { !$0.isEmpty })
        }
    }

    @Test("cgroup statistics report a container's limits, usage, throttling and tasks")
    func cgroupStats() async throws {
        try await withScratch { scratch in
            let id = try await scratch.docker.createContainer(
                ContainerSpec(
                    image: "corral/high-cpu", labels: [Scratch.runLabel: scratch.run], env: ["STRESS_THREADS": "2"], networkMode: "none",
                    memoryBytes: 64 << 20, nanoCPUs: 200_000_000))
            try await scratch.docker.startContainer(id)
            _ = try await runningPid(scratch, id)
            let entry = try await poll("the container in the document") { try ProcfsProbe().document().containers.first { $0.id == id } }
            let stats = CgroupStats()
            // The workload starts its second burner thread a moment after the
            // container starts: wait for both, as for any count that settles.
            let first = try await poll("two burner threads in the cgroup", seconds: 20) { () -> CgroupUsage? in
                let now = try stats.figures(cgroup: entry.cgroup)
                return now.pids == 2 ? now : nil
            }
            #expect(first.memoryLimitBytes == 64 << 20)
            #expect(first.memoryUsageBytes > 0)
            // The kernel counts a throttled period when it starts and adds its
            // time when it ends (cpu.stat's nr_throttled, then throttled_time):
            // wait until both show, as they must under a 0.2-core quota.
            let throttled = try await poll("CPU throttling under a 0.2-core quota", seconds: 20) { () -> CgroupUsage? in
                let now = try stats.figures(cgroup: entry.cgroup)
                return now.throttledPeriods > 0 && now.throttledNs > 0 && now.cpuUsageNs > first.cpuUsageNs ? now : nil
            }
            #expect(throttled.throttledPeriods > 0 && throttled.throttledNs > 0)
            // Read through kept descriptors, as the enforcer reads them: the same figures.
            let kept = CgroupStats(openFiles: OpenProcFiles())
            let before = try stats.cpuUsageNs(cgroup: entry.cgroup)
            let keptFigures = try kept.figures(cgroup: entry.cgroup)
            let keptCPU = try kept.cpuUsageNs(cgroup: entry.cgroup)
            let after = try stats.cpuUsageNs(cgroup: entry.cgroup)
            #expect(keptFigures.memoryLimitBytes == 64 << 20 && keptFigures.pids == 2)
            #expect(before <= keptFigures.cpuUsageNs && keptFigures.cpuUsageNs <= keptCPU && keptCPU <= after)
        }
    }

    @Test("a container with no limit reports none; a cgroup that does not exist is notFound")
    func noLimitAndMissing() async throws {
        try await withScratch { scratch in
            let id = try await scratch.container(image: "corral/low-idle")
            _ = try await runningPid(scratch, id)
            let entry = try await poll("the container in the document") { try ProcfsProbe().document().containers.first { $0.id == id } }
            #expect(try CgroupStats().figures(cgroup: entry.cgroup).memoryLimitBytes == nil)
            #expect(try CgroupStats(openFiles: OpenProcFiles()).figures(cgroup: entry.cgroup).memoryLimitBytes == nil)
            let gone = "/docker/" + String(repeating: "0", count: 64)
            #expect(throws: CgroupError.notFound(cgroup: gone)) { try CgroupStats().figures(cgroup: gone) }
        }
    }

    @Test("a snapshot of real containers carries their labels, and the second snapshot's CPU% is instantaneous")
    func snapshot() async throws {
        try await withScratch { scratch in
            let busy = try await scratch.container(
                image: "corral/high-cpu", labels: [CorralLabel.class: "high"], env: ["STRESS_THREADS": "1"])
            let idle = try await scratch.container(image: "corral/low-idle", labels: [CorralLabel.class: "low"])
            _ = try await runningPid(scratch, busy)
            _ = try await runningPid(scratch, idle)
            let metadata = try await scratch.listed(all: false).map {
                ContainerMetadata(id: $0.id, name: $0.name, image: $0.image, labels: $0.labels, createdAt: Double($0.created))
            }
            var builder = SnapshotBuilder()
            _ = builder.build(document: try ProcfsProbe().document(), metadata: metadata)
            let second = try await poll("a second snapshot with the burner busy", seconds: 20) { () -> Snapshot? in
                try await Task.sleep(for: .milliseconds(500))
                let snap = builder.build(document: try ProcfsProbe().document(), metadata: metadata)
                let cpu = snap.containers.first { $0.id == busy }?.cpuPercent ?? 0
                return cpu > 50 ? snap : nil
            }
            let burner = try #require(second.containers.first { $0.id == busy })
            let sleeper = try #require(second.containers.first { $0.id == idle })
            #expect(burner.labels[CorralLabel.class] == "high")
            #expect(burner.cgroup?.cpuUsageNs ?? 0 > 0)
            #expect(sleeper.cpuPercent < 5)
            #expect(second.source == .procfs)
        }
    }
}
