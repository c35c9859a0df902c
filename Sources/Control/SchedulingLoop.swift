import ControlStore
import CorralCore
import Logging
import ServiceLifecycle

/// Places waiting jobs: at once when the admin stored one, and every
/// `interval` for the ones that wait (for a node, or rescheduled after a node
/// died, or stored before a crash).
public final class SchedulingLoop: Service, Sendable {
    let store: ControlStore
    let settings: ControlSettings
    let logger: Logger
    private let signals: AsyncStream<Void>
    private let signal: AsyncStream<Void>.Continuation
    static let interval = Duration.milliseconds(250)

    public init(store: ControlStore, settings: ControlSettings, logger: Logger) {
        self.store = store
        self.settings = settings
        self.logger = logger
        (signals, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Something may be waiting: look now.
    public func wake() {
        signal.yield()
    }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [signal] in
                // A tick, so waiting jobs are looked at without a wake.
                while !Task.isCancelled && !Task.isShuttingDownGracefully {
                    try? await Task.sleep(for: Self.interval)
                    signal.yield()
                }
            }
            await cancelWhenGracefulShutdown {
                for await _ in self.signals {
                    await self.pass()
                }
            }
            group.cancelAll()
        }
    }

    /// Schedules until nothing more can be placed this moment.
    func pass() async {
        while true {
            do {
                let events = try await store.schedule(
                    strategy: settings.strategy, placementTimeoutMs: Int64(settings.placementTimeoutSeconds * 1000), now: ControlStore.now()
                )
                for event in events { log(event) }
                // A full batch may have more behind it (jobs that wait are
                // not looked at again for a second, so this ends).
                if events.count < 256 { return }
            } catch {
                logger.error("scheduling failed", metadata: ["error": "\(error)"])
                return
            }
        }
    }

    private func log(_ event: SchedulingEvent) {
        switch event {
        case .placed(let job, let container, let node):
            logger.debug("placed", metadata: ["job": "\(job)", "container": "\(container)", "node": "\(node)"])
        case .routed(let job, let node): logger.debug("routed", metadata: ["job": "\(job)", "node": "\(node)"])
        case .completed(let job): logger.debug("completed", metadata: ["job": "\(job)"])
        case .waiting(let job, let reason): logger.debug("waiting", metadata: ["job": "\(job)", "reason": "\(reason)"])
        case .failed(let job, let reason): logger.warning("job failed", metadata: ["job": "\(job)", "reason": "\(reason)"])
        }
    }
}
