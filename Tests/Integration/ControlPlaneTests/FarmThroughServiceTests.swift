import BoxRuntime
import ControlAPI
import ControlClient
import CorralCore
import CorralTestSupport
import Foundation
import Testing

/// A web farm made through the service instead of `corral farm`: an agent
/// with `--runtime native` on this host makes web boxes on its bridge and a
/// proxy box whose port `corral ctl` publishes. Traffic goes to loopback
/// only (the published port), and the bridge is the test's own. In the
/// control plane's suite, whose tests run one at a time (each cluster takes
/// a random /24 of 10.213/16).
extension ControlPlaneTests {
    @Test(
        "Sites on the bridge answer through a proxy published by corral ctl; a stopped site answers 502; delete leaves no box, link or rule"
    )
    func farmThroughTheService() async throws {
        try await Cluster.with { cluster in
            let node = "cp\(cluster.run)n"
            let bridge = "cpn\(cluster.run)"
            let subnet = try IPv4Subnet("10.214.\(cluster.subnet).0/24")
            try cluster.startBoxAgent(node, bridge: bridge, subnet: subnet.description)
            try await cluster.waitForNodes(cluster.nodes + [node])
            let admin = try cluster.admin()
            defer { Task { await admin.shutdown() } }

            // Two sites, asked for on the bridge: only the native node can take them.
            var sites: [String: ContainerRecord] = [:]
            for site in ["site1", "site2"] {
                let name = "\(site)-\(cluster.run)"
                let created = try cluster.ctl(
                    ["containers", "create", WebImage.name, "--name", name, "--network", "bridge", "--wait", "--"] + WebImage.command)
                #expect(created.status == 0, "ctl create \(site): \(created.stdout) \(created.stderr)\n\(cluster.logs())")
                sites[site] = try await record(named: name, admin)
            }
            for (site, record) in sites {
                #expect(record.node == node, "\(site) is on the native node")
                let address = try #require(record.address.flatMap(IPv4.init), "\(site) has an address: \(record)")
                #expect(subnet.contains(address) && address != subnet.gateway)
            }
            #expect(Set(sites.values.compactMap(\.address)).count == 2, "each site its own address")

            // The proxy: routes written by `corral farm proxy-config`, its port published with -p.
            let port = try freeLoopbackPort()
            let routes = sites.sorted { $0.key < $1.key }.map { "\($0.key).farm.test=\($0.value.address ?? "")" }
            let config = try runCommand(cluster.corral, ["farm", "proxy-config"] + routes)
            #expect(config.status == 0, "\(config.stderr)")
            let proxyName = "proxy-\(cluster.run)"
            let proxy = try cluster.ctl(
                [
                    "containers", "create", WebImage.name, "--name", proxyName, "-p", "\(port):80",
                    "--env", "\(WebImage.proxyConfigVariable)=\(config.stdout)", "--wait", "--",
                ] + WebImage.proxyCommand)
            #expect(proxy.status == 0, "ctl create proxy: \(proxy.stdout) \(proxy.stderr)\n\(cluster.logs())")
            let proxyRecord = try await record(named: proxyName, admin)
            #expect(proxyRecord.spec.ports == [PublishedPort(hostPort: port, containerPort: 80)])
            let listed = try cluster.ctl(["containers", "ls"])
            #expect(listed.stdout.contains("\(port):80/tcp") && listed.stdout.contains(proxyRecord.address ?? "no address"))

            // Each name answers with its own page, read from its own database
            // (the box's hostname is its runtime name, corral-<id>).
            for (site, record) in sites {
                let body = try await poll("\(site)'s page through the proxy", seconds: 180, every: 0.5) { () -> String? in
                    let body = try? page(port: port, host: "\(site).farm.test")
                    return body?.hasPrefix("hello from") == true ? body : nil
                }
                #expect(body == "hello from corral-\(record.id)\n")
            }
            #expect(HTTPProbe.status(address: "127.0.0.1", port: port, host: "nobody.farm.test") == 404)

            // Stopping a site through the service: its name answers 502, the other's still 200.
            let stop = try await admin.send(.POST, "/v1/containers/\(sites["site1"]?.id ?? "")/stop", as: JobAccepted.self)
            try await waitForJobs(admin, [stop.jobID], cluster)
            _ = try await poll("site1 answering 502 once stopped", seconds: 10) { () -> Bool? in
                HTTPProbe.status(address: "127.0.0.1", port: port, host: "site1.farm.test") == 502 ? true : nil
            }
            #expect(HTTPProbe.status(address: "127.0.0.1", port: port, host: "site2.farm.test") == 200)
            let stopped = try await record(named: "site1-\(cluster.run)", admin)
            #expect(stopped.actual == .stopped && stopped.address == sites["site1"]?.address, "a stopped box keeps its address")

            // Deleting them all leaves no box, no bridge and no rule.
            var deletes: [String] = []
            for record in Array(sites.values) + [proxyRecord] {
                deletes.append(try await admin.send(.DELETE, "/v1/containers/\(record.id)", as: JobAccepted.self).jobID)
            }
            try await waitForJobs(admin, deletes, cluster)
            let left = await BoxHost().list().filter { $0.config.labels["corral.node"] == node }
            #expect(left.isEmpty, "boxes left: \(left.map(\.name))")
            #expect(!FileManager.default.fileExists(atPath: "/sys/class/net/\(bridge)"), "the bridge goes with its last box")
            let rules = try runCommand("/usr/sbin/iptables-save", []).stdout
            let ours = rules.split(separator: "\n").filter { line in
                line.contains(bridge) || Array(sites.values).contains { line.contains("corral box \(($0.runtimeID ?? "-").prefix(12))") }
            }
            #expect(ours.isEmpty, "rules left: \(ours)")
        }
    }
}

/// The service's record of the container called `name`.
private func record(named name: String, _ admin: ControlClient) async throws -> ContainerRecord {
    let all = try await admin.send(.GET, "/v1/containers", as: ContainerList.self).containers
    return try #require(all.first { $0.name == name }, "no container \(name) in \(all.map(\.name))")
}

/// The body of GET / on the host's `port` with `Host: host`, or nil unless 200.
private func page(port: Int, host: String) throws -> String? {
    let result = try runCommand("/usr/bin/curl", ["-sf", "-m", "5", "-H", "Host: \(host)", "http://127.0.0.1:\(port)/"])
    return result.status == 0 ? result.stdout : nil
}
