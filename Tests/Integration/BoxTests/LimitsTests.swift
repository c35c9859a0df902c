import BoxRuntime
import CorralTestSupport
import Foundation
import Testing

extension Boxes {
    @Suite("Limits: memory, disk, processes, CPU")
    struct LimitsTests {
        @Test("a box that allocates past its memory limit is OOM-killed, and ls says so")
        func memory() async throws {
            try await TestBoxes.using { boxes in
                // The shell holds all 300 MB of the substitution in its own memory.
                _ = try await boxes.create(
                    "hungry", ["/bin/sh", "-c", "x=$(head -c 300000000 /dev/zero | tr '\\000' a); echo survived"],
                    limits: BoxLimits(memory: 64 << 20, disk: 64 << 20))
                try await boxes.host.start("hungry")
                let ended = try await boxes.host.wait("hungry")
                #expect(ended.record.oomKilled)
                #expect(ended.record.exitCode == 137)
                let listed = try boxes.corral(["ls"])
                #expect(listed.stdout.contains("exited (137, oom-killed)"), "\(listed.stdout)")
                #expect(!(try String(contentsOfFile: boxes.host.logPath("hungry"), encoding: .utf8)).contains("survived"))
            }
        }

        @Test("writes past --disk fail with ENOSPC, and the host's disk is untouched")
        func disk() async throws {
            try await TestBoxes.using { boxes in
                let config = try await boxes.create("small", limits: BoxLimits(disk: 16 << 20))
                try await boxes.host.start("small")
                let fill = try await boxes.shell("small", "dd if=/dev/zero of=/fill bs=1M count=64 2>&1; echo status=$?")
                #expect(fill.stdout.contains("No space left on device"), "\(fill.stdout)")
                #expect(fill.stdout.contains("status=1"))
                // All the box wrote is inside its 16 MiB disk file.
                var info = stat()
                #expect(stat(boxes.host.paths.box(config.id).disk, &info) == 0)
                #expect(Int64(info.st_blocks) * 512 <= 17 << 20)
                // The box still works once full: a delete frees the space.
                #expect(try await boxes.shell("small", "rm /fill && echo ok > /after && cat /after").stdout == "ok\n")
            }
        }

        @Test("--pids stops a fork bomb")
        func pids() async throws {
            try await TestBoxes.using { boxes in
                let config = try await boxes.create(
                    "bomb", ["/bin/sh", "-c", "b() { b | b & }; b; sleep 600"], limits: BoxLimits(pids: 24, disk: 64 << 20))
                try await boxes.host.start("bomb")
                let pidsDirectory = "/sys/fs/cgroup/pids" + BoxCgroups.path(of: config.id)
                let unified = boxes.host.cgroups.version == .v2
                let directory = unified ? boxes.host.cgroups.root + BoxCgroups.path(of: config.id) : pidsDirectory
                let refused = try await poll("the pids limit refuses forks", seconds: 30) { () -> Int? in
                    let events = (try? String(contentsOfFile: directory + "/pids.events", encoding: .utf8)) ?? ""
                    let count = events.split(separator: "\n").first { $0.hasPrefix("max ") }.flatMap { Int($0.dropFirst(4)) } ?? 0
                    return count > 0 ? count : nil
                }
                #expect(refused > 0)
                let current =
                    Int(
                        (try String(contentsOfFile: directory + "/pids.current", encoding: .utf8)).trimmingCharacters(
                            in: .whitespacesAndNewlines)) ?? 0
                #expect(current <= 24)
                // The host is fine and the box still goes away whole.
                let stopped = try await boxes.host.stop("bomb", grace: .zero)
                #expect(stopped.state.hasPrefix("stopped"))
                #expect(boxes.host.cgroups.processes(of: config.id).isEmpty)
            }
        }

        @Test("a CPU quota of 0.5 holds a busy loop near half a core")
        func cpu() async throws {
            try await TestBoxes.using { boxes in
                let config = try await boxes.create(
                    "busy", ["/bin/sh", "-c", "while :; do :; done"], limits: BoxLimits(cpus: 0.5, disk: 64 << 20))
                try await boxes.host.start("busy")
                let cgroups = boxes.host.cgroups
                let startUsage = try #require(cgroups.cpuUsage(of: config.id))
                let startTime = ContinuousClock.now
                try await Task.sleep(for: .seconds(3))
                let usage = try #require(cgroups.cpuUsage(of: config.id)) - startUsage
                let elapsed = ContinuousClock.now - startTime
                let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                let cores = Double(usage) / 1e9 / wall
                // Never above the quota (plus one period's slack); well above nothing.
                #expect(cores <= 0.6, "the busy loop used \(cores) cores")
                #expect(cores >= 0.1, "the busy loop used \(cores) cores")
            }
        }
    }
}
