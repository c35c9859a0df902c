import Collector
import CorralCore
import DockerEngine
import Foundation
import Journal
import Logging
import ServiceLifecycle

/// The enforcer as a long-running service: a cycle every interval until the
/// ServiceGroup's graceful shutdown (SIGINT, SIGTERM) or `cycles` cycles.
/// Cycles never overlap: a slow one delays the next. A cycle in flight when
/// shutdown arrives finishes its kills (each bounded by a deadline).
public struct EnforcerService: Service {
    public let config: EnforcerConfig
    public let journal: any JournalSink
    public let logger: Logger
    /// Where each cycle's tables go (nil: nowhere).
    public let console: (@Sendable (String) -> Void)?
    public let colour: Bool
    /// Steps run after the last cycle, in order (the collector's graphs and the
    /// generator's removal arrive with later issues).
    public let shutdownSteps: [@Sendable () async -> Void]

    public init(
        config: EnforcerConfig, journal: any JournalSink, logger: Logger, console: (@Sendable (String) -> Void)?, colour: Bool,
        shutdownSteps: [@Sendable () async -> Void] = []
    ) {
        self.config = config
        self.journal = journal
        self.logger = logger
        self.console = console
        self.colour = colour
        self.shutdownSteps = shutdownSteps
    }

    public func run() async throws {
        let spool = try Spool(directory: config.spoolPath)
        journal.write(
            JournalEntry(
                message: "corral enforce started: keep \(config.policy.desiredHigh) high and \(config.policy.desiredLow) low every \(Planner.oneDecimal(config.intervalSeconds)) s"
                    + (config.dryRun ? " (dry run)" : ""),
                fields: [.init("CORRAL_EVENT", "start")] + CycleJournal.commonFields(cycle: 0, dryRun: config.dryRun, selector: config.selector)))
        try await DockerClient.withClient(socketPath: config.socketPath, maxConnections: max(config.poolWidth, 4), logger: logger) { docker in
            try await loop(docker: docker, spool: spool)
        } orWhenUnavailable: { error in
            logger.warning("Docker daemon unavailable; retrying", metadata: ["error": "\(error)"])
        }
        for step in shutdownSteps { await step() }
        journal.write(JournalEntry(message: "corral enforce stopped", fields: [.init("CORRAL_EVENT", "stop")]))
    }

    func loop(docker: DockerClient, spool: Spool) async throws {
        var runner = CycleRunner(config: config, docker: docker)
        let report = ConsoleReport(colour: colour)
        let interval = Duration.milliseconds(Int64(config.intervalSeconds * 1000))
        var cycle = 0
        var daemonDown = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            cycle += 1
            let started = ContinuousClock.now
            let result = await runner.run(cycle: cycle)
            // Say a daemon outage once, and its end once, not every cycle.
            let unavailable = result.daemonUnavailable
            if unavailable != daemonDown {
                daemonDown = unavailable
                logger.notice(unavailable ? "Docker daemon unavailable; skipping cycles until it answers" : "Docker daemon answers again")
            }
            if let notice = result.notice { logger.warning("\(notice)") }
            for entry in CycleJournal.entries(result, selector: config.selector) { journal.write(entry) }
            console?(report.render(result))
            let records = CycleRecords.make(result)
            do {
                try await spool.append(memory: records.memory, processes: records.processes)
            } catch {
                journal.write(JournalEntry(message: "\(error)", priority: .error, fields: [.init("CORRAL_EVENT", "error"), .init("CORRAL_REASON", "\(error)")]))
            }
            if let cycles = config.cycles, cycle >= cycles { break }
            let next = started + interval
            if ContinuousClock.now < next {
                try? await cancelWhenGracefulShutdown { try await Task.sleep(until: next) }
            }
        }
    }
}

extension DockerClient {
    /// `withClient`, but while the daemon does not answer at start it waits
    /// with backoff (up to 10 s between tries) until it does or shutdown comes.
    static func withClient<T: Sendable>(
        socketPath: String, maxConnections: Int, logger: Logger, _ body: (DockerClient) async throws -> T,
        orWhenUnavailable report: (DockerError) -> Void
    ) async throws -> T? {
        var backoff = 0.5
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                return try await withClient(socketPath: socketPath, maxConnections: maxConnections, logger: logger, body)
            } catch let error as DockerError where error.isDaemonUnavailable {
                report(error)
                let wait = backoff
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(Int64(wait * 1000))) }
                backoff = min(backoff * 2, 10)
            }
        }
        return nil
    }
}
