import BoxRuntime
import CorralTestSupport
import Foundation
import Testing

extension Boxes {
    @Suite("An agent on boxes")
    struct AgentOnBoxesTests {
        @Test("corral agent --runtime native serves the control plane's create and delete with boxes")
        func agentMakesBoxes() async throws {
            try await TestBoxes.using { boxes in
                // The boxes' root shares the host's image cache.
                try FileManager.default.createDirectory(atPath: boxes.root, withIntermediateDirectories: true)
                try FileManager.default.createSymbolicLink(atPath: boxes.root + "/images", withDestinationPath: TestImage.cache)
                let corral = repositoryRoot.path + "/.build/debug/corral"
                let state = boxes.root + "/control"
                let control = try launch(
                    corral,
                    [
                        "control", "--config", "/dev/null", "--state", state, "--admin-listen", "127.0.0.1:0", "--subscribe-listen",
                        "127.0.0.1:0", "--node-ttl", "10", "--heartbeat", "1",
                    ], log: boxes.root + "/control.log")
                defer { stop(control) }
                let admin = try await urlFile(state + "/admin.url")
                let subscribe = try await urlFile(state + "/subscribe.url")
                let agent = try launch(
                    corral,
                    [
                        "agent", "--config", "/dev/null", "--control", subscribe, "--token-file", state + "/agent.token", "--node-id",
                        "box-node", "--state", boxes.root + "/agent", "--runtime", "native", "--box-root", boxes.root,
                    ], log: boxes.root + "/agent.log")
                defer { stop(agent) }
                func ctl(_ arguments: [String]) throws -> CommandResult {
                    try runCommand(corral, ["ctl", "--url", admin, "--token-file", state + "/admin.token"] + arguments)
                }
                _ = try await poll("the agent registers", seconds: 30) { () -> Bool? in
                    (try? ctl(["nodes", "ls"]))?.stdout.contains("box-node") == true ? true : nil
                }
                let created = try ctl([
                    "containers", "create", "debian", "--name", "web-1", "--wait", "--", "/bin/sh", "-c", "exec sleep 600",
                ])
                #expect(created.status == 0, "\(created.stdout) \(created.stderr)")
                let box = try await poll("a box runs web-1", seconds: 30) { () -> Box? in
                    await boxes.host.list().first { $0.isRunning && $0.config.command.last == "exec sleep 600" }
                }
                #expect(box.config.labels["corral.node"] == "box-node")
                let deleted = try ctl(["containers", "rm", "web-1", "--wait"])
                #expect(deleted.status == 0, "\(deleted.stdout) \(deleted.stderr)")
                _ = try await poll("the box is removed", seconds: 30) { () -> Bool? in
                    await boxes.host.list().isEmpty ? true : nil
                }
            }
        }

        func launch(_ executable: String, _ arguments: [String], log: String) throws -> Process {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
            return process
        }

        func stop(_ process: Process) {
            guard process.isRunning else { return }
            process.terminate()
            process.waitUntilExit()
        }

        func urlFile(_ path: String) async throws -> String {
            try await poll("\(path) is written", seconds: 30) { () -> String? in
                (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
    }
}
