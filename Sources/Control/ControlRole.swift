import ControlStore
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The two processes of the control plane.
public enum ControlRole: String, Sendable, CaseIterable {
    /// The clients' API.
    case admin
    /// The agents' API.
    case subscribe

    func listen(_ settings: ControlSettings) -> ListenAddress {
        self == .admin ? settings.adminListen : settings.subscribeListen
    }

    /// Where the process writes the URL it listens on, once it does.
    func urlFile(_ settings: ControlSettings) -> String {
        settings.stateDirectory + "/\(rawValue).url"
    }

    /// Runs this role until SIGTERM or SIGINT, or until the supervisor
    /// (`parent`) is gone. Prints `admin: http://...` (or `subscribe: ...`)
    /// when it listens, and writes that URL to `<state>/<role>.url`.
    public func run(settings: ControlSettings, parent: Int32?, logger: Logger) async throws {
        let store = try await ControlStore.open(settings.storeLocation(), logger: logger)
        do {
            try await serve(store: store, settings: settings, parent: parent, logger: logger)
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    private func serve(store: ControlStore, settings: ControlSettings, parent: Int32?, logger: Logger) async throws {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        let router: Router<BasicRequestContext>
        switch self {
        case .admin:
            let token = try Tokens.ensure(at: settings.adminTokenPath)
            let scheduling = SchedulingLoop(store: store, settings: settings, logger: logger)
            router = AdminServer(store: store, settings: settings, token: token, wake: { scheduling.wake() }).router()
            services.append(.init(service: scheduling))
        case .subscribe:
            let token = try Tokens.ensure(at: settings.agentTokenPath)
            let watcher = OrderWatcher(store: store, logger: logger)
            router = SubscribeServer(store: store, settings: settings, token: token, watcher: watcher).router()
            services.append(.init(service: watcher))
            services.append(.init(service: NodeSweeper(store: store, settings: settings, logger: logger)))
        }
        let address = listen(settings)
        let role = self
        let urlFile = urlFile(settings)
        let app = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(address.host, port: address.port), serverName: "corral-\(rawValue)"),
            onServerRunning: { channel in
                let bound = ListenAddress(host: address.host, port: channel.localAddress?.port ?? address.port)
                try? Data((bound.url + "\n").utf8).write(to: URL(fileURLWithPath: urlFile), options: .atomic)
                try? FileHandle.standardOutput.write(contentsOf: Data("\(role.rawValue): \(bound.url)\n".utf8))
            }, logger: logger)
        services.insert(.init(service: app), at: 0)
        if let parent {
            services.append(.init(service: ParentWatch(parent: parent), successTerminationBehavior: .gracefullyShutdownGroup))
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// Ends the process's services when the supervisor that started it is gone
/// (its parent changes), so a `kill -9` of the supervisor leaves no orphan
/// serving on its port.
struct ParentWatch: Service {
    let parent: Int32

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if getppid() != parent { return }
            try? await Task.sleep(for: .milliseconds(250))
        }
    }
}
