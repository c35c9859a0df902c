import CorralCore
import CorralTestSupport
import DockerEngine
import Foundation
import Testing

extension EndToEnd {
    /// Each image behaves as its class, as the kernel accounts it in the
    /// container's cgroup.
    @Suite("Stress images")
    struct StressImageTests {
        struct Measured {
            let coresUsed: Double
            let memoryMiB: Double
        }

        /// CPU (in cores) over a two-second window and memory at its end.
        func measure(_ cgroup: ContainerCgroup) async throws -> Measured {
            let cpu0 = try cgroup.cpuNanoseconds()
            let t0 = ContinuousClock.now
            try await Task.sleep(for: .seconds(2))
            let cpu1 = try cgroup.cpuNanoseconds()
            let elapsed = ContinuousClock.now - t0
            let wallNanos = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
            return Measured(coresUsed: Double(cpu1 - cpu0) / wallNanos, memoryMiB: Double(try cgroup.memoryBytes()) / 1_048_576)
        }

        func start(_ scratch: Scratch, _ image: String) async throws -> ContainerCgroup {
            let id = try await scratch.container(image: image)
            let pid = try await poll("\(image) running") { () -> Int32? in
                let details = try await scratch.docker.inspectContainer(id)
                return details.state.running && details.state.pid > 0 ? details.state.pid : nil
            }
            return try ContainerCgroup(pid: pid)
        }

        @Test(
            "every image carries its class label and exits promptly on SIGTERM",
            arguments: ["high-cpu", "high-ram", "low-idle", "low-tick"])
        func labelAndSigterm(image: String) async throws {
            try await withScratch { scratch in
                let labels = try await scratch.docker.imageLabels("corral/\(image)")
                #expect(labels[CorralLabel.class] == String(image.prefix(while: { $0 != "-" })))
                let id = try await scratch.container(image: "corral/\(image)")
                // Running is not ready: until its handler is installed, PID 1 drops SIGTERM.
                try await waitForSignalReadiness(scratch.docker, id)
                try await scratch.docker.stopContainer(id, graceSeconds: 60)
                let state = try await scratch.docker.inspectContainer(id).state
                #expect(state.exitCode == 0, "exited on SIGTERM, not by SIGKILL after the grace: status \(state.exitCode), \(state.status)")
            }
        }

        @Test("high-cpu uses at least 80% of one core")
        func highCPU() async throws {
            try await withScratch { scratch in
                let cgroup = try await start(scratch, "corral/high-cpu")
                // These machines are shared: wait, with a deadline, for a
                // two-second window in which the workload got its core.
                var best = 0.0
                let cores = try await poll("a 2 s window with high-cpu at 80% of a core", seconds: 40, every: 0) { () -> Double? in
                    best = max(best, try await measure(cgroup).coresUsed)
                    return best >= 0.8 ? best : nil
                }
                #expect(cores >= 0.8, "used at best \(best) cores")
            }
        }

        @Test("high-ram holds at least 200 MiB")
        func highRAM() async throws {
            try await withScratch { scratch in
                let cgroup = try await start(scratch, "corral/high-ram")
                let mib = try await poll("high-ram reaching 200 MiB", seconds: 30) { () -> Double? in
                    let mib = Double(try cgroup.memoryBytes()) / 1_048_576
                    return mib >= 200 ? mib : nil
                }
                #expect(mib >= 200)
                // And holds it: still there after the allocation finished.
                let later = try await measure(cgroup)
                #expect(later.memoryMiB >= 200, "held \(later.memoryMiB) MiB")
            }
        }

        @Test("the low images stay under 2% of a core and 8 MiB", arguments: ["corral/low-idle", "corral/low-tick"])
        func low(image: String) async throws {
            try await withScratch { scratch in
                let cgroup = try await start(scratch, image)
                let measured = try await measure(cgroup)
                #expect(measured.coresUsed < 0.02, "used \(measured.coresUsed) cores")
                #expect(measured.memoryMiB < 8, "used \(measured.memoryMiB) MiB")
            }
        }

        @Test("STRESS_THREADS and STRESS_MEGABYTES size the workloads; nonsense is refused")
        func environment() async throws {
            try await withScratch { scratch in
                let id = try await scratch.container(image: "corral/high-ram", env: ["STRESS_MEGABYTES": "lots"])
                let exit = try await scratch.docker.waitContainer(id, timeout: .seconds(30))
                #expect(exit.statusCode == 2)
            }
        }
    }
}
