import BoxRuntime
import CorralTestSupport
import Foundation
import Testing

extension Boxes {
    @Suite("Restore after the host went down")
    struct RestoreTests {
        @Test("with three boxes running and one stopped, a reboot's kill -9 and restore bring back exactly the three")
        func restore() async throws {
            try await TestBoxes.using { boxes in
                var ids: [String: String] = [:]
                for name in ["alpha", "beta", "gamma", "delta"] {
                    ids[name] = try await boxes.create(name).id
                    try await boxes.host.start(name)
                }
                _ = try await boxes.shell("alpha", "echo before > /state")
                try await boxes.host.stop("delta", grace: .seconds(5))

                // As a reboot would: every box process dies at once (init first,
                // so none writes how its command ended); nothing is unmounted by
                // hand because nothing of a box is mounted on the host.
                for box in await boxes.host.list() where box.isRunning {
                    if let pid = box.record.pid { kill(pid, SIGKILL) }
                    for pid in boxes.host.cgroups.processes(of: box.id) { kill(pid, SIGKILL) }
                }
                for name in ["alpha", "beta", "gamma"] {
                    let id = try #require(ids[name])
                    _ = try await poll("box \(name)'s processes are gone", seconds: 10) {
                        boxes.host.cgroups.processes(of: id).isEmpty ? true : nil
                    }
                }
                #expect(boxes.mounts().isEmpty)
                #expect(try await poll("the loop devices detach", seconds: 10) { boxes.loopDevices().isEmpty ? true : nil })
                let down = await boxes.host.list()
                #expect(down.filter(\.isRunning).isEmpty)

                let restored = try boxes.corral(["restore"])
                #expect(restored.status == 0, "\(restored.stderr)")
                let running = await boxes.host.list().filter(\.isRunning).map(\.name).sorted()
                #expect(running == ["alpha", "beta", "gamma"])
                #expect(try await boxes.host.inspect("delta").state == "stopped")
                #expect(try await boxes.shell("alpha", "cat /state").stdout == "before\n")
                // A second restore finds nothing to do.
                #expect(try boxes.corral(["restore"]).stdout.contains("no box to restore"))
            }
        }
    }
}
