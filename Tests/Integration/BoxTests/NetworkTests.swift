import BoxRuntime
import CorralTestSupport
import Foundation
import Testing

extension Boxes {
    @Suite("Boxes on a bridge: addresses, published ports, NAT, and nothing left behind")
    struct NetworkTests {
        @Test("a box on the bridge answers on its own address, keeps it across stop and start, and rm frees it")
        func stableAddresses() async throws {
            let net = TestNetwork()
            try await TestBoxes.using { boxes in
                let first = try await boxes.create("first", network: net.request())
                let second = try await boxes.create("second", network: net.request())
                #expect(first.network?.address == net.host(2))
                #expect(second.network?.address == net.host(3))

                try await boxes.serve("first")
                #expect(try await boxes.host.inspect("first").isRunning)
                #expect(try net.get("http://\(net.host(2)):8080/") == "first\n")
                #expect(try await boxes.shell("first", "ls /sys/class/net | sort | tr '\\n' ' '").stdout == "eth0 lo ")

                try await boxes.host.stop("first", grace: .zero)
                try await boxes.serve("first")
                #expect(try net.get("http://\(net.host(2)):8080/") == "first\n", "the same address after stop and start")

                try await boxes.host.remove("first", force: true)
                let third = try await boxes.create("third", network: net.request())
                #expect(third.network?.address == net.host(2), "rm gave the address back")
            }
            #expect(net.leftovers().isEmpty, "\(net.leftovers())")
        }

        @Test("--publish answers on the host's loopback and from another network namespace, and stops with the box")
        func publish() async throws {
            let net = TestNetwork()
            try await TestBoxes.using { boxes in
                let port = try freeLoopbackPort()
                let result = try boxes.corral(
                    [
                        "create", "site", "--image", TestImage.name, "--disk", "64M", "--bridge", net.bridge, "--subnet", net.subnet,
                        "--publish",
                        "\(port):8080",
                    ])
                #expect(result.status == 0, "\(result.stderr)")
                try await boxes.serve("site")
                #expect(try net.get("http://127.0.0.1:\(port)/") == "site\n")
                try await net.withOutside { (outside: TestNetwork.Outside) async throws in
                    #expect(try outside.get("http://\(outside.hostAddress):\(port)/") == "site\n")
                }
                let listed = try boxes.corral(["ls"]).stdout
                #expect(listed.contains(net.host(2)) && listed.contains("\(port):8080/tcp"), "\(listed)")

                try await boxes.host.stop("site", grace: .zero)
                #expect(net.leftovers().isEmpty, "\(net.leftovers())")
                #expect((try? net.get("http://127.0.0.1:\(port)/", within: .zero)) == nil, "a stopped box's port answers no more")
            }
        }

        @Test("a box with --nat reaches beyond the bridge behind the host's address")
        func outboundNAT() async throws {
            let net = TestNetwork()
            try await TestBoxes.using { boxes in
                _ = try await boxes.create("client", network: net.request(nat: true))
                try await boxes.serve("client")
                try await net.withOutside { (outside: TestNetwork.Outside) async throws in
                    try outside.serveRemoteAddress()
                    let seen = try await boxes.shell(
                        "client", "timeout 10 /usr/local/bin/busybox wget -q -O - http://\(outside.address):8081/cgi-bin/peer")
                    #expect(seen.stdout == outside.hostAddress + "\n", "\(seen.stdout) \(seen.stderr)")
                }
            }
            #expect(net.leftovers().isEmpty, "\(net.leftovers())")
        }

        @Test("a host port published twice, a subnet of another size on the same bridge, a bad --publish: clear errors")
        func badRequests() async throws {
            let net = TestNetwork()
            try await TestBoxes.using { boxes in
                _ = try await boxes.create("a", network: net.request(publish: [PortMapping(hostPort: 18_091, boxPort: 80)]))
                await #expect(throws: BoxError.invalid("--publish 18091:80/tcp: host port 18091/tcp is published by box a")) {
                    try await boxes.create("b", network: net.request(publish: [PortMapping(hostPort: 18_091, boxPort: 80)]))
                }
                await #expect(
                    throws: BoxError.invalid(
                        "bridge \(net.bridge) holds subnet \(net.subnet) (its boxes have addresses there), not 10.251.0.0/16")
                ) {
                    try await boxes.create("c", network: BoxNetworkRequest(bridge: net.bridge, subnet: "10.251.0.0/16"))
                }
                #expect(throws: BoxError.self) { try PortMapping(parsing: "80") }
                let refused = try boxes.corral(["create", "d", "--publish", "70000:80"])
                #expect(refused.status != 0 && refused.stderr.contains("--publish '70000:80'"), "\(refused.stderr)")
            }
        }

        @Test("a box killed with kill -9 leaves its rules and bridge only until corral box next looks")
        func crash() async throws {
            let net = TestNetwork()
            try await TestBoxes.using { boxes in
                let port = try freeLoopbackPort()
                _ = try await boxes.create("doomed", network: net.request(nat: true, publish: [PortMapping(hostPort: port, boxPort: 8080)]))
                let box = try await boxes.host.start("doomed")
                #expect(!net.leftovers().isEmpty, "the running box's bridge and rules are there")
                kill(try #require(box.record.pid), SIGKILL)
                _ = try await boxes.host.wait("doomed")
                #expect(try boxes.corral(["ls"]).status == 0)
                #expect(net.leftovers().isEmpty, "\(net.leftovers())")
            }
        }
    }
}
