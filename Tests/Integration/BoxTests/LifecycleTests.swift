import BoxRuntime
import CorralTestSupport
import Foundation
import Testing

extension Boxes {
    @Suite("A box's life: create, start, exec, stop, start, rm")
    struct LifecycleTests {
        @Test("a file written inside survives stop and start; rm destroys the disk")
        func lifecycle() async throws {
            try await TestBoxes.using { boxes in
                let config = try await boxes.create("life")
                let directory = boxes.host.paths.box(config.id)
                #expect(FileManager.default.fileExists(atPath: directory.disk))
                #expect(try await boxes.host.inspect("life").state == "created")

                let started = try await boxes.host.start("life")
                #expect(started.isRunning)
                let wrote = try await boxes.shell("life", "echo kept > /data.txt && cat /data.txt")
                #expect(wrote.status == 0, "\(wrote.stderr)")
                #expect(wrote.stdout == "kept\n")

                let stopped = try await boxes.host.stop("life", grace: .seconds(5))
                #expect(stopped.state == "stopped")
                #expect(boxes.mounts().isEmpty)
                #expect(try await poll("the loop device detaches", seconds: 10) { boxes.loopDevices().isEmpty ? true : nil })

                try await boxes.host.start("life")
                let read = try await boxes.shell("life", "cat /data.txt")
                #expect(read.stdout == "kept\n", "\(read.stderr)")

                // A running box is refused without --force.
                await #expect(throws: BoxError.self) { try await boxes.host.remove("life") }
                try await boxes.host.remove("life", force: true)
                #expect(!FileManager.default.fileExists(atPath: directory.disk))
                #expect(!FileManager.default.fileExists(atPath: directory.path))
                #expect(try await poll("nothing left", seconds: 10) { boxes.leftovers([config.id]).isEmpty ? true : nil })
            }
        }

        @Test("stop delivers SIGTERM to the command, which may exit in its own way")
        func gracefulStop() async throws {
            try await TestBoxes.using { boxes in
                _ = try await boxes.create(
                    "graceful", ["/bin/sh", "-c", "trap 'echo bye; exit 3' TERM; echo up; while :; do sleep 1 & wait $!; done"])
                try await boxes.host.start("graceful")
                let logs = try boxes.host.logPath("graceful")
                _ = try await poll("the command's trap is set", seconds: 20) {
                    (try? String(contentsOfFile: logs, encoding: .utf8))?.contains("up") == true ? true : nil
                }
                let stopped = try await boxes.host.stop("graceful", grace: .seconds(10))
                #expect(stopped.record.exitCode == 3)
                #expect(try String(contentsOfFile: logs, encoding: .utf8).contains("bye"))
            }
        }

        @Test("a box whose command ends shows exited with its status")
        func exitedStatus() async throws {
            try await TestBoxes.using { boxes in
                _ = try await boxes.create("short", ["/bin/sh", "-c", "echo done; exit 7"])
                try await boxes.host.start("short")
                let ended = try await boxes.host.wait("short")
                #expect(ended.state == "exited (7)")
                #expect(!ended.record.wantsRunning)
                let listed = try boxes.corral(["ls", "--json"])
                #expect(listed.status == 0, "\(listed.stderr)")
                let rows = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
                #expect(rows.count == 1)
                #expect(rows.first?["name"] as? String == "short")
                #expect(rows.first?["state"] as? String == "exited")
                #expect(rows.first?["image"] as? String == "debian")
                #expect(rows.first?["exitCode"] as? Int == 7)
            }
        }

        @Test("the command line: create, start, exec, logs, stop, rm, and errors that name the box")
        func commandLine() async throws {
            try await TestBoxes.using { boxes in
                let created = try boxes.corral([
                    "create", "cli", "--image", "debian", "--memory", "64M", "--disk", "32M", "--", "/bin/sh", "-c",
                    "echo hello from the box; exec sleep 600",
                ])
                #expect(created.status == 0, "\(created.stderr)")
                #expect(created.stdout.trimmingCharacters(in: .whitespacesAndNewlines).count == 64)
                #expect(try boxes.corral(["start", "cli"]).status == 0)
                let exec = try boxes.corral(["exec", "cli", "--", "hostname"])
                #expect(exec.stdout == "cli\n", "\(exec.stderr)")
                let missing = try boxes.corral(["exec", "cli", "--", "/no/such/program"])
                #expect(missing.status == 127)
                _ = try await poll("the log holds the greeting", seconds: 10) {
                    (try? boxes.corral(["logs", "cli"]))?.stdout.contains("hello from the box") == true ? true : nil
                }
                let table = try boxes.corral(["ls"])
                #expect(table.stdout.contains("cli") && table.stdout.contains("running") && table.stdout.contains("mem 64M"))
                #expect(try boxes.corral(["stop", "--time", "1", "cli"]).status == 0)
                #expect(try boxes.corral(["rm", "cli"]).status == 0)
                let gone = try boxes.corral(["start", "cli"])
                #expect(gone.status == 1)
                #expect(gone.stderr.contains("no such box: cli"))
                let badSize = try boxes.corral(["create", "bad", "--memory", "lots"])
                #expect(badSize.status == 1)
                #expect(badSize.stderr.contains("--memory: 'lots' is not a size"))
                let images = try runCommand(".build/debug/corral", ["box", "image", "ls", "--json", "--images", TestImage.cache])
                let rows = try #require(try JSONSerialization.jsonObject(with: Data(images.stdout.utf8)) as? [[String: Any]])
                #expect(rows.contains { $0["name"] as? String == "debian" })
            }
        }
    }
}
