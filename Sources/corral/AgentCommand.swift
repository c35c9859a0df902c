import Agent
import ArgumentParser
import BoxRuntime
import ContainerRuntime
import Control
import CorralCore
import DockerRuntime
import Enforcer
import Foundation
import Journal
import Logging
import ServiceLifecycle
import Settings

struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run this host's agent: take the control plane's work orders and act on them.",
        discussion: """
            Registers this host with the control plane's subscribe API (its id, runtime,
            CPUs, memory and labels), then keeps one long poll open for work orders,
            acknowledges each at once and acts on it through the runtime, reporting how
            it went. Heartbeats every second (the control plane says how often); if the
            control plane goes away it retries with jittered back-off and registers
            again, reconciling what its runtime runs with what the service thinks, so
            no container is lost or doubled across a restart of either side.

            It touches only containers labelled corral.managed=true and
            corral.node=<its node id>, which is how it labels what it creates.

            With --runtime native, a container asking for the bridge network (corral ctl
            create --network bridge, or --publish) becomes a box on --bridge with an
            address of its own from --subnet, its ports published on this host.

            With --enforce the enforcer runs in the same process on this node's
            containers (corral.node=<id>), with the settings of --config.

            Settings come from the [agent] section of --config (default
            /etc/corral/corral.toml, when present); a flag wins over the file.

            Example:
              corral agent --control http://10.0.0.1:7481 \\
                --token-file /var/lib/corral/control/agent.token --label zone=eu
              corral agent --control http://10.0.0.1:7481,http://10.0.0.2:7481 \\
                --token-file /etc/corral/agent.token   # replicas: fails over
            """
    )

    @Option(
        help: ArgumentHelp(
            "The control plane's subscribe URL, or every replica's separated by commas (required here or in [agent] control_url).",
            valueName: "url[,url...]"))
    var control: String?

    @Option(help: ArgumentHelp("File holding the agents' token: the control plane's agent.token.", valueName: "path"))
    var tokenFile: String?

    @Option(help: ArgumentHelp("The runtime containers are made with: docker (default) or native (boxes).", valueName: "kind"))
    var runtime: String?

    @Option(help: ArgumentHelp("Where boxes live with --runtime native (default /var/lib/corral).", valueName: "dir"))
    var boxRoot: String?

    @OptionGroup(title: "Boxes' network (with --runtime native, for containers asking for the bridge)")
    var bridge: BridgeOptions

    @Flag(help: "With --runtime native: boxes on the bridge may reach beyond the host (outbound NAT).")
    var nat = false

    @Option(help: ArgumentHelp("This node's id (default: the host name).", valueName: "id"))
    var nodeID: String?

    @Option(help: ArgumentHelp("State directory: the node's secret (default /var/lib/corral/agent).", valueName: "dir"))
    var state: String?

    @Option(help: ArgumentHelp("A label of this node, for placement constraints (repeatable).", valueName: "key=value"))
    var label: [String] = []

    @Option(help: ArgumentHelp("Containers this node takes (default 100).", valueName: "n"))
    var maxContainers: Int?

    @Option(help: ArgumentHelp("Orders acted on at once (default 8).", valueName: "n"))
    var workers: Int?

    @Flag(help: "Also run the enforcer on this node's containers (its settings: the rest of --config).")
    var enforce = false

    @Option(
        name: .customLong("config"),
        help: ArgumentHelp(
            "The TOML config file: its [agent] section, and the enforcer's settings with --enforce.",
            discussion: "Default \(EnforcerConfig.defaultPath), used when present.", valueName: "path"))
    var configPath: String?

    @OptionGroup var engine: EngineOptions

    /// The flags, as the [agent] section a file would hold: the overlay.
    func flags() throws -> SettingsFile.Agent {
        var section = SettingsFile.Agent()
        section.controlURL = control
        section.tokenFile = tokenFile
        section.runtime = runtime
        section.nodeID = nodeID
        section.stateDir = state
        section.maxContainers = maxContainers
        section.workers = workers
        if enforce { section.enforce = true }
        if !label.isEmpty {
            var labels: [String: String] = [:]
            for pair in label {
                guard let eq = pair.firstIndex(of: "="), eq != pair.startIndex else {
                    throw ValidationError("--label wants key=value, not '\(pair)'")
                }
                labels[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
            }
            section.labels = labels
        }
        return section
    }

    func run() async throws {
        var logger = Logger(label: "corral-agent")
        logger.logLevel = .info
        let path = configPath ?? EnforcerConfig.defaultPath
        let settings: AgentSettings
        let file: SettingsFile?
        do {
            file = try SettingsFile.load(path: path, required: configPath != nil)
            let section = (file?.agent ?? SettingsFile.Agent()).overlaid(by: try flags())
            settings = try AgentSettings.resolve(
                section, source: configPath == nil && control != nil ? "the command line" : path,
                defaultNodeID: ProcessInfo.processInfo.hostName,
                readToken: { try Tokens.read($0) })
            logger[metadataKey: "node"] = "\(settings.nodeID)"
            let enforce = section.enforce ?? false
            let enforcer = enforce ? try EnforcerConfig.load(path: path, required: configPath != nil) : nil
            let connector: any RuntimeConnector =
                settings.runtime == "native"
                ? NativeConnector(
                    host: BoxHost(paths: BoxPaths(root: boxRoot ?? BoxPaths.defaultRoot)),
                    network: BoxNetworkRequest(bridge: bridge.bridgeName, subnet: bridge.subnetCIDR, nat: nat))
                : DockerConnector(socketPath: engine.socketPath, maxConnections: max(settings.workers, 4), logger: logger)
            try await connector.withRuntime { runtime in
                try await runAgent(settings: settings, runtime: runtime, connector: connector, enforcer: enforcer, logger: logger)
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            throw report(error)
        }
    }

    private func runAgent(
        settings: AgentSettings, runtime: any ContainerRuntime, connector: any RuntimeConnector, enforcer: EnforcerConfig?, logger: Logger
    ) async throws {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: try AgentService(settings: settings, runtime: runtime, logger: logger))
        ]
        if var config = enforcer {
            if settings.runtime == "native" {
                config.runtime = .native
                config.cgroupParent = NativeRuntime.cgroupParent
                config.collector.enabled = false
            }
            // The enforcer keeps the mix among this node's containers only,
            // with a spool of its own beside the agent's state.
            config.selector[CorralLabel.node] = settings.nodeID
            config.spoolPath = settings.stateDirectory + "/spool"
            services.append(
                .init(
                    service: EnforcerService(
                        config: config, connector: connector, journal: SystemdJournal(socketPath: config.journalSocket), logger: logger,
                        console: { _ in }, colour: false, metrics: nil)))
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
