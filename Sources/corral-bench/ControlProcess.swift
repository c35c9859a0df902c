import ControlClient
import Foundation

/// One `corral control` of the bench's own, on loopback, in a temporary
/// state directory removed by `stop()`.
final class ControlProcess {
    let process = Process()
    let directory: String
    private(set) var admin: ControlClient?
    private(set) var subscribeURL = ""

    /// Starts it and waits until both its processes listen.
    init(corral: String, ttl: Double = 5, heartbeat: Double = 1, store: String? = nil) async throws {
        directory =
            FileManager.default.temporaryDirectory.appendingPathComponent("corral-bench-control-\(UUID().uuidString.prefix(8))").path
        process.executableURL = URL(fileURLWithPath: corral)
        process.arguments =
            [
                "control", "--config", "/dev/null", "--state", directory, "--admin-listen", "127.0.0.1:0", "--subscribe-listen",
                "127.0.0.1:0", "--queue-limit", "1000000", "--node-ttl", "\(ttl)", "--heartbeat", "\(heartbeat)",
            ] + (store.map { ["--store", $0] } ?? [])
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: directory + "/subscribe.url")
            || !FileManager.default.fileExists(atPath: directory + "/admin.url")
        {
            guard Date() < deadline, process.isRunning else {
                stop()
                throw BenchError("corral control did not start")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        admin = ControlClient(baseURL: try read("admin.url"), token: try read("admin.token"))
        subscribeURL = try read("subscribe.url")
    }

    func read(_ name: String) throws -> String {
        try String(contentsOfFile: directory + "/" + name, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The admin client (there is one once init returned).
    func client() throws -> ControlClient {
        guard let admin else { throw BenchError("corral control at \(directory) is not running") }
        return admin
    }

    /// The pids of its admin and subscribe processes.
    func children() -> [Int32] {
        let pid = process.processIdentifier
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.compactMap { try? String(contentsOfFile: "/proc/\(pid)/task/\($0)/children", encoding: .utf8) }
            .joined(separator: " ").split(separator: " ").compactMap { Int32($0) }
    }

    /// kill -9 of it and its two processes, as a crash of its host.
    func crash() {
        let children = children()
        kill(process.processIdentifier, SIGKILL)
        for child in children { kill(child, SIGKILL) }
        process.waitUntilExit()
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        if let admin { Task { await admin.shutdown() } }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
