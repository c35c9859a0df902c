import Actuation
import Collector
import ContainerRuntime
import Foundation
import Journal
import Settings

/// The enforcer's side of the log collector at run time: keeps the container
/// up, ships the spool after every cycle, and at shutdown delivers what is
/// left and asks for the graphs. Every change of state is journalled once
/// (an outage when it starts and when it ends, not every cycle).
struct Delivery {
    let settings: CollectorSettings
    let container: CollectorContainer
    let runtime: any ContainerRuntime
    let journal: any JournalSink
    var shipper: Shipper
    /// True while deliveries fail.
    private(set) var down = false

    init(settings: CollectorSettings, runtime: any ContainerRuntime, client: any CollectorTransport, spool: Spool, journal: any JournalSink)
    {
        self.settings = settings
        container = CollectorContainer(settings: settings)
        self.runtime = runtime
        self.journal = journal
        shipper = Shipper(spool: spool, client: client, batchSize: settings.batchSize)
    }

    /// Brings the collector up (or finds it up). A failure is journalled and
    /// the enforcer goes on: records wait in the spool.
    mutating func start() async -> String {
        do throws(CollectorContainer.Failure) {
            let outcome = try await container.ensure(runtime: runtime, client: shipper.client)
            let verb = outcome == .reused ? "reusing the running collector" : "started the collector"
            let line = "\(verb) \(settings.name) at \(settings.baseURL), store \(settings.storePath)"
            journal.write(JournalEntry(message: line, fields: fields(.collectorUp, [.collectorURL: settings.baseURL])))
            return line
        } catch {
            down = true
            let line = "collector unavailable: \(error); records wait in the spool at \(shipper.spool.directory)"
            journal.write(JournalEntry(message: line, priority: .warning, fields: fields(.collectorDown, [.reason: "\(error)"])))
            return line
        }
    }

    /// One delivery round, bounded by `deadline`.
    mutating func ship(until deadline: ContinuousClock.Instant) async -> ShipReport {
        let report = await shipper.ship(until: deadline)
        await note(report)
        return report
    }

    /// At shutdown: deliver everything left (retrying until the flush
    /// deadline), then draw the graphs. Returns the lines to print.
    mutating func finish() async -> [String] {
        var lines: [String] = []
        let deadline = ContinuousClock.now + .seconds(settings.flushSeconds)
        let report = await shipper.ship(until: deadline, force: true)
        await note(report)
        if report.pending > 0 {
            lines.append(
                "\(report.pending) records could not be delivered (\(report.failure ?? "time ran out")); they wait in \(shipper.spool.directory) and go out at the next start"
            )
        } else {
            lines.append("every record is delivered to the collector (store: \(settings.storePath))")
        }
        do throws(CollectorError) {
            let graphs = try await shipper.client.renderGraphs(windowSeconds: settings.graphWindowSeconds)
            let paths = graphs.graphs.map { "\(settings.graphsPath)/\($0)" }
            let report = paths.first { $0.hasSuffix(".html") }
            for path in paths where !path.hasSuffix(".html") { lines.append("graph:  \(path)") }
            if let report { lines.append("report: \(report)") }
            journal.write(
                JournalEntry(
                    message: "drew \(paths.count) graphs in \(settings.graphsPath)", priority: .notice,
                    fields: fields(.graphs, [.graphs: paths.joined(separator: " ")])))
        } catch {
            let line = "no graphs: \(error)"
            lines.append(line)
            journal.write(JournalEntry(message: line, priority: .warning, fields: fields(.graphsFailed, [.reason: "\(error)"])))
        }
        return lines
    }

    /// Journals what changed: an outage's start (and tries to bring the
    /// container back), its end, dropped and rejected records.
    private mutating func note(_ report: ShipReport) async {
        for notice in report.notices {
            journal.write(JournalEntry(message: notice, priority: .error, fields: fields(.recordRejected, [.reason: notice])))
        }
        if report.deferred { return }
        if let failure = report.failure {
            if !down {
                down = true
                journal.write(
                    JournalEntry(
                        message: "cannot deliver logs to the collector: \(failure); \(report.pending) records wait in the spool",
                        priority: .warning,
                        fields: fields(.deliveryFailed, [.reason: failure, .spoolDepth: "\(report.pending)"])))
            }
            // Bring a stopped or removed collector back; it answers by a later round.
            do throws(CollectorContainer.Failure) {
                if let outcome = try await container.revive(runtime: runtime) {
                    journal.write(
                        JournalEntry(
                            message: "collector \(settings.name) was down: \(outcome.rawValue) it again", priority: .notice,
                            fields: fields(.collectorUp, [:])))
                }
            } catch {
                journal.write(
                    JournalEntry(
                        message: "cannot bring the collector back: \(error)", priority: .warning,
                        fields: fields(.collectorDown, [.reason: "\(error)"])))
            }
        } else if down, report.deliveredTotal + report.duplicates > 0 || report.pending == 0 {
            down = false
            journal.write(
                JournalEntry(
                    message: "the collector answers again: delivered \(report.deliveredTotal) waiting records", priority: .notice,
                    fields: fields(.deliveryResumed, [.delivered: "\(report.deliveredTotal)"])))
        }
    }

    private func fields(_ event: JournalEvent, _ extra: KeyValuePairs<JournalField, String>) -> [JournalEntry.Field] {
        [.event(event)] + extra.map { .init($0.key, $0.value) }
    }
}
