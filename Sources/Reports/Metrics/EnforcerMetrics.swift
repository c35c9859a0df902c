import Actuation
import Collector
import CorralCore
import Prometheus

/// The enforcer's Prometheus metrics, updated from each cycle's report and
/// each delivery round; served by ``MetricsServer`` and drawn by
/// dashboards/grafana/corral.json.
///
///     corral_cycle_duration_seconds        histogram
///     corral_cycles_total                  counter
///     corral_containers{class,state}       gauge: a decision's fate (kept, killed, vanished, refused,
///                                          failed, would_kill), or unmeasured, protected, unmanaged
///     corral_kills_total{class,reason}     counter: surplus, pressure (beyond the plan, under the
///                                          memory floor), vanished (gone before the kill)
///     corral_pressure_cycles_total{trigger} counter: cycles memory pressure woke early (floor, stall)
///     corral_kill_failures_total{class}    counter
///     corral_starts_total{class}           counter
///     corral_snapshot_source{source}       gauge: 1 for the source of the last snapshot
///     corral_host_memory_used_percent      gauge
///     corral_spool_depth                   gauge: records waiting for the collector
///     corral_records_delivered_total{stream}, corral_records_dropped_total{stream}
///     corral_collector_up                  gauge: 1 when the last delivery round got through
///     corral_errors_total{kind}            counter: snapshot, kill, start, spool, delivery
public final class EnforcerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let cycleDuration: DurationHistogram
    private let cycles: Counter
    private let spoolDepth: Gauge
    private let collectorUp: Gauge
    private let memoryUsed: Gauge

    static let classes = ["high", "low"]
    static let states = Fate.allCases.map(\.rawValue) + ["unmeasured", "protected", "unmanaged"]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        cycleDuration = registry.makeDurationHistogram(
            descriptor: Self.name(
                "cycle_duration", "seconds", "Wall time of one enforcer cycle: snapshot, plan, kills, starts, reports, delivery."),
            buckets: [
                .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5),
                .seconds(10), .seconds(30),
            ])
        cycles = registry.makeCounter(descriptor: Self.name("cycles", "total", "Enforcer cycles run."))
        spoolDepth = registry.makeGauge(descriptor: Self.name("spool_depth", "", "Records in the spool waiting for the log collector."))
        collectorUp = registry.makeGauge(
            descriptor: Self.name("collector_up", "", "1 when the last delivery to the log collector got through, else 0."))
        memoryUsed = registry.makeGauge(
            descriptor: Self.name("host_memory_used", "percent", "Host memory in use at the last snapshot, percent of total."))
        // Every series exists from the start, so dashboards show zeros rather than gaps.
        for cls in Self.classes {
            for state in Self.states { containers(cls, state).set(to: 0) }
            kills(cls, "surplus").increment(by: Int64(0))
            kills(cls, "vanished").increment(by: Int64(0))
            kills(cls, "pressure").increment(by: Int64(0))
            killFailures(cls).increment(by: Int64(0))
            starts(cls).increment(by: Int64(0))
        }
        for source in Snapshot.Source.allCases.map(\.rawValue) { snapshotSource(source).set(to: 0) }
        for stream in SpoolStream.allCases {
            delivered(stream).increment(by: Int64(0))
            dropped(stream).increment(by: Int64(0))
        }
        for kind in ["snapshot", "kill", "start", "spool", "delivery"] { errors(kind).increment(by: Int64(0)) }
        for trigger in ["floor", "stall"] { pressureCycles(trigger).increment(by: Int64(0)) }
    }

    /// The text exposition format (version 0.0.4).
    public func exposition() -> [UInt8] { registry.emitToBuffer() }

    // MARK: - Updates

    public func cycle(_ report: CycleReport, duration: Duration, spoolDepth depth: Int) {
        cycles.increment()
        cycleDuration.record(duration)
        if let pressure = report.pressure {
            if case .stall = pressure.signal.trigger { pressureCycles("stall").increment() } else { pressureCycles("floor").increment() }
        }
        let relieved = Set(report.pressure?.removed ?? [])
        spoolDepth.set(to: Double(depth))
        if report.error != nil { errors("snapshot").increment() }
        if let snapshot = report.snapshot {
            for source in Snapshot.Source.allCases { snapshotSource(source.rawValue).set(to: snapshot.source == source ? 1 : 0) }
            memoryUsed.set(to: snapshot.memory.usedPercent)
            var counts: [String: [String: Int]] = [:]
            let labels = Dictionary(snapshot.containers.map { ($0.id, $0.labels) }, uniquingKeysWith: { a, _ in a })
            for item in report.plan?.untouched ?? [] {
                let cls = labels[item.id]?[CorralLabel.class] ?? ""
                guard Self.classes.contains(cls) else { continue }
                counts[cls, default: [:]][item.reason == .unmanaged ? "unmanaged" : "protected", default: 0] += 1
            }
            for decision in report.plan?.decisions ?? [] {
                let cls = decision.containerClass.rawValue
                let fate = report.fate(of: decision)
                counts[cls, default: [:]][fate.rawValue, default: 0] += 1
                switch fate {
                case .killed: kills(cls, relieved.contains(decision.id) ? "pressure" : "surplus").increment()
                case .vanished: kills(cls, "vanished").increment()
                case .refused, .failed:
                    killFailures(cls).increment()
                    errors("kill").increment()
                case .kept, .wouldKill, .throttled: break
                }
            }
            for item in report.plan?.unmeasured ?? [] { counts[item.containerClass.rawValue, default: [:]]["unmeasured", default: 0] += 1 }
            for cls in Self.classes {
                for state in Self.states { containers(cls, state).set(to: Double(counts[cls]?[state] ?? 0)) }
            }
        }
        for started in report.started { starts(started.order.containerClass.rawValue).increment() }
        let failedStarts = report.failedStarts.count + report.exitedStarts.count
        if failedStarts > 0 { errors("start").increment(by: Int64(failedStarts)) }
    }

    public func delivered(_ report: ShipReport) {
        for (stream, count) in report.delivered { delivered(stream).increment(by: Int64(count)) }
        spoolDepth.set(to: Double(report.pending))
        guard !report.deferred else { return }
        collectorUp.set(to: report.failure == nil ? 1 : 0)
        if report.failure != nil { errors("delivery").increment() }
    }

    public func spoolDropped(_ drops: [Spool.Dropped]) {
        for drop in drops { dropped(drop.stream).increment(by: Int64(drop.count)) }
    }

    public func error(_ kind: String) { errors(kind).increment() }

    // MARK: - Series

    /// `corral_<name>_<unit>`, with its help text.
    static func name(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "corral", metricName: name, unitName: unit, helpText: help)
    }

    private func containers(_ cls: String, _ state: String) -> Gauge {
        registry.makeGauge(
            descriptor: Self.name("containers", "", "Containers of each class by state at the last cycle."),
            labels: [("class", cls), ("state", state)])
    }

    private func kills(_ cls: String, _ reason: String) -> Counter {
        registry.makeCounter(
            descriptor: Self.name("kills", "total", "Containers killed, by class and reason."),
            labels: [("class", cls), ("reason", reason)])
    }

    private func killFailures(_ cls: String) -> Counter {
        registry.makeCounter(
            descriptor: Self.name("kill_failures", "total", "Kills that failed after their retry."), labels: [("class", cls)])
    }

    private func starts(_ cls: String) -> Counter {
        registry.makeCounter(descriptor: Self.name("starts", "total", "Containers started to reach the mix."), labels: [("class", cls)])
    }

    private func snapshotSource(_ source: String) -> Gauge {
        registry.makeGauge(
            descriptor: Self.name("snapshot_source", "", "1 for the source of the last snapshot (kernel module or procfs twin)."),
            labels: [("source", source)])
    }

    private func pressureCycles(_ trigger: String) -> Counter {
        registry.makeCounter(
            descriptor: Self.name("pressure_cycles", "total", "Cycles memory pressure woke before their tick."),
            labels: [("trigger", trigger)])
    }

    private func delivered(_ stream: SpoolStream) -> Counter {
        registry.makeCounter(
            descriptor: Self.name("records_delivered", "total", "Log records the collector stored."), labels: [("stream", stream.rawValue)])
    }

    private func dropped(_ stream: SpoolStream) -> Counter {
        registry.makeCounter(
            descriptor: Self.name("records_dropped", "total", "Log records dropped from a full spool."),
            labels: [("stream", stream.rawValue)])
    }

    private func errors(_ kind: String) -> Counter {
        registry.makeCounter(descriptor: Self.name("errors", "total", "Errors by kind."), labels: [("kind", kind)])
    }
}
