import CorralCore
import Foundation

/// The host's side of a box's network: the bridge (made on first use, marked
/// as Corral's by its alias, removed when the last box on it stops), the
/// box's veth pair, and the iptables nat rules for its published ports and
/// outbound NAT. `attach` runs before the helper starts the box; `detach`
/// whenever the box is found not running, and undoes every part of it that
/// is still there, so a crash at any point leaves nothing the next call does
/// not clean.
enum BoxBridge {
    /// The bridge's alias: the mark that Corral made it and may remove it.
    static let alias = "corral boxes"

    // MARK: Attach

    static func attach(id: String, network: BoxNetwork) async throws {
        let subnet = try IPv4Subnet(network.subnet)
        let ip = try tool("ip", package: "iproute2")
        let forwards = !network.publish.isEmpty || network.nat
        let iptables = forwards ? try tool("iptables", package: "iptables") : nil
        let lock = try await lockBridge(network.bridge)
        defer { withExtendedLifetime(lock) {} }
        try await ensureBridge(network.bridge, subnet: subnet, ip: ip)
        let host = BoxNetwork.hostLink(of: id)
        let peer = BoxNetwork.peerLink(of: id)
        if linkExists(host) { _ = await BoxTools.run(ip, ["link", "del", host]) }
        if linkExists(peer) { _ = await BoxTools.run(ip, ["link", "del", peer]) }
        try await run(ip, ["link", "add", host, "type", "veth", "peer", "name", peer])
        try await run(ip, ["link", "set", host, "master", network.bridge, "up"])
        guard let iptables else { return }
        try enableForwarding()
        for rule in boxRules(id: id, network: network) { try await ensure(rule, iptables: iptables) }
    }

    /// The bridge with the subnet's first address, up, its nat chain hooked in.
    private static func ensureBridge(_ bridge: String, subnet: IPv4Subnet, ip: String) async throws {
        let gateway = "\(subnet.gateway)/\(subnet.prefix)"
        if !linkExists(bridge) {
            try await refuseOverlap(subnet, ip: ip)
            try await run(ip, ["link", "add", bridge, "type", "bridge"])
            try await run(ip, ["link", "set", bridge, "alias", alias])
        }
        let addresses = await BoxTools.run(ip, ["-4", "-o", "addr", "show", "dev", bridge])
        if !addresses.output.contains(" \(gateway) ") {
            guard isOurs(bridge) else {
                throw BoxError.invalid("bridge \(bridge) exists, is not Corral's, and lacks \(gateway); name another with --bridge")
            }
            try await run(ip, ["addr", "add", gateway, "dev", bridge])
        }
        try await run(ip, ["link", "set", bridge, "up"])
        // Lets a DNAT'ed connection from 127.0.0.1 leave through the bridge:
        // published ports answer on the host's loopback.
        try writeSysctl("/proc/sys/net/ipv4/conf/\(bridge)/route_localnet", "1")
        guard let iptables = BoxTools.find("iptables") else { return }
        let chain = chain(of: bridge)
        _ = await BoxTools.run(iptables, ["-w", "10", "-t", "nat", "-N", chain])
        for rule in bridgeRules(bridge, subnet: subnet) { try await ensure(rule, iptables: iptables) }
    }

    /// A new bridge's subnet must not overlap an address the host already has.
    private static func refuseOverlap(_ subnet: IPv4Subnet, ip: String) async throws {
        let listing = await BoxTools.run(ip, ["-4", "-o", "addr", "show"])
        for line in listing.output.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard let inet = fields.firstIndex(of: "inet"), inet + 1 < fields.count, fields.count > 1 else { continue }
            let cidr = fields[inet + 1].split(separator: "/")
            guard cidr.count == 2, let address = IPv4(String(cidr[0])), let prefix = Int(cidr[1]) else { continue }
            let common = UInt32.max << (32 - min(prefix, subnet.prefix))
            if address.value & common == subnet.base.value & common {
                throw BoxError.invalid(
                    "subnet \(subnet) overlaps \(fields[1])'s address \(fields[inet + 1]); choose another with --subnet")
            }
        }
    }

    // MARK: Detach

    /// Removes the box's veth pair and rules; with `releasingBridge`, also
    /// the bridge and its rules when no box is left on it.
    static func detach(id: String, network: BoxNetwork, releasingBridge: Bool = true) async {
        guard let ip = BoxTools.find("ip") else { return }
        for link in [BoxNetwork.hostLink(of: id), BoxNetwork.peerLink(of: id)] where linkExists(link) {
            _ = await BoxTools.run(ip, ["link", "del", link])
        }
        // The kernel tears a dead namespace's links down in the background:
        // wait for the pair to be gone before asking whether the bridge is empty.
        let deadline = ContinuousClock.now + .seconds(5)
        while linkExists(BoxNetwork.hostLink(of: id)), ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        let iptables = BoxTools.find("iptables")
        if let iptables { for rule in boxRules(id: id, network: network) { await remove(rule, iptables: iptables) } }
        guard releasingBridge, let lock = try? await lockBridge(network.bridge) else { return }
        defer { withExtendedLifetime(lock) {} }
        guard linkExists(network.bridge), isOurs(network.bridge), ports(of: network.bridge).isEmpty else { return }
        if let iptables, let subnet = try? IPv4Subnet(network.subnet) {
            for rule in bridgeRules(network.bridge, subnet: subnet) { await remove(rule, iptables: iptables) }
            let chain = chain(of: network.bridge)
            _ = await BoxTools.run(iptables, ["-w", "10", "-t", "nat", "-F", chain])
            _ = await BoxTools.run(iptables, ["-w", "10", "-t", "nat", "-X", chain])
        }
        _ = await BoxTools.run(ip, ["link", "del", network.bridge])
    }

    // MARK: Rules

    /// `iptables -t nat` chain holding the bridge's published ports.
    static func chain(of bridge: String) -> String { "CORRAL-" + bridge }

    /// Rules that live as long as the bridge: local traffic to the host's
    /// addresses passes through the bridge's chain; loopback's source is
    /// masqueraded on the way into the bridge; forwarding to and from it is allowed.
    static func bridgeRules(_ bridge: String, subnet: IPv4Subnet) -> [[String]] {
        let chain = chain(of: bridge)
        let mark = ["-m", "comment", "--comment", "corral bridge \(bridge)"]
        return [
            ["-t", "nat", "PREROUTING", "-m", "addrtype", "--dst-type", "LOCAL"] + mark + ["-j", chain],
            ["-t", "nat", "OUTPUT", "-m", "addrtype", "--dst-type", "LOCAL"] + mark + ["-j", chain],
            ["-t", "nat", "POSTROUTING", "-s", "127.0.0.0/8", "-o", bridge] + mark + ["-j", "MASQUERADE"],
            ["-t", "filter", "FORWARD", "-o", bridge] + mark + ["-j", "ACCEPT"],
            ["-t", "filter", "FORWARD", "-i", bridge] + mark + ["-j", "ACCEPT"],
        ]
    }

    /// The box's own rules: a DNAT per published port, and masquerading of
    /// what it sends beyond the bridge when it has outbound NAT.
    static func boxRules(id: String, network: BoxNetwork) -> [[String]] {
        let mark = ["-m", "comment", "--comment", "corral box \(id.prefix(12))"]
        var rules = network.publish.map { port in
            ["-t", "nat", chain(of: network.bridge), "-p", port.proto] + (port.hostAddress.map { ["-d", $0 + "/32"] } ?? [])
                + ["--dport", String(port.hostPort)] + mark + ["-j", "DNAT", "--to-destination", "\(network.address):\(port.boxPort)"]
        }
        if network.nat {
            rules.append(
                ["-t", "nat", "POSTROUTING", "-s", network.address + "/32", "!", "-o", network.bridge] + mark + ["-j", "MASQUERADE"])
        }
        return rules
    }

    /// Appends the rule unless it is there: [-t TABLE, CHAIN, spec...].
    private static func ensure(_ rule: [String], iptables: String) async throws {
        let (table, chain, spec) = (Array(rule[0..<2]), rule[2], Array(rule[3...]))
        if await BoxTools.run(iptables, ["-w", "10"] + table + ["-C", chain] + spec).status == 0 { return }
        try await run(iptables, ["-w", "10"] + table + ["-A", chain] + spec)
    }

    /// Deletes every copy of the rule.
    private static func remove(_ rule: [String], iptables: String) async {
        let (table, chain, spec) = (Array(rule[0..<2]), rule[2], Array(rule[3...]))
        for _ in 0..<8 where await BoxTools.run(iptables, ["-w", "10"] + table + ["-D", chain] + spec).status == 0 {}
    }

    // MARK: Host facts

    static func linkExists(_ name: String) -> Bool { BoxFiles.exists("/sys/class/net/" + name) }

    static func isOurs(_ bridge: String) -> Bool {
        BoxFiles.text("/sys/class/net/\(bridge)/ifalias")?.trimmingCharacters(in: .whitespacesAndNewlines) == alias
    }

    /// The links enslaved to the bridge.
    static func ports(of bridge: String) -> [String] { BoxFiles.children(of: "/sys/class/net/\(bridge)/brif") }

    private static func enableForwarding() throws {
        if BoxFiles.text("/proc/sys/net/ipv4/ip_forward")?.hasPrefix("1") == true { return }
        try writeSysctl("/proc/sys/net/ipv4/ip_forward", "1")
    }

    private static func writeSysctl(_ path: String, _ value: String) throws {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BoxError.file(path: path, reason: BoxFiles.errnoReason()) }
        defer { close(fd) }
        guard write(fd, value, value.utf8.count) == value.utf8.count else {
            throw BoxError.file(path: path, reason: BoxFiles.errnoReason())
        }
    }

    /// Bridges are the host's, not one box root's: their lock is in /run.
    private static func lockBridge(_ bridge: String) async throws -> BoxLock {
        try BoxFiles.makeDirectory("/run/corral")
        return try await BoxLock.acquire("/run/corral/bridge-\(bridge).lock")
    }

    private static func tool(_ name: String, package: String) throws(BoxError) -> String {
        guard let path = BoxTools.find(name) else { throw BoxError.command(name, reason: "not installed; apt-get install -y \(package)") }
        return path
    }

    private static func run(_ executable: String, _ arguments: [String]) async throws {
        let result = await BoxTools.run(executable, arguments)
        guard result.status == 0 else {
            let name = executable.split(separator: "/").last.map(String.init) ?? executable
            throw BoxError.command(
                ([name] + arguments).joined(separator: " "), reason: result.output.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }
}
