// Enforcer: the service loop that composes probe, planner, actuation and
// reports every interval; the collector's container and delivery; the
// generator's stop at shutdown; the state lock.

import Actuation
import Collector
import ContainerRuntime
import CorralCore
import Foundation
import Journal
import Logging
import Probe
import Reports
import ServiceLifecycle
import Settings

/// The enforcer as a long-running service: a cycle every interval until the
/// ServiceGroup's graceful shutdown (SIGINT, SIGTERM) or `cycles` cycles.
/// Cycles never overlap: a slow one delays the next. A cycle in flight when
/// shutdown arrives finishes its kills (each bounded by a deadline).
///
/// Each cycle's records go to the spool and from there to the log collector.
/// At shutdown the enforcer delivers what is left, has the collector draw the
/// graphs, prints where they are, and turns the generator off.
public struct EnforcerService: Service {
    public let config: EnforcerConfig
    /// Where the containers are (Docker's socket, as deployed).
    public let connector: any RuntimeConnector
    public let journal: any JournalSink
    public let logger: Logger
    /// Where each cycle's tables and the shutdown summary go (nil: nowhere).
    public let console: (@Sendable (String) -> Void)?
    public let colour: Bool
    public let metrics: EnforcerMetrics?
    /// READY=1, STOPPING=1 and a status line per cycle, under a Type=notify unit.
    let notifier = SystemdNotifier()

    public init(
        config: EnforcerConfig, connector: any RuntimeConnector, journal: any JournalSink, logger: Logger,
        console: (@Sendable (String) -> Void)?, colour: Bool,
        metrics: EnforcerMetrics? = nil
    ) {
        self.config = config
        self.connector = connector
        self.journal = journal
        self.logger = logger
        self.console = console
        self.colour = colour
        self.metrics = metrics
    }

    public func run() async throws {
        // A dry run touches nothing: no spool, no collector, no generator change.
        let spool = config.dryRun ? nil : try Spool(directory: config.spoolPath, maxRecords: config.collector.spoolMaxRecords)
        for repair in await spool?.repairs ?? [] {
            journal.write(
                JournalEntry(
                    message: repair, priority: .warning, fields: [.event(.spoolRepaired), .init(.reason, repair)]))
        }
        journal.write(
            JournalEntry(
                message:
                    "corral enforce started: keep \(config.policy.desiredHigh) high and \(config.policy.desiredLow) low every \(Planner.oneDecimal(config.intervalSeconds)) s"
                    + (config.dryRun ? " (dry run)" : ""),
                fields: [.event(.start)]
                    + CycleJournal.commonFields(cycle: 0, dryRun: config.dryRun, selector: config.selector)))
        // Ready as soon as it runs: a daemon that is not up yet is waited for, not a failed start.
        notifier.ready(status: "starting: connecting to \(connector.endpoint)")
        try await withRuntime { runtime in
            if config.collector.enabled, let spool {
                try await CollectorClient.withClient(baseURL: config.collector.baseURL, logger: logger) { client in
                    var started = Delivery(settings: config.collector, runtime: runtime, client: client, spool: spool, journal: journal)
                    say(await started.start())
                    var delivery: Delivery? = started
                    try await loop(runtime: runtime, spool: spool, delivery: &delivery)
                    notifier.stopping(status: "stopping: delivering the last logs and drawing the graphs")
                    if var delivery { for line in await delivery.finish() { say(line) } }
                }
            } else {
                var none: Delivery?
                try await loop(runtime: runtime, spool: spool, delivery: &none)
                notifier.stopping(status: "stopping")
                if config.dryRun {
                    say("dry run: nothing was killed, started, spooled or shipped; the generator was left as it was")
                } else {
                    say("the collector is off: records stay in \(config.spoolPath)")
                }
            }
        }
        for line in await GeneratorStopper(mode: config.dryRun ? .none : config.generator).stop() {
            say(line)
            journal.write(JournalEntry(message: line, fields: [.event(.generatorStopped)]))
        }
        journal.write(JournalEntry(message: "corral enforce stopped", fields: [.event(.stop)]))
    }

    func loop(runtime: any ContainerRuntime, spool: Spool?, delivery: inout Delivery?) async throws {
        var runner = CycleRunner(config: config, runtime: runtime)
        let report = ConsoleReport(colour: colour)
        let interval = Duration.milliseconds(Int64(config.intervalSeconds * 1000))
        let mailbox = PressureMailbox()
        let watcher = startPressureWatcher(mailbox)
        defer { watcher?.stop() }
        let trim = ResidentTrim()
        var cycle = 0
        var daemonDown = false
        // What woke the next cycle before its tick; a pressure cycle leaves the ticks where they were.
        var pressure: PressureSignal?
        var nextTick = ContinuousClock.now
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            cycle += 1
            let started = ContinuousClock.now
            if pressure == nil { nextTick = started + interval }
            let result = await runner.run(cycle: cycle, pressure: pressure)
            // Say a daemon outage once, and its end once, not every cycle.
            let unavailable = result.daemonUnavailable
            if unavailable != daemonDown {
                daemonDown = unavailable
                logger.notice(unavailable ? "Docker daemon unavailable; skipping cycles until it answers" : "Docker daemon answers again")
            }
            if let notice = result.notice { logger.warning("\(notice)") }
            let entries = CycleJournal.entries(result, selector: config.selector)
            for entry in entries { journal.write(entry) }
            if let summary = entries.last { notifier.status(summary.message) }
            console?(report.render(result))
            if let spool {
                let records = CycleRecords.make(result)
                do {
                    let dropped = try await spool.append(memory: records.memory, processes: records.processes)
                    for drop in dropped { journal.write(Self.droppedEntry(drop)) }
                    metrics?.spoolDropped(dropped)
                } catch {
                    journal.write(
                        JournalEntry(
                            message: "\(error)", priority: .error,
                            fields: [.event(.error), .init(.reason, "\(error)")]))
                    metrics?.error("spool")
                }
            }
            let next = nextTick
            if var current = delivery {
                // Delivery may use what is left of the interval, and never less than a second, a
                // second at a time: memory pressure does not wait behind a long backlog.
                let until = max(next, ContinuousClock.now + .seconds(1))
                while true {
                    let shipped = await current.ship(until: min(until, ContinuousClock.now + .seconds(1)))
                    metrics?.delivered(shipped)
                    if shipped.pending == 0 || shipped.failure != nil || shipped.deferred { break }
                    if ContinuousClock.now >= until { break }
                    if await mailbox.hasPending { break }
                }
                delivery = current
            }
            metrics?.cycle(result, duration: ContinuousClock.now - started, spoolDepth: await spool?.depth() ?? 0)
            if let cycles = config.cycles, cycle >= cycles { break }
            trim.run()
            pressure = await mailbox.take()
            if pressure == nil, ContinuousClock.now < next {
                pressure = await cancelWhenGracefulShutdown { await mailbox.wait(until: next) }
            }
        }
    }

    /// Watches MemAvailable and PSI from a thread of its own; its signals
    /// wake the loop. Nil with no floor and no PSI trigger.
    func startPressureWatcher(_ mailbox: PressureMailbox) -> PressureWatcher? {
        guard config.memoryFloor != .off || config.pressureStallMs != nil else { return nil }
        var settings = PressureWatcher.Settings()
        settings.procRoot = config.procRoot
        settings.floor = config.memoryFloor
        settings.stallMicroseconds = config.pressureStallMs.map { $0 * 1000 }
        // On cgroup v2 the containers' parent has a pressure file of its own.
        settings.cgroupFiles = ["\(config.cgroupRoot)/\(config.cgroupParent)/memory.pressure"].filter {
            FileManager.default.isReadableFile(atPath: $0)
        }
        let watcher = PressureWatcher(settings: settings) { signal in Task { await mailbox.post(signal) } }
        for note in watcher.start() {
            logger.notice("\(note)")
            journal.write(JournalEntry(message: note, priority: .notice, fields: [.init(.notice, note)]))
        }
        return watcher
    }

    /// Records the spool dropped to stay within its bound: said loudly.
    static func droppedEntry(_ drop: Spool.Dropped) -> JournalEntry {
        JournalEntry(
            message:
                "spool full: dropped the \(drop.count) oldest undelivered \(drop.stream.rawValue) records (bound \(drop.bound) per stream); the collector has been unreachable too long",
            priority: .error,
            fields: [
                .event(.spoolDropped), .init(.dropped, "\(drop.count)"),
                .init(.stream, drop.stream.rawValue),
            ])
    }

    /// The connector's `withRuntime`, but while the runtime does not answer
    /// at start it waits with backoff (up to 10 s between tries) until it
    /// does or shutdown comes.
    private func withRuntime(_ body: (any ContainerRuntime) async throws -> Void) async throws {
        let backoff = Backoff(initial: .milliseconds(500), maximum: .seconds(10))
        var failures = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                return try await connector.withRuntime(body)
            } catch let error as RuntimeError where error.isUnavailable {
                logger.warning("container runtime unavailable; retrying", metadata: ["error": "\(error)"])
                failures += 1
                let wait = backoff.delay(afterFailures: failures)
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
            }
        }
    }

    private func say(_ line: String) {
        if let console { console(line + "\n") } else { logger.notice("\(line)") }
    }
}
