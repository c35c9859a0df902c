import BoxRuntime
import CorralTestSupport
import Foundation
import Testing

/// A bridge and a /24 of one test's own, and what it may leave on the host.
/// Traffic goes only to loopback, to the bridge's subnet, and to a network
/// namespace the test makes ("outside", another machine as far as the boxes
/// are concerned).
struct TestNetwork {
    let bridge: String
    let subnet: String
    private let base: String

    init() {
        let tag = UUID().uuidString.prefix(6).lowercased()
        bridge = "cbt" + tag
        base = "10.\(Int.random(in: 240...249)).\(Int.random(in: 0...255))"
        subnet = base + ".0/24"
    }

    func request(nat: Bool = false, publish: [PortMapping] = []) -> BoxNetworkRequest {
        BoxNetworkRequest(bridge: bridge, subnet: subnet, nat: nat, publish: publish)
    }

    /// The subnet's `n`th address (1 is the bridge's).
    func host(_ n: Int) -> String { "\(base).\(n)" }

    /// An HTTP GET from the host: the body of a 2xx answer, retried for `within` while there is none.
    func get(_ url: String, within: Duration = .seconds(10)) throws -> String {
        try Self.get(url, prefix: [], within: within)
    }

    static func get(_ url: String, prefix: [String], within: Duration) throws -> String {
        let deadline = ContinuousClock.now + within
        let command = prefix + ["/usr/bin/curl", "-fsS", "-m", "3", url]
        while true {
            let result = try runCommand(command[0], Array(command.dropFirst()))
            if result.status == 0 { return result.stdout }
            guard ContinuousClock.now < deadline else { throw BoxError.command("curl \(url)", reason: result.stderr) }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// What the bridge left on the host: the link, its ports, nat and filter rules.
    func leftovers() -> [String] {
        var found: [String] = []
        if FileManager.default.fileExists(atPath: "/sys/class/net/\(bridge)") { found.append("bridge \(bridge)") }
        let rules = (try? runCommand("/usr/sbin/iptables-save", []).stdout) ?? ""
        for line in rules.split(separator: "\n") where line.contains(bridge) || line.contains(base + ".") {
            found.append("rule \(line)")
        }
        return found
    }

    /// Runs `body` with a network namespace joined to the host by a veth pair
    /// (a /30 of its own), removed afterwards with whatever runs in it.
    func withOutside(_ body: (Outside) async throws -> Void) async throws {
        let outside = try Outside()
        do {
            try await body(outside)
        } catch {
            outside.remove()
            throw error
        }
        outside.remove()
    }

    struct Outside {
        let namespace: String
        let link: String
        /// The host's end, and the namespace's.
        let hostAddress: String
        let address: String
        let directory: String

        init() throws {
            let tag = UUID().uuidString.prefix(6).lowercased()
            namespace = "cbo" + tag
            link = "cbo" + tag
            let base = "10.239.\(Int.random(in: 0...63) * 4)"
            hostAddress = base + ".1"
            address = base + ".2"
            directory = "/tmp/corral-outside-" + tag
            try Self.ip(["netns", "add", namespace])
            try Self.ip(["link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", namespace])
            try Self.ip(["addr", "add", hostAddress + "/30", "dev", link])
            try Self.ip(["link", "set", link, "up"])
            try Self.ip(["-n", namespace, "addr", "add", address + "/30", "dev", "eth0"])
            try Self.ip(["-n", namespace, "link", "set", "eth0", "up"])
            try Self.ip(["-n", namespace, "link", "set", "lo", "up"])
        }

        func get(_ url: String) throws -> String {
            try TestNetwork.get(url, prefix: ["/usr/sbin/ip", "netns", "exec", namespace], within: .seconds(10))
        }

        /// busybox httpd in the namespace, port 8081, whose /cgi-bin/peer answers the client's address.
        func serveRemoteAddress() throws {
            try FileManager.default.createDirectory(atPath: directory + "/cgi-bin", withIntermediateDirectories: true)
            let script = directory + "/cgi-bin/peer"
            try Data("#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n%s\\n' \"$REMOTE_ADDR\"\n".utf8).write(
                to: URL(fileURLWithPath: script))
            chmod(script, 0o755)
            // In the foreground, not waited for (remove() kills it): a daemon
            // would keep Foundation's exit-watching socket open, and Process
            // would never see the parent exit.
            let server = Process()
            server.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
            server.arguments = ["netns", "exec", namespace, "/bin/busybox", "httpd", "-f", "-p", address + ":8081", "-h", directory]
            server.standardInput = FileHandle.nullDevice
            server.standardOutput = FileHandle.nullDevice
            server.standardError = FileHandle.nullDevice
            try server.run()
            _ = try TestNetwork.get("http://\(address):8081/cgi-bin/peer", prefix: [], within: .seconds(10))
        }

        func remove() {
            if let pids = try? runCommand("/usr/sbin/ip", ["netns", "pids", namespace]).stdout {
                for pid in pids.split(separator: "\n").compactMap({ Int32($0) }) { kill(pid, SIGKILL) }
            }
            _ = try? runCommand("/usr/sbin/ip", ["netns", "del", namespace])
            _ = try? runCommand("/usr/sbin/ip", ["link", "del", link])
            try? FileManager.default.removeItem(atPath: directory)
        }

        private static func ip(_ arguments: [String]) throws {
            let result = try runCommand("/usr/sbin/ip", arguments)
            guard result.status == 0 else { throw BoxError.command("ip \(arguments.joined(separator: " "))", reason: result.stderr) }
        }
    }
}

extension TestBoxes {
    /// Starts the box (unless running), gives it busybox from the host (through
    /// its init's root), and runs busybox httpd in it on port 8080, answering its hostname.
    func serve(_ name: String) async throws {
        let box = try await host.start(name)
        let pid = try #require(box.record.pid)
        let root = "/proc/\(pid)/root"
        try FileManager.default.createDirectory(atPath: root + "/srv", withIntermediateDirectories: true)
        try Data((box.config.hostname + "\n").utf8).write(to: URL(fileURLWithPath: root + "/srv/index.html"))
        if !FileManager.default.fileExists(atPath: root + "/usr/local/bin/busybox") {
            try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: root + "/usr/local/bin/busybox")
        }
        let started = try await exec(name, ["/usr/local/bin/busybox", "httpd", "-p", "8080", "-h", "/srv"])
        guard started.status == 0 else { throw BoxError.command("busybox httpd in \(name)", reason: started.stderr) }
    }
}
