import BoxRuntime
import Foundation

/// The farm's rows: wrk (Debian's) through the proxy box against straight
/// to the same web box, on its page (CGI reading MariaDB) and on a static
/// path; and GETs failed on the other sites while one site is removed and
/// added again under load.
struct FarmBench {
    let corral: String
    let seconds: Int
    /// The image cache `make bench` fills (the web image).
    let images = "/var/lib/corral/images"

    func run() async throws -> [BenchRow] {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/wrk") else {
            throw BenchError("the farm's rows need wrk: apt-get install -y wrk (make bench installs it)")
        }
        let root = "/var/tmp/corral-bench-farm-" + UUID().uuidString.prefix(8).lowercased()
        let port = 18_480
        let environment = [
            "CORRAL_BOX_ROOT": root, "CORRAL_BOX_IMAGES": images, "CORRAL_BOX_BRIDGE": "cbbench", "CORRAL_BOX_SUBNET": "10.237.0.0/24",
        ]
        let keys = root + "/key"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer {
            _ = try? command(corral, ["farm", "rm", "--all"], environment: environment)
            try? FileManager.default.removeItem(atPath: root)
        }
        _ = try command("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", keys], environment: [:])
        progress("farm: corral farm up 3 (the web image is built first when missing)")
        _ = try command(
            corral, ["farm", "up", "3", "--key", keys + ".pub", "--port", String(port), "--ssh-port-base", "18500"],
            environment: environment)
        let status = try JSONDecoder().decode(
            Farm.Status.self, from: Data(try command(corral, ["farm", "ls", "--json"], environment: environment).utf8))
        guard let site1 = status.sites.first(where: { $0.name == "site1" }) else { throw BenchError("farm ls shows no site1") }

        var rows: [BenchRow] = []
        for (path, what) in [("/", "its page (CGI reading MariaDB)"), ("/health", "a static path")] {
            progress("farm: wrk \(seconds) s through the proxy and straight to site1, \(what)")
            let proxied = try wrk("http://127.0.0.1:\(port)\(path)", host: site1.host)
            let direct = try wrk("http://\(site1.address)\(path)", host: site1.host)
            rows.append(
                BenchRow(
                    name: "farm: wrk through the proxy box, \(what): ms per 1000 requests (\(Int(proxied.rps))/s)",
                    corral: 1_000_000 / proxied.rps, baseline: 1_000_000 / direct.rps,
                    baselineName: "wrk straight to the web box (\(Int(direct.rps))/s); aim: proxied at least half", aim: 0.5, unit: "ms"))
            rows.append(
                BenchRow(
                    name: "farm: wrk through the proxy box, \(what): p99", corral: proxied.p99, baseline: direct.p99,
                    baselineName: "wrk straight to the web box", aim: 0.5, unit: "ms"))
        }

        progress("farm: GETs on site1 and site3 while site2 is removed and added again")
        let load = Load(port: port, hosts: status.sites.filter { $0.name != "site2" }.map(\.host))
        _ = try command(corral, ["farm", "rm", "site2"], environment: environment)
        _ = try command(
            corral, ["farm", "add", "site2", "--key", keys + ".pub", "--ssh-port-base", "18500"], environment: environment)
        let (served, failed) = await load.finish()
        rows.append(
            BenchRow(
                name: "farm: GETs failed on the other sites during rm + add of one (aim: 0)", corral: Double(failed),
                baseline: Double(served), baselineName: "GETs served meanwhile", aim: nil, unit: "GETs"))
        return rows
    }

    /// Requests per second and p99 (ms) of `wrk -t2 -c16 --latency`.
    private func wrk(_ url: String, host: String) throws -> (rps: Double, p99: Double) {
        let output = try command(
            "/usr/bin/wrk", ["-t", "2", "-c", "16", "-d", "\(seconds)s", "--latency", "-H", "Host: \(host)", url], environment: [:])
        var rps: Double?
        var p99: Double?
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.first == "Requests/sec:", fields.count > 1 { rps = Double(fields[1]) }
            if fields.first == "99%", fields.count > 1 { p99 = milliseconds(String(fields[1])) }
            if fields.first == "Non-2xx" { throw BenchError("wrk \(url): \(line)") }
        }
        guard let rps, let p99, rps > 0 else { throw BenchError("wrk \(url): no figures in\n\(output)") }
        return (rps, p99)
    }

    /// wrk's "812.00us", "1.23ms", "2.01s".
    private func milliseconds(_ text: String) -> Double? {
        for (suffix, scale) in [("us", 0.001), ("ms", 1.0), ("s", 1000.0)] where text.hasSuffix(suffix) {
            return Double(text.dropLast(suffix.count)).map { $0 * scale }
        }
        return nil
    }

    private func command(_ executable: String, _ arguments: [String], environment: [String: String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("corral-bench-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        try handle.close()
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            throw BenchError("\(executable) \(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(text)")
        }
        return text
    }

    /// GETs in a loop on the proxy for `hosts` until `finish()`.
    final class Load: @unchecked Sendable {
        private let lock = NSLock()
        private var running = true
        private var served = 0
        private var failed = 0
        private var task: Task<Void, Never>?

        init(port: Int, hosts: [String]) {
            task = Task.detached { [self] in
                var index = 0
                while lock.withLock({ running }) {
                    let ok =
                        HTTPProbe.status(address: "127.0.0.1", port: port, host: hosts[index % hosts.count], timeout: .seconds(3)) == 200
                    index += 1
                    lock.withLock { if ok { served += 1 } else { failed += 1 } }
                }
            }
        }

        func finish() async -> (served: Int, failed: Int) {
            lock.withLock { running = false }
            await task?.value
            return lock.withLock { (served, failed) }
        }
    }
}
