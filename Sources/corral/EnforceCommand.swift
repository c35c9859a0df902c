import ArgumentParser
import BoxRuntime
import ContainerRuntime
import DockerRuntime
import Enforcer
import Foundation
import Journal
import Logging
import Reports
import ServiceLifecycle
import Settings

struct EnforceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enforce",
        abstract: "Keep the host at the policy's mix, cycle after cycle, until SIGINT or SIGTERM.",
        discussion: """
            Every --interval seconds: take a snapshot (the kernel module's document when
            loaded, else the procfs twin; cgroup statistics; Docker's labels), rank the
            containers labelled corral.managed=true by CPU%, memory%, VSZ and RSS, keep
            the --high heaviest high-consumption and the --low lightest low-consumption
            ones, kill the rest through a pool of --pool-width, and start containers when
            a class is short. Containers labelled corral.protected=true, the log collector
            and unmanaged containers are never touched.

            Every decision goes to journald (SYSLOG_IDENTIFIER=corral), each cycle's
            tables to stdout, and the memory and process logs to the spool, from which
            they are delivered to the log collector container (started or reused at
            start, http://127.0.0.1:--collector-port). Prometheus metrics are served at
            http://127.0.0.1:--metrics-port/metrics.

            One enforcer runs per state directory (--spool): a second one exits at once
            with status 75, naming the first one's pid. --dry-run touches nothing: no
            container is killed or started, nothing is spooled or shipped, the collector
            is neither created nor started, and the generator is left as it is.

            Containers Docker lists as running but whose processes the snapshot lacks
            (another cgroup parent, restarting, just exited) are "unmeasured": journalled
            (CORRAL_EVENT=unmeasured), shown, and neither ranked, kept nor killed that
            cycle. Figures closer than --resolution tie, so the next sort key decides.

            On SIGINT or SIGTERM the cycle in flight finishes, the spool is delivered,
            the collector draws its graphs and report (the paths are printed: under
            --collector-store/graphs), and the generator is turned off (--generator).

            Review decisions:
              journalctl -t corral CORRAL_EVENT=kill
              journalctl -t corral CORRAL_EVENT=kill -o json-pretty

            Examples:
              corral enforce                     defaults, or /etc/corral/corral.toml
              corral enforce --dry-run           plan and journal, kill nothing
              corral enforce --cycles 1          one cycle, then exit
              corral enforce --high 1 --low 5 --interval 5
              corral enforce --no-collector      records stay in the spool
            """
    )

    @OptionGroup var options: PolicyOptions

    @Flag(help: "Plan and report every cycle, but kill and start nothing.")
    var dryRun = false

    @Option(help: ArgumentHelp("Stop after this many cycles.", valueName: "n"))
    var cycles: Int?

    func run() async throws {
        let config: EnforcerConfig
        do {
            config = try options.resolve(dryRun: dryRun, cycles: cycles)
        } catch let error as ConfigError {
            throw report(error)
        }
        // One enforcer per state directory; a dry run writes nothing there and needs none.
        let lock: StateLock?
        do {
            lock = config.dryRun ? nil : try StateLock.acquire(directory: config.spoolPath)
        } catch {
            throw report(error)
        }
        defer { withExtendedLifetime(lock) {} }
        var logger = Logger(label: "corral")
        logger.logLevel = .info
        let journal = SystemdJournal(socketPath: config.journalSocket)
        let metrics = config.metricsPort.map { _ in EnforcerMetrics() }
        let connector: any RuntimeConnector =
            config.runtime == .native
            ? NativeConnector(host: BoxHost(paths: BoxPaths(root: config.boxRoot)))
            : DockerConnector(socketPath: config.socketPath, maxConnections: max(config.poolWidth, 4), logger: logger)
        let service = EnforcerService(
            config: config,
            connector: connector,
            journal: journal, logger: logger,
            console: { text in
                // A reader that went away (`make run | tee`, then Ctrl-C) must
                // not end the graceful stop: the journal still has every line.
                try? FileHandle.standardOutput.write(contentsOf: Data(text.utf8))
            }, colour: isatty(STDOUT_FILENO) == 1, metrics: metrics)
        // Services stop in reverse order: the enforcer (its flush and graphs) first, then /metrics.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let metrics, let port = config.metricsPort {
            services.append(.init(service: MetricsServer(port: port, metrics: metrics, logger: logger)))
        }
        // The enforcer returns after --cycles: that ends the group gracefully, not as a failure.
        services.append(.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup))
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            throw report(error)
        }
    }
}
