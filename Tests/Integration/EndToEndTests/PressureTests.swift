import ContainerRuntime
import CorralCore
import CorralTestSupport
import Foundation
import Probe
import Testing

/// Memory pressure on the real host: bursts and thrash from the high-ram
/// image, floors set under what this host has available now. On these VMs up
/// to 1 GiB of freed memory waits to be reported to the hypervisor before
/// MemAvailable shows it, so every burst outgrows its floor by more than that.
extension EndToEnd.EnforceCommandTests {
    /// A floor `below` MiB under what is available now, as the flag spells it.
    func floor(below: UInt64) throws -> String {
        "\(try MemInfo.read().availableKb / 1024 - below)MiB"
    }

    /// The kills and pressure cycles one enforcer journalled.
    func journalled(_ event: String, _ pid: Int32, since: Date) async throws -> [[String: String]] {
        try await journalEntries(["CORRAL_EVENT=\(event)", "_PID=\(pid)"], since: since)
    }

    @Test(
        "a high-ram burst past the floor wakes a cycle at once, not at the tick, and removes the heaviest container, and only it")
    func pressureBurst() async throws {
        try await withScratch { scratch in
            let small = try await managed(scratch, .high, image: "corral/high-ram", env: ["STRESS_MEGABYTES": "16"])
            let launched = Date()
            // A five-minute tick: only pressure can start a second cycle within the test.
            let process = try launch([
                "enforce", "--selector", "\(Scratch.runLabel)=\(scratch.run)", "--interval", "300", "--spool", spoolDirectory(scratch),
                "--config", try testConfig(), "--high", "2", "--low", "0", "--no-scale-up", "--pressure-policy", "kept",
                "--memory-floor", try floor(below: 1024),
            ])
            defer { if process.isRunning { kill(process.processIdentifier, SIGTERM) } }
            let pid = process.processIdentifier
            _ = try await awaitJournal(["CORRAL_EVENT=cycle", "_PID=\(pid)"], count: 1, seconds: 60, since: launched)

            let burst = try await managed(scratch, .high, image: "corral/high-ram", env: ["STRESS_MEGABYTES": "2560"])
            let killed = try await awaitJournal(["CORRAL_EVENT=kill", "_PID=\(pid)"], count: 1, seconds: 60, since: launched)
            #expect(killed.first?["CONTAINER_ID_FULL"] == burst, "the heaviest: \(killed.first?["CONTAINER_NAME"] ?? "")")
            #expect(killed.first?["CORRAL_REASON"]?.hasPrefix("memory pressure: MemAvailable") == true, "\(killed.first ?? [:])")
            #expect(["cgroup.procs", "cgroup.kill"].contains(killed.first?["CORRAL_KILL_VIA"] ?? ""), "memory freed through the cgroup")

            let pressure = try #require(try await journalled("pressure", pid, since: launched).first)
            #expect(pressure["CORRAL_PRESSURE_TRIGGER"] == "floor")
            let available = try #require(UInt64(pressure["CORRAL_MEM_AVAILABLE_KB"] ?? ""))
            let floorKb = try #require(UInt64(pressure["CORRAL_MEM_FLOOR_KB"] ?? ""))
            #expect(available < floorKb)
            #expect(pressure["CORRAL_CYCLE"] == "2", "the cycle after the first, woken by the burst, not by a tick 300 s on")
            #expect(Double(pressure["CORRAL_WAKE_MS"] ?? "") ?? .infinity < 1000)

            kill(pid, SIGTERM)
            _ = try await poll("corral enforce to exit", seconds: 60) { process.isRunning ? nil : true }
            #expect(process.terminationStatus == 0)
            let kills = try await journalled("kill", pid, since: launched)
            #expect(kills.map { $0["CONTAINER_ID_FULL"] } == [burst], "one removal was enough to get back over the floor")
            #expect(try await scratch.docker.inspectContainer(small).state.running, "the light one stays")
        }
    }

    @Test(
        "a container that allocates and frees in a loop costs no more than the floor requires: nothing kept goes by default, and with pressure_policy kept at most the thrasher",
        arguments: ["surplus", "kept"])
    func pressureThrash(policy: String) async throws {
        try await withScratch { scratch in
            let small = try await managed(scratch, .high, image: "corral/high-ram", env: ["STRESS_MEGABYTES": "16"])
            let thrasher = try await managed(
                scratch, .high, image: "corral/high-ram", env: ["STRESS_MEGABYTES": "3072", "STRESS_THRASH_MS": "500"])
            let launched = Date()
            let process = try launch([
                "enforce", "--selector", "\(Scratch.runLabel)=\(scratch.run)", "--interval", "300", "--spool", spoolDirectory(scratch),
                "--config", try testConfig(), "--high", "2", "--low", "0", "--no-scale-up", "--pressure-policy", policy,
                "--memory-floor", try floor(below: 1536),
            ])
            defer { if process.isRunning { kill(process.processIdentifier, SIGTERM) } }
            let pid = process.processIdentifier
            // Pressure cycles through several of its loops (at most four a second), or (with kept) the thrasher gone.
            _ = try await poll("pressure cycles while it thrashes", seconds: 90) { () -> Bool? in
                let cycles = try await journalled("pressure", pid, since: launched).count
                let kills = try await journalled("kill", pid, since: launched).count
                return cycles >= 8 || (kills > 0 && cycles >= 1) ? true : nil
            }
            kill(pid, SIGTERM)
            _ = try await poll("corral enforce to exit", seconds: 60) { process.isRunning ? nil : true }
            #expect(process.terminationStatus == 0)

            let kills = try await journalled("kill", pid, since: launched).compactMap { $0["CONTAINER_ID_FULL"] }
            #expect(try await scratch.docker.inspectContainer(small).state.running, "the light one is never taken")
            if policy == "surplus" {
                #expect(kills.isEmpty, "both are kept: the default policy removes no kept container")
                #expect(try await scratch.docker.inspectContainer(thrasher).state.running)
            } else {
                #expect(kills.count <= 1 && kills.allSatisfy { $0 == thrasher }, "at most the thrasher, once: \(kills)")
            }
        }
    }
}
