import ArgumentParser
import Enforcer
import Foundation
import Journal
import Logging
import ServiceLifecycle

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
            tables to stdout, and the memory and process logs to the spool.

            Review decisions:
              journalctl -t corral CORRAL_EVENT=kill
              journalctl -t corral CORRAL_EVENT=kill -o json-pretty

            Examples:
              corral enforce                     defaults, or /etc/corral/corral.toml
              corral enforce --dry-run           plan and journal, kill nothing
              corral enforce --cycles 1          one cycle, then exit
              corral enforce --high 1 --low 5 --interval 5
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
        var logger = Logger(label: "corral")
        logger.logLevel = .info
        let journal = SystemdJournal(socketPath: config.journalSocket)
        let service = EnforcerService(
            config: config, journal: journal, logger: logger,
            console: { text in
                FileHandle.standardOutput.write(Data(text.utf8))
            }, colour: isatty(STDOUT_FILENO) == 1)
        // The enforcer returns after --cycles: that ends the group gracefully, not as a failure.
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            throw report(error)
        }
    }
}
