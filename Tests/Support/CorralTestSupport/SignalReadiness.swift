import DockerEngine
import Foundation

/// A process's signal dispositions as the kernel reports them in
/// /proc/PID/status: which signals it catches and which it ignores.
public struct SignalDispositions: Sendable, Equatable {
    /// The process's name (`Name:`): `runc:[2:INIT]` until the runtime has
    /// exec'd the workload.
    public let name: String
    public let caught: UInt64
    public let ignored: UInt64

    public init?(pid: Int32, procRoot: String = "/proc") {
        guard let text = try? String(contentsOfFile: "\(procRoot)/\(pid)/status", encoding: .utf8) else { return nil }
        func mask(_ key: String) -> UInt64? {
            text.split(separator: "\n").first { $0.hasPrefix(key + ":") }
                .flatMap { UInt64($0.dropFirst(key.count + 1).trimmingCharacters(in: .whitespaces), radix: 16) }
        }
        guard let caught = mask("SigCgt"), let ignored = mask("SigIgn"),
            let name = text.split(separator: "\n").first(where: { $0.hasPrefix("Name:") })
        else { return nil }
        self.name = name.dropFirst("Name:".count).trimmingCharacters(in: .whitespaces)
        self.caught = caught
        self.ignored = ignored
    }

    public func catches(_ signal: Int32) -> Bool { caught & (1 << UInt64(signal - 1)) != 0 }
    public func ignores(_ signal: Int32) -> Bool { ignored & (1 << UInt64(signal - 1)) != 0 }
}

/// Waits until the container's main process has settled `signal` (caught, or
/// ignored when `ignored`): a signal sent before then meets the default
/// disposition, which PID 1 of a PID namespace drops. Returns its host pid.
///
/// The process must be the workload itself: until runc has exec'd it, PID 1
/// is `runc:[2:INIT]`, whose Go runtime catches SIGTERM too, and a signal
/// sent then is lost when the exec resets the handlers.
@discardableResult
public func waitForSignalReadiness(
    _ docker: DockerClient, _ id: String, _ signal: Int32 = SIGTERM, ignored: Bool = false, seconds: Double = 30
)
    async throws -> Int32
{
    try await poll("container \(id.prefix(12)) ready for signal \(signal)", seconds: seconds, every: 0.05) { () -> Int32? in
        let state = try await docker.inspectContainer(id).state
        guard state.running, state.pid > 0, let dispositions = SignalDispositions(pid: state.pid), !dispositions.name.hasPrefix("runc")
        else { return nil }
        return (ignored ? dispositions.ignores(signal) : dispositions.catches(signal)) ? state.pid : nil
    }
}
