import ArgumentParser
import Control
import ControlStore
import CorralCore
import Foundation
import Logging
import ServiceLifecycle
import Settings

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

            Replicas: with --store postgresql://... (or store_file, a file holding the
            URL) any number of `corral control` on any hosts are one service: what one
            stores every other answers, agents may use any, and one at a time (chosen
            through the database, taken over within the node TTL) runs the node-down
            sweep. The first replica's tokens are every replica's.

            At first start it writes <state>/admin.token (for clients: corral ctl, the
            SDK, curl) and <state>/agent.token (for agents), mode 0600. Each process
            prints one line when it listens, "admin: http://..." and
            "subscribe: http://...", and writes that URL to <state>/admin.url and
            <state>/subscribe.url.

            Settings come from the [control] section of --config (default
            /etc/corral/corral.toml, when present); a flag wins over the file.

            Examples:
              corral control
              corral control --state /tmp/cp --admin-listen 127.0.0.1:7480 \\
                --subscribe-listen 10.0.0.1:7481
              corral control --store-file /etc/corral/database-url   # a replica
              curl -H "Authorization: Bearer $(cat /var/lib/corral/control/admin.token)" \\
                http://127.0.0.1:7480/v1/nodes
            """
    )

    @Option(
        name: .customLong("config"),
        help: ArgumentHelp(
            "The TOML config file; its [control] section.", discussion: "Default \(EnforcerConfig.defaultPath), used when present.",
            valueName: "path"))
    var configPath: String?

    @Option(help: ArgumentHelp("State directory: store, tokens, URLs (default /var/lib/corral/control).", valueName: "dir"))
    var state: String?

    @Option(help: ArgumentHelp("Where admin listens (default 127.0.0.1:7480; port 0 picks one).", valueName: "addr:port"))
    var adminListen: String?

    @Option(help: ArgumentHelp("Where subscribe listens (default 127.0.0.1:7481; port 0 picks one).", valueName: "addr:port"))
    var subscribeListen: String?

    @Option(help: ArgumentHelp("Seconds between an agent's heartbeats (default 1).", valueName: "seconds"))
    var heartbeat: Double?

    @Option(help: ArgumentHelp("Seconds of silence after which a node is down (default 5).", valueName: "seconds"))
    var nodeTTL: Double?

    @Option(help: ArgumentHelp("Jobs waiting to be scheduled before creates answer 429 (default 1000).", valueName: "n"))
    var queueLimit: Int?

    @Option(help: ArgumentHelp("Placement: spread (default) or binpack.", valueName: "spread|binpack"))
    var strategy: String?

    @Option(help: ArgumentHelp("Seconds a create may wait for a node before it fails (default 60).", valueName: "seconds"))
    var placementTimeout: Double?

    @Option(
        help: ArgumentHelp(
            "The store: a SQLite file, or postgresql://USER@HOST[:PORT]/DB for replicas (default <state>/control.sqlite).",
            valueName: "path|url"))
    var store: String?

    @Option(help: ArgumentHelp("A file holding the store's URL (keeps a password off the command line).", valueName: "path"))
    var storeFile: String?

    @Option(help: .hidden) var role: String?
    @Option(help: .hidden) var parentPid: Int32?

    /// The flags, as the [control] section a file would hold: the overlay.
    var flags: SettingsFile.Control {
        var section = SettingsFile.Control()
        section.stateDir = state
        section.adminListen = adminListen
        section.subscribeListen = subscribeListen
        section.heartbeatSeconds = heartbeat.map { SettingsFile.Number($0) }
        section.nodeTTLSeconds = nodeTTL.map { SettingsFile.Number($0) }
        section.queueLimit = queueLimit
        section.strategy = strategy
        section.placementTimeoutSeconds = placementTimeout.map { SettingsFile.Number($0) }
        section.store = store
        section.storeFile = storeFile
        return section
    }

    /// The defaults, then the file's [control], then the flags.
    func settings() throws(ConfigError) -> ControlSettings {
        let path = configPath ?? EnforcerConfig.defaultPath
        let file = try SettingsFile.load(path: path, required: configPath != nil)
        return try ControlSettings().applying(file?.control, source: path).applying(flags, source: "the command line")
    }

    func run() async throws {
        let settings: ControlSettings
        do {
            settings = try self.settings()
        } catch {
            throw report(error)
        }
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
            // Migrate once here, so a store that cannot be opened stops the
            // service at once instead of in a restart loop.
            let location = try settings.storeLocation()
            let store = try await ControlStore.open(location, logger: logger)
            do {
                // Replicas share one pair of tokens: the first to start
                // keeps its own in the store, the others take them.
                for path in [settings.adminTokenPath, settings.agentTokenPath] {
                    let local = try Tokens.ensure(at: path)
                    let shared = try await store.sharedSecret(URL(fileURLWithPath: path).lastPathComponent, proposing: local)
                    if shared != local { try Tokens.replace(at: path, with: shared) }
                }
            } catch {
                await store.close()
                throw error
            }
            await store.close()
            logger.info("control store ready", metadata: ["store": "\(location)"])
            for role in ControlRole.allCases {
                try? FileManager.default.removeItem(atPath: settings.stateDirectory + "/\(role.rawValue).url")
            }
        } catch {
            throw report(error)
        }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let parent = getpid()
        let configPath = self.configPath
        let supervisor = Supervisor(executable: executable, settings: settings, logger: logger) { role in
            var child = settings
            // Port 0 picks a port once; a restarted process keeps it.
            if (role == .admin ? child.adminListen : child.subscribeListen).port == 0,
                let text = try? String(contentsOfFile: settings.stateDirectory + "/\(role.rawValue).url", encoding: .utf8),
                let bound = ListenAddress(parsing: String(text.trimmingCharacters(in: .whitespacesAndNewlines).dropFirst("http://".count)))
            {
                if role == .admin { child.adminListen = bound } else { child.subscribeListen = bound }
            }
            // The child reads what this process read, and is told exactly
            // the settings it resolved, so the two cannot disagree.
            return [
                "control", "--role", role.rawValue, "--parent-pid", "\(parent)", "--config", configPath ?? "/dev/null",
                "--state", child.stateDirectory, "--admin-listen", child.adminListen.description,
                "--subscribe-listen", child.subscribeListen.description, "--heartbeat", "\(child.heartbeatSeconds)",
                "--node-ttl", "\(child.nodeTTLSeconds)", "--queue-limit", "\(child.queueLimit)", "--strategy", child.strategy.rawValue,
                "--placement-timeout", "\(child.placementTimeoutSeconds)",
            ] + (child.storeFile.map { ["--store-file", $0] } ?? child.store.map { ["--store", $0] } ?? [])
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: supervisor)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
