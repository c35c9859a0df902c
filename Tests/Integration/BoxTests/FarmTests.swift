import BoxRuntime
import CorralTestSupport
import Foundation
import Testing

extension Boxes {
    @Suite("corral farm: web boxes behind a reverse-proxy box")
    struct FarmTests {
        @Test("three sites behind the proxy: each name answers its own page from its own database; ssh with the key answers the box's name")
        func threeSites() async throws {
            try await WebTestImage.built.value
            let farm = try TestFarm()
            defer { farm.finish() }
            try await TestBoxes.using { boxes in
                try farm.up(boxes, sites: 3)
                for site in ["site1", "site2", "site3"] {
                    #expect(try farm.page(site) == "hello from farm-\(site)\n")
                }
                #expect(farm.get("nope")?.status == 404)

                let listed = try farm.list(boxes)
                #expect(listed.port == farm.port)
                #expect(listed.sites.map(\.host) == ["site1.farm.test", "site2.farm.test", "site3.farm.test"])
                let silent = listed.sites.filter { !$0.answers }
                #expect(silent.isEmpty, "\(silent)")
                let ssh = try farm.key.ssh(port: try #require(listed.sites[0].ssh), ["hostname"])
                #expect(ssh.stdout == "farm-site1\n", "\(ssh.stderr)")
                let password = try farm.key.ssh(port: try #require(listed.sites[0].ssh), ["hostname"], password: true)
                #expect(password.status != 0 && password.stderr.contains("Permission denied"), "\(password.stderr)")
            }
            #expect(farm.net.leftovers().isEmpty, "\(farm.net.leftovers())")
        }

        @Test("stopping one site's box: its name answers 502, a load on the others sees no failure, and it comes back at the same address")
        func stopOne() async throws {
            try await WebTestImage.built.value
            let farm = try TestFarm()
            defer { farm.finish() }
            try await TestBoxes.using { boxes in
                try farm.up(boxes, sites: 3)
                let before = try farm.list(boxes)
                let load = farm.load(on: ["site1", "site3"])
                let started = ContinuousClock.now
                try await boxes.host.stop("farm-site2")
                let down = farm.get("site2")
                let waited = ContinuousClock.now - started
                #expect(down?.status == 502, "answered \(String(describing: down)) after \(waited)")
                try await boxes.host.start("farm-site2")
                #expect(try farm.page("site2") == "hello from farm-site2\n")
                let (served, failed) = await load.finish()
                #expect(served > 0 && failed.isEmpty, "\(served) served, failures: \(failed.prefix(5))")
                #expect(try farm.list(boxes).sites.map(\.address) == before.sites.map(\.address))
            }
        }

        @Test("add and rm of a site under load: the other sites see no failure; farm stop and start keep addresses, pages and data")
        func changes() async throws {
            try await WebTestImage.built.value
            let farm = try TestFarm()
            defer { farm.finish() }
            try await TestBoxes.using { boxes in
                try farm.up(boxes, sites: 2)
                let load = farm.load(on: ["site1", "site2"])
                try farm.corral(boxes, ["add", "blog"])
                #expect(try farm.page("blog") == "hello from farm-blog\n")
                try farm.corral(boxes, ["rm", "blog"])
                #expect(farm.get("blog")?.status == 404)
                let (served, failed) = await load.finish()
                #expect(served > 0 && failed.isEmpty, "\(served) served, failures: \(failed.prefix(5))")

                let changed = try await boxes.exec("farm-site1", ["mariadb", "-e", "UPDATE site.page SET greeting = 'kept' WHERE id = 1"])
                #expect(changed.status == 0, "\(changed.stderr)")
                let before = try farm.list(boxes)
                try farm.corral(boxes, ["stop"])
                #expect(farm.get("site1") == nil, "a stopped proxy answers nothing")
                try farm.corral(boxes, ["start"])
                #expect(try farm.page("site1") == "kept\n")
                #expect(try farm.page("site2") == "hello from farm-site2\n")
                #expect(try farm.list(boxes).sites.map(\.address) == before.sites.map(\.address))
            }
        }

        @Test("farm rm --all leaves nothing: after a farm, and after kill -9 of corral farm up midway")
        func nothingLeft() async throws {
            try await WebTestImage.built.value
            let farm = try TestFarm()
            defer { farm.finish() }
            try await TestBoxes.using { boxes in
                try farm.up(boxes, sites: 2)
                try farm.corral(boxes, ["rm", "--all"])
                #expect(await boxes.host.list().isEmpty)
                #expect(farm.net.leftovers().isEmpty, "\(farm.net.leftovers())")

                for delay in [0.3, 0.8] {
                    let up = try farm.spawnUp(boxes, sites: 3)
                    try await Task.sleep(for: .milliseconds(Int(delay * 1000)))
                    kill(up.processIdentifier, SIGKILL)
                    up.waitUntilExit()
                    try farm.corral(boxes, ["rm", "--all"])
                    #expect(await boxes.host.list().isEmpty)
                    #expect(boxes.leftovers([]).isEmpty, "\(boxes.leftovers([]))")
                    #expect(farm.net.leftovers().isEmpty, "after a kill at \(delay) s: \(farm.net.leftovers())")
                }
            }
        }
    }
}

/// A farm on a bridge and ports of the test's own, driven through `corral farm` as a person would.
struct TestFarm {
    let net = TestNetwork()
    let key: SSHKey
    let port: Int
    let sshBase: Int

    init() throws {
        key = try SSHKey()
        port = try freeLoopbackPort()
        sshBase = 20_000 + Int.random(in: 0..<20_000)
    }

    func finish() { key.remove() }

    private func arguments(_ command: [String]) -> [String] {
        ["farm"] + command
    }

    private func environment(_ boxes: TestBoxes) -> [String: String] {
        [
            "CORRAL_BOX_ROOT": boxes.root, "CORRAL_BOX_IMAGES": TestImage.cache, "CORRAL_BOX_BRIDGE": net.bridge,
            "CORRAL_BOX_SUBNET": net.subnet,
        ]
    }

    private var siteOptions: [String] {
        ["--key", key.directory + "/key.pub", "--port", String(port), "--ssh-port-base", String(sshBase)]
    }

    func up(_ boxes: TestBoxes, sites: Int) throws {
        try corral(boxes, ["up", String(sites)] + siteOptions)
    }

    /// `corral farm up` started and not waited for.
    func spawnUp(_ boxes: TestBoxes, sites: Int) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: repositoryRoot.path + "/.build/debug/corral")
        process.arguments = arguments(["up", String(sites)] + siteOptions)
        process.environment = ProcessInfo.processInfo.environment.merging(environment(boxes)) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    @discardableResult
    func corral(_ boxes: TestBoxes, _ command: [String]) throws -> CommandResult {
        let adding = command.first == "add" ? siteOptions : []
        let result = try runCommand(".build/debug/corral", arguments(command + adding), environment: environment(boxes))
        guard result.status == 0 else { throw BoxError.command("corral farm \(command.joined(separator: " "))", reason: result.stderr) }
        return result
    }

    func list(_ boxes: TestBoxes) throws -> Farm.Status {
        try JSONDecoder().decode(Farm.Status.self, from: Data(try corral(boxes, ["ls", "--json"]).stdout.utf8))
    }

    /// GET / through the proxy's published port on loopback, for `site`.farm.test.
    func get(_ site: String) -> TestHTTP.Answer? { TestHTTP.get(port: port, host: "\(site).farm.test") }

    /// The site's page through the proxy: retried for a minute until it answers 200.
    func page(_ site: String) throws -> String {
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            let answer = get(site)
            if answer?.status == 200, let body = answer?.body { return body }
            guard ContinuousClock.now < deadline else {
                throw BoxError.timedOut("\(site).farm.test answered \(String(describing: answer))")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    /// GETs in a loop on `sites` until `finish()`: how many were served, and every failure.
    func load(on sites: [String]) -> Load { Load(farm: self, sites: sites) }

    final class Load: @unchecked Sendable {
        private let lock = NSLock()
        private var running = true
        private var served = 0
        private var failures: [String] = []
        private var task: Task<Void, Never>?

        init(farm: TestFarm, sites: [String]) {
            task = Task.detached { [self] in
                var index = 0
                while lock.withLock({ running }) {
                    let site = sites[index % sites.count]
                    index += 1
                    let answer = farm.get(site)
                    lock.withLock {
                        if answer?.status == 200 { served += 1 } else { failures.append("\(site): \(String(describing: answer))") }
                    }
                }
            }
        }

        func finish() async -> (served: Int, failures: [String]) {
            lock.withLock { running = false }
            await task?.value
            return lock.withLock { (served, failures) }
        }
    }
}

/// HTTP/1.0 GETs on a plain socket to 127.0.0.1 with a Host header.
enum TestHTTP {
    struct Answer: Equatable {
        var status: Int
        var body: String
    }

    static func get(port: Int, host: String, timeout: Double = 3) -> Answer? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var limit = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        let request = "GET / HTTP/1.0\r\nHost: \(host)\r\n\r\n"
        guard request.withCString({ send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }) == request.utf8.count else { return nil }
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n < 0 { return nil }
            if n == 0 { break }
            data += buffer[0..<n]
        }
        let text = String(decoding: data, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { return nil }
        let status = text[..<split.lowerBound].split(separator: " ").dropFirst().first.flatMap { Int($0) }
        return status.map { Answer(status: $0, body: String(text[split.upperBound...])) }
    }
}
