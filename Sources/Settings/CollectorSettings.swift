/// Where and how the enforcer keeps its log collector (config table `[collector]`).
public struct CollectorSettings: Sendable, Equatable {
    /// Run (or reuse) the collector container and ship the spool to it. Off:
    /// records stay in the spool.
    public var enabled = true
    public var image = "corral/collector:latest"
    /// The container's fixed name; an existing container of that name that is
    /// not a collector is an error, never replaced.
    public var name = "corral-collector"
    /// The loopback port it listens on (host networking, 127.0.0.1 only).
    public var port = 9410
    /// The host directory bind-mounted as its store; graphs land in `graphs/`.
    public var storePath = "/var/lib/corral/logs"
    /// Records per POST.
    public var batchSize = 500
    /// Undelivered records per stream the spool keeps before dropping the oldest.
    public var spoolMaxRecords = 100_000
    /// How long shutdown waits to deliver what is left and draw the graphs.
    public var flushSeconds = 20
    /// How long start waits for /healthz.
    public var startSeconds = 60
    /// The span of logs the shutdown graphs draw, ending at the newest record.
    public var graphWindowSeconds = 86_400
    /// Days of logs the collector keeps; older day files are removed (0: all).
    public var retentionDays = 30
    /// The size at which a day's file rotates to the next one.
    public var maxFileMiB = 64

    public init() {}

    /// `http://127.0.0.1:<port>`
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    /// The host directory where the charts and report.html are drawn.
    public var graphsPath: String { "\(storePath)/graphs" }
}
