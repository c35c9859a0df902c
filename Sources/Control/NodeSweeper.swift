import ControlStore
import Logging
import ServiceLifecycle

/// Marks down the nodes whose agents fell silent for the TTL, a few times a
/// heartbeat, so a dead node is known within the TTL plus one heartbeat.
public struct NodeSweeper: Service {
    let store: ControlStore
    let settings: ControlSettings
    let logger: Logger

    public init(store: ControlStore, settings: ControlSettings, logger: Logger) {
        self.store = store
        self.settings = settings
        self.logger = logger
    }

    public func run() async throws {
        let interval = Duration.milliseconds(Int64(max(50, min(1000, settings.heartbeatSeconds * 250))))
        let ttlMs = Int64(settings.nodeTTLSeconds * 1000)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let result = try await store.sweep(now: AdminServer.now(), ttlMs: ttlMs)
                for node in result.down {
                    logger.warning(
                        "node down: no heartbeat for the TTL",
                        metadata: [
                            "node": "\(node)", "ttl_seconds": "\(settings.nodeTTLSeconds)", "lost": "\(result.lost.count)",
                            "rescheduled": "\(result.rescheduled.count)",
                        ])
                }
            } catch {
                logger.error("node sweep failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
