import ControlStore
import Foundation
import Logging
import ServiceLifecycle

/// Marks down the nodes whose agents fell silent for the TTL, a few times a
/// heartbeat, so a dead node is known within the TTL plus one heartbeat.
///
/// A singleton among replicas: every replica's sweeper asks for the sweeper
/// lease on each pass, and only its holder sweeps (in the same transaction).
/// The lease lasts half the node TTL, so when the holder dies another
/// replica takes over, and marks down a node that died meanwhile, within
/// the TTL.
public struct NodeSweeper: Service {
    let store: ControlStore
    let settings: ControlSettings
    let logger: Logger
    /// This replica, as the lease names it.
    let replica: String

    public init(store: ControlStore, settings: ControlSettings, logger: Logger, replica: String = NodeSweeper.replicaName()) {
        self.store = store
        self.settings = settings
        self.logger = logger
        self.replica = replica
    }

    /// host:pid:random, unique to this process.
    public static func replicaName() -> String {
        let host = ProcessInfo.processInfo.hostName
        return "\(host):\(getpid()):\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
    }

    public func run() async throws {
        let interval = Duration.milliseconds(Int64(max(50, min(1000, settings.heartbeatSeconds * 250))))
        let ttlMs = Int64(settings.nodeTTLSeconds * 1000)
        let claim = LeaseClaim(holder: replica, ttlMs: ttlMs / 2)
        var holding = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let swept = try await store.sweep(now: ControlStore.now(), ttlMs: ttlMs, lease: claim)
                if (swept != nil) != holding {
                    holding = swept != nil
                    logger.notice(
                        holding
                            ? "this replica runs the singletons (node-down sweep, rescheduling)" : "another replica runs the singletons",
                        metadata: ["replica": "\(replica)"])
                }
                guard let result = swept else {
                    try? await Task.sleep(for: interval)
                    continue
                }
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
