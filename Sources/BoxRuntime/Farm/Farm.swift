import Foundation

/// A web farm on boxes: web boxes of the web image, and one reverse-proxy
/// box (nginx, of the same image) that routes `<site>.<domain>` by host name
/// to each and is published on a host port. A farm has no state of its own:
/// it is the boxes labelled `corral.farm=<name>`, their labels and their
/// config.json, like any box's.
public struct Farm: Sendable {
    public static let farmLabel = "corral.farm"
    public static let roleLabel = "corral.farm.role"
    public static let siteLabel = "corral.farm.site"
    public static let domainLabel = "corral.farm.domain"

    public let name: String
    public let host: BoxHost

    public init(name: String, host: BoxHost) throws(BoxError) {
        try BoxConfig.validate(name: name + "-proxy")
        self.name = name
        self.host = host
    }

    /// What `up` makes: the settings of the farm's boxes.
    public struct Settings: Sendable {
        public var domain: String
        /// The proxy's host port.
        public var port: Int
        /// Root's authorized key in every web box.
        public var publicKey: String
        /// The first host port tried for the web boxes' ssh.
        public var sshPortBase: Int
        public var bridge: String
        public var subnet: String
        public var disk: Int64

        public init(
            domain: String, port: Int, publicKey: String, sshPortBase: Int = 2201, bridge: String = BoxNetwork.defaultBridge,
            subnet: String = BoxNetwork.defaultSubnet, disk: Int64 = 1 << 30
        ) {
            self.domain = domain
            self.port = port
            self.publicKey = publicKey
            self.sshPortBase = sshPortBase
            self.bridge = bridge
            self.subnet = subnet
            self.disk = disk
        }
    }

    /// One site as `ls` shows it.
    public struct Site: Sendable, Equatable, Codable {
        public var name: String
        /// The host name the proxy routes to it.
        public var host: String
        public var box: String
        public var address: String
        /// The host port forwarded to its ssh.
        public var ssh: Int?
        public var state: String
        /// Its page (read from its database) answered 200 just now.
        public var answers: Bool
    }

    /// The farm as `ls` shows it.
    public struct Status: Sendable, Equatable, Codable {
        public var farm: String
        public var domain: String
        /// The proxy's published host port.
        public var port: Int?
        public var proxy: String?
        public var proxyState: String?
        public var sites: [Site]
    }

    // MARK: Reading the farm from its boxes

    func boxes() async -> [Box] { await host.list().filter { $0.config.labels[Self.farmLabel] == name } }

    func proxy(in boxes: [Box]) -> Box? { boxes.first { $0.config.labels[Self.roleLabel] == "proxy" } }

    func webs(in boxes: [Box]) -> [Box] {
        boxes.filter { $0.config.labels[Self.roleLabel] == "web" }.sorted {
            ($0.config.labels[Self.siteLabel] ?? "") < ($1.config.labels[Self.siteLabel] ?? "")
        }
    }

    public func status(probe: Bool = true) async -> Status {
        let all = await boxes()
        let proxy = proxy(in: all)
        let domain = proxy?.config.labels[Self.domainLabel] ?? "\(name).test"
        let sites = webs(in: all).map { box in
            let site = box.config.labels[Self.siteLabel] ?? box.name
            let address = box.config.network?.address ?? "-"
            return Site(
                name: site, host: "\(site).\(domain)", box: box.name, address: address,
                ssh: box.config.network?.publish.first { $0.boxPort == 22 }?.hostPort, state: box.record.words,
                answers: probe && box.isRunning && HTTPProbe.status(address: address) == 200)
        }
        return Status(
            farm: name, domain: domain, port: proxy?.config.network?.publish.first { $0.boxPort == 80 }?.hostPort, proxy: proxy?.name,
            proxyState: proxy?.record.words, sites: sites)
    }

    // MARK: Changing it

    /// Makes the proxy (unless there) and sites site1...siteN (those missing), starts them all, and routes them.
    public func up(sites count: Int, settings: Settings, progress: @Sendable (String) -> Void = { _ in }) async throws {
        var all = await boxes()
        if proxy(in: all) == nil {
            progress("creating \(name)-proxy (nginx), published on host port \(settings.port)")
            _ = try await host.create(
                name: "\(name)-proxy", image: WebImage.name, command: FarmProxy.command,
                labels: [Self.farmLabel: name, Self.roleLabel: "proxy", Self.domainLabel: settings.domain],
                limits: BoxLimits(disk: 256 << 20),
                network: BoxNetworkRequest(
                    bridge: settings.bridge, subnet: settings.subnet, publish: [PortMapping(hostPort: settings.port, boxPort: 80)]))
            all = await boxes()
        }
        let existing = Set(webs(in: all).compactMap { $0.config.labels[Self.siteLabel] })
        for index in 1...max(1, count) where !existing.contains("site\(index)") {
            try await createSite("site\(index)", settings: settings, progress: progress)
        }
        try await start(progress: progress)
    }

    /// Adds one site: its box is made and started, then the proxy routes to it.
    public func add(_ site: String, settings: Settings, progress: @Sendable (String) -> Void = { _ in }) async throws {
        guard proxy(in: await boxes()) != nil else { throw BoxError.wrongState("farm \(name) is not up; corral farm up first") }
        try await createSite(site, settings: settings, progress: progress)
        try await host.start("\(name)-\(site)")
        try await waitUntilAnswering(["\(name)-\(site)"])
        try await route()
    }

    /// Removes one site: the proxy stops routing to it (reloaded gracefully), then its box goes.
    public func remove(_ site: String) async throws {
        let box = webs(in: await boxes()).first { $0.config.labels[Self.siteLabel] == site }
        guard let box else { throw BoxError.invalid("farm \(name) has no site \(site) (corral farm ls lists them)") }
        try await route(excluding: [box.id])
        try await host.remove(box.id, force: true)
    }

    /// Starts every box of the farm (webs first) and routes them.
    public func start(progress: @Sendable (String) -> Void = { _ in }) async throws {
        let all = await boxes()
        let webs = webs(in: all)
        for box in webs where !box.isRunning {
            progress("starting \(box.name) (\(box.config.network?.address ?? "?"))")
            try await host.start(box.id)
        }
        if let proxy = proxy(in: all), !proxy.isRunning {
            progress("starting \(proxy.name)")
            try await host.start(proxy.id)
        }
        try await waitUntilAnswering(webs.map(\.name))
        try await route()
    }

    /// Stops every box of the farm (the proxy first); disks and addresses stay.
    public func stop() async throws {
        let all = await boxes()
        for box in ([proxy(in: all)].compactMap { $0 } + webs(in: all)) where box.isRunning { try await host.stop(box.id) }
    }

    /// Removes every box of the farm.
    public func destroy() async throws {
        for box in await boxes() { try await host.remove(box.id, force: true) }
    }

    // MARK: Parts

    private func createSite(_ site: String, settings: Settings, progress: @Sendable (String) -> Void) async throws {
        try BoxConfig.validate(name: site)
        let taken = Set(await host.list().compactMap(\.config.network).flatMap(\.publish).map(\.hostPort))
        var sshPort = settings.sshPortBase
        while taken.contains(sshPort) || !HTTPProbe.portIsFree(sshPort) { sshPort += 1 }
        progress("creating \(name)-\(site): \(site).\(settings.domain), ssh on host port \(sshPort)")
        _ = try await host.create(
            name: "\(name)-\(site)", image: WebImage.name, command: WebImage.command,
            environment: ["\(WebImage.keyVariable)=\(settings.publicKey)"],
            labels: [Self.farmLabel: name, Self.roleLabel: "web", Self.siteLabel: site], limits: BoxLimits(disk: settings.disk),
            network: BoxNetworkRequest(
                bridge: settings.bridge, subnet: settings.subnet, publish: [PortMapping(hostPort: sshPort, boxPort: 22)]))
    }

    private func waitUntilAnswering(_ names: [String], within limit: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + limit
        for boxName in names {
            let box = try await host.inspect(boxName)
            guard let address = box.config.network?.address else { continue }
            // Its page reads its database: 200 once nginx, fcgiwrap and MariaDB all run.
            while HTTPProbe.status(address: address, timeout: .milliseconds(500)) != 200 {
                guard ContinuousClock.now < deadline else {
                    throw BoxError.timedOut("\(boxName) (\(address)) did not answer its page in \(limit); corral box logs \(boxName)")
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Writes the proxy's configuration (every running-or-not site but `excluding`) and reloads nginx gracefully.
    func route(excluding: Set<String> = []) async throws {
        let all = await boxes()
        guard let proxy = proxy(in: all) else { return }
        guard proxy.isRunning, let pid = proxy.record.pid else { return }
        let domain = proxy.config.labels[Self.domainLabel] ?? "\(name).test"
        let routes = webs(in: all).filter { !excluding.contains($0.id) }.compactMap { box -> FarmProxy.Route? in
            guard let address = box.config.network?.address, let site = box.config.labels[Self.siteLabel] else { return nil }
            return FarmProxy.Route(host: "\(site).\(domain)", address: address)
        }
        let root = "/proc/\(pid)/root"
        let running = BoxFiles.exists(root + FarmProxy.pidPath)
        try BoxFiles.replace(root + FarmProxy.configPath, with: Data(FarmProxy.config(routes).utf8))
        if running {
            let arguments = try await host.execArguments(
                proxy.id, command: ["/usr/sbin/nginx", "-c", FarmProxy.configPath, "-s", "reload"])
            let result = await BoxTools.run(arguments[0], Array(arguments.dropFirst()))
            guard result.status == 0 else { throw BoxError.command("nginx -s reload in \(proxy.name)", reason: result.output) }
        }
        // The proxy answers for its sites once nginx runs (on this configuration).
        let deadline = ContinuousClock.now + .seconds(30)
        while !BoxFiles.exists(root + FarmProxy.pidPath) {
            guard ContinuousClock.now < deadline else {
                throw BoxError.timedOut("nginx in \(proxy.name) did not start in 30 s; corral box logs \(proxy.name)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
