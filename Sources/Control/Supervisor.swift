import CorralCore
import Foundation
import Logging
import ServiceLifecycle
import Subprocess
import Synchronization
import SystemPackage

/// `corral control`: makes the state directory and the tokens, then runs
/// `admin` and `subscribe` as two child processes of this one and starts
/// again whichever dies, after a back-off that grows while it keeps dying.
/// SIGTERM or SIGINT stops both (SIGTERM, then SIGKILL after the grace).
public struct Supervisor: Service {
    let executable: String
    let settings: ControlSettings
    let arguments: @Sendable (ControlRole) -> [String]
    let logger: Logger
    static let grace = Duration.seconds(10)

    /// `arguments` are what a child is started with to play a role.
    public init(executable: String, settings: ControlSettings, logger: Logger, arguments: @escaping @Sendable (ControlRole) -> [String]) {
        self.executable = executable
        self.settings = settings
        self.logger = logger
        self.arguments = arguments
    }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            for role in ControlRole.allCases {
                group.addTask { await supervise(role) }
            }
        }
    }

    private func supervise(_ role: ControlRole) async {
        var failures = 0
        var started = ContinuousClock.now
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            started = ContinuousClock.now
            let status = await runOnce(role)
            if Task.isShuttingDownGracefully || Task.isCancelled { return }
            // A child that ran a while before dying starts over at the shortest back-off.
            failures = ContinuousClock.now - started > .seconds(30) ? 1 : failures + 1
            let delay = Self.backoff.delay(afterFailures: failures)
            logger.error(
                "\(role.rawValue) exited; starting it again",
                metadata: [
                    "status": "\(status)",
                    "restart_in_ms": "\(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000)",
                ])
            try? await Task.sleep(for: delay)
        }
    }

    /// 100 ms, doubling, at most 5 s.
    static let backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(5))

    /// Starts the role's process and waits for it to end; on graceful
    /// shutdown sends it SIGTERM, then SIGKILL after the grace.
    private func runOnce(_ role: ControlRole) async -> String {
        let pid = ChildPID()
        do {
            let result = try await withGracefulShutdownHandler {
                try await Subprocess.run(
                    .path(FilePath(executable)), arguments: Arguments(arguments(role)), input: .none, output: .currentStandardOutput,
                    error: .currentStandardError
                ) { execution in
                    pid.value.withLock { $0 = execution.processIdentifier.value }
                }
            } onGracefulShutdown: {
                guard let child = pid.value.withLock({ $0 }) else { return }
                kill(child, SIGTERM)
                Task {
                    try? await Task.sleep(for: Self.grace)
                    if let child = pid.value.withLock({ $0 }) { kill(child, SIGKILL) }
                }
            }
            pid.value.withLock { $0 = nil }
            return "\(result.terminationStatus)"
        } catch {
            pid.value.withLock { $0 = nil }
            return "could not start \(executable): \(error)"
        }
    }
}

/// The running child's pid, for the shutdown handler to signal.
private final class ChildPID: Sendable {
    let value = Mutex<pid_t?>(nil)
}
