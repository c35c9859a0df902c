import BoxRuntime
import CorralTestSupport
import Foundation
import Testing

extension Boxes {
    @Suite("Nothing left behind")
    struct CleanupTests {
        @Test("100 create/start/stop/rm cycles leave no mount, loop device, cgroup or state directory")
        func hundredCycles() async throws {
            try await TestBoxes.using { boxes in
                var ids: [String] = []
                for cycle in 0..<100 {
                    let config = try await boxes.create("cycle-\(cycle)", limits: BoxLimits(memory: 64 << 20, pids: 64, disk: 16 << 20))
                    ids.append(config.id)
                    try await boxes.host.start(config.id)
                    try await boxes.host.stop(config.id, grace: .seconds(5))
                    try await boxes.host.remove(config.id)
                }
                let left = try await poll("nothing left after 100 cycles", seconds: 20) { () -> [String]? in
                    boxes.leftovers(ids).isEmpty ? [] : nil
                }
                #expect(left.isEmpty)
            }
        }

        @Test("kill -9 of corral box at any point leaves nothing the next call does not find and clean")
        func killedMidway() async throws {
            try await TestBoxes.using { boxes in
                var ids: [String] = []
                for round in 0..<8 {
                    let name = "crash-\(round)"
                    // A create killed midway, then a start killed midway.
                    let creating = try launchCorral(boxes, ["create", name, "--disk", "16M"])
                    try await Task.sleep(for: .milliseconds(5 + 15 * round))
                    kill(creating.processIdentifier, SIGKILL)
                    creating.waitUntilExit()
                    if (try? boxes.host.find(name)) == nil {
                        #expect(try boxes.corral(["create", name, "--disk", "16M"]).status == 0)
                    }
                    ids.append(try boxes.host.find(name).id)
                    let starting = try launchCorral(boxes, ["start", name])
                    try await Task.sleep(for: .milliseconds(10 * round))
                    kill(starting.processIdentifier, SIGKILL)
                    starting.waitUntilExit()
                    let removed = try boxes.corral(["rm", "--force", name])
                    #expect(removed.status == 0, "\(removed.stderr)")
                }
                // The next create clears what a killed create left half-made.
                #expect(try boxes.corral(["create", "last", "--disk", "16M"]).status == 0)
                ids.append(try boxes.host.find("last").id)
                #expect(try boxes.corral(["rm", "last"]).status == 0)
                let left = try await poll("nothing left after the crashes", seconds: 20) { () -> [String]? in
                    boxes.leftovers(ids).isEmpty ? [] : nil
                }
                #expect(left.isEmpty)
            }
        }

        func launchCorral(_ boxes: TestBoxes, _ arguments: [String]) throws -> Process {
            let process = Process()
            process.executableURL = repositoryRoot.appendingPathComponent(".build/debug/corral")
            process.arguments = ["box"] + arguments
            process.environment = ProcessInfo.processInfo.environment.merging([
                "CORRAL_BOX_ROOT": boxes.root, "CORRAL_BOX_IMAGES": TestImage.cache,
            ]) { $1 }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
    }
}
