import ArgumentParser
import Control
import ControlStore
import CorralCore
import Foundation
import Logging
import ServiceLifecycle

struct ControlCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "control",
        abstract: "Run the control plane: admin (the clients' API) and subscribe (the agents' API).",
        discussion: """
            Two processes under this one: admin serves clients (REST under /v1, JSON-RPC
            2.0 at /jrpc, the OpenAPI document at /openapi.json); subscribe serves host
            agents (registration, heartbeats, work orders). They share one store,
            <state>/control.sqlite, and nothing else, so a crash of one leaves the other
            serving; this supervisor starts a dead one again. A create answers 202 with a
            job id once the job is stored: it survives a crash of either process.

            At first start it writes <state>/admin.token (for clients: corral ctl, the
            SDK, curl) and <state>/agent.token (for agents), mode 0600. Each process
            prints one line when it listens, "admin: http://..." and
            "subscribe: http://...", and writes that URL to <state>/admin.url and
            <state>/subscribe.url.

            Examples:
              corral control
              corral control --state /tmp/cp --admin-listen 127.0.0.1:7480 \\
                --subscribe-listen 10.0.0.1:7481
              curl -H "Authorization: Bearer $(cat /var/lib/corral/control/admin.token)" \\
                http://127.0.0.1:7480/v1/nodes
            """
    )

    @Option(help: ArgumentHelp("State directory: store, tokens, URLs (default /var/lib/corral/control).", valueName: "dir"))
    var state: String = ControlSettings().stateDirectory

    @Option(help: ArgumentHelp("Where admin listens (default 127.0.0.1:7480; port 0 picks one).", valueName: "addr:port"))
    var adminListen: String = ControlSettings().adminListen.description

    @Option(help: ArgumentHelp("Where subscribe listens (default 127.0.0.1:7481; port 0 picks one).", valueName: "addr:port"))
    var subscribeListen: String = ControlSettings().subscribeListen.description

    @Option(help: ArgumentHelp("Seconds between an agent's heartbeats (default 1).", valueName: "seconds"))
    var heartbeat: Double = ControlSettings().heartbeatSeconds

    @Option(help: ArgumentHelp("Seconds of silence after which a node is down (default 5).", valueName: "seconds"))
    var nodeTTL: Double = ControlSettings().nodeTTLSeconds

    @Option(help: ArgumentHelp("Jobs waiting to be scheduled before creates answer 429 (default 1000).", valueName: "n"))
    var queueLimit: Int = ControlSettings().queueLimit

    @Option(help: ArgumentHelp("Placement: spread (default) or binpack.", valueName: "spread|binpack"))
    var strategy: String = ControlSettings().strategy.rawValue

    @Option(help: ArgumentHelp("Seconds a create may wait for a node before it fails (default 60).", valueName: "seconds"))
    var placementTimeout: Double = ControlSettings().placementTimeoutSeconds

    @Option(help: .hidden) var role: String?
    @Option(help: .hidden) var parentPid: Int32?

    func settings() throws -> ControlSettings {
        var settings = ControlSettings()
        settings.stateDirectory = state
        guard let admin = ListenAddress(parsing: adminListen) else {
            throw ValidationError("--admin-listen wants ADDR:PORT, not '\(adminListen)'")
        }
        guard let subscribe = ListenAddress(parsing: subscribeListen) else {
            throw ValidationError("--subscribe-listen wants ADDR:PORT, not '\(subscribeListen)'")
        }
        settings.adminListen = admin
        settings.subscribeListen = subscribe
        settings.heartbeatSeconds = heartbeat
        settings.nodeTTLSeconds = nodeTTL
        settings.queueLimit = queueLimit
        guard let placement = PlacementStrategy(rawValue: strategy) else {
            throw ValidationError("--strategy is spread or binpack, not '\(strategy)'")
        }
        settings.strategy = placement
        settings.placementTimeoutSeconds = placementTimeout
        if let problem = settings.problem() { throw ValidationError(problem) }
        return settings
    }

    func run() async throws {
        let settings = try settings()
        var logger = Logger(label: "corral-control")
        logger.logLevel = .info
        if let role {
            guard let role = ControlRole(rawValue: role) else { throw ValidationError("--role is admin or subscribe") }
            logger[metadataKey: "process"] = "\(role.rawValue)"
            do {
                try await role.run(settings: settings, parent: parentPid, logger: logger)
            } catch {
                throw report(error)
            }
            return
        }
        try await supervise(settings, logger: logger)
    }

    private func supervise(_ settings: ControlSettings, logger: Logger) async throws {
        do {
            try FileManager.default.createDirectory(
                atPath: settings.stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            _ = try Tokens.ensure(at: settings.adminTokenPath)
            _ = try Tokens.ensure(at: settings.agentTokenPath)
            // Migrate once here, so a store that cannot be opened stops the
            // service at once instead of in a restart loop.
            let store = try await ControlStore.open(path: settings.storePath, logger: logger)
            await store.close()
            for role in ControlRole.allCases {
                try? FileManager.default.removeItem(atPath: settings.stateDirectory + "/\(role.rawValue).url")
            }
        } catch {
            throw report(error)
        }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let parent = getpid()
        let base = self
        let supervisor = Supervisor(executable: executable, settings: settings, logger: logger) { role in
            var listen = role == .admin ? settings.adminListen : settings.subscribeListen
            // Port 0 picks a port once; a restarted process keeps it.
            if listen.port == 0,
                let text = try? String(contentsOfFile: settings.stateDirectory + "/\(role.rawValue).url", encoding: .utf8),
                let bound = ListenAddress(parsing: String(text.trimmingCharacters(in: .whitespacesAndNewlines).dropFirst("http://".count)))
            {
                listen = bound
            }
            return [
                "control", "--role", role.rawValue, "--parent-pid", "\(parent)", "--state", settings.stateDirectory,
                "--\(role.rawValue)-listen", listen.description, "--heartbeat", "\(base.heartbeat)", "--node-ttl", "\(base.nodeTTL)",
                "--queue-limit", "\(base.queueLimit)", "--strategy", base.strategy, "--placement-timeout", "\(base.placementTimeout)",
            ]
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: supervisor)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
