import Agent
import ArgumentParser
import ContainerRuntime
import Control
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

            With --enforce the enforcer runs in the same process on this node's
            containers (corral.node=<id>), with the settings of --config.

            Example:
              corral agent --control http://10.0.0.1:7481 \\
                --token-file /var/lib/corral/control/agent.token --label zone=eu
            """
    )

    @Option(help: ArgumentHelp("The control plane's subscribe URL.", valueName: "url"))
    var control: String

    @Option(help: ArgumentHelp("File holding the agents' token (the control plane's agent.token).", valueName: "path"))
    var tokenFile: String

    @Option(help: ArgumentHelp("The runtime containers are made with (docker).", valueName: "kind"))
    var runtime: String = "docker"

    @Option(help: ArgumentHelp("This node's id (default: the host name).", valueName: "id"))
    var nodeID: String?

    @Option(help: ArgumentHelp("State directory: the node's secret (default /var/lib/corral/agent).", valueName: "dir"))
    var state: String = "/var/lib/corral/agent"

    @Option(help: ArgumentHelp("A label of this node, for placement constraints (repeatable).", valueName: "key=value"))
    var label: [String] = []

    @Option(help: ArgumentHelp("Containers this node takes (default 100).", valueName: "n"))
    var maxContainers: Int64 = 100

    @Option(help: ArgumentHelp("Orders acted on at once (default 8).", valueName: "n"))
    var workers: Int = 8

    @Flag(help: "Also run the enforcer on this node's containers.")
    var enforce = false

    @Option(name: .customLong("config"), help: ArgumentHelp("The enforcer's TOML config, with --enforce.", valueName: "path"))
    var configPath: String?

    @OptionGroup var engine: EngineOptions

    func validate() throws {
        guard runtime == "docker" else { throw ValidationError("--runtime: only docker is available, not '\(runtime)'") }
        guard workers >= 1 && workers <= 256 else { throw ValidationError("--workers must be from 1 to 256") }
        guard maxContainers >= 1 else { throw ValidationError("--max-containers must be at least 1") }
        guard control.hasPrefix("http://") || control.hasPrefix("https://") else { throw ValidationError("--control wants an http:// URL") }
    }

    func run() async throws {
        var logger = Logger(label: "corral-agent")
        logger.logLevel = .info
        do {
            guard let token = try Tokens.read(tokenFile) else { throw ValidationError("--token-file \(tokenFile) does not exist") }
            var labels: [String: String] = [:]
            for pair in label {
                guard let eq = pair.firstIndex(of: "="), eq != pair.startIndex else {
                    throw ValidationError("--label wants key=value, not '\(pair)'")
                }
                labels[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
            }
            let node = nodeID ?? ProcessInfo.processInfo.hostName
            let settings = AgentSettings(
                controlURL: control, token: token, nodeID: node, stateDirectory: state, runtime: runtime, labels: labels,
                maxContainers: maxContainers, workers: workers)
            logger[metadataKey: "node"] = "\(node)"
            let connector = DockerConnector(socketPath: engine.socketPath, maxConnections: max(workers, 4), logger: logger)
            try await connector.withRuntime { runtime in
                try await runAgent(settings: settings, runtime: runtime, connector: connector, logger: logger)
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            throw report(error)
        }
    }

    private func runAgent(settings: AgentSettings, runtime: any ContainerRuntime, connector: DockerConnector, logger: Logger) async throws {
        let node = settings.nodeID
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: try AgentService(settings: settings, runtime: runtime, logger: logger))
        ]
        if enforce {
            var config = try EnforcerConfig.load(path: configPath ?? EnforcerConfig.defaultPath, required: configPath != nil)
            config.selector["corral.node"] = node
            config.spoolPath = state + "/spool"
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
