import BoxRuntime
import CorralCore
import Testing

@Suite("Box networks: subnets, addresses, published ports")
struct BoxNetworkTests {
    private func box(_ name: String, _ network: BoxNetwork?) -> BoxConfig {
        BoxConfig(
            id: String(repeating: "a", count: 64), name: name, image: "debian", imageDigest: "d", command: ["true"], environment: [],
            labels: [:], limits: BoxLimits(), network: network, createdAt: 0)
    }

    @Test("a subnet knows its bridge's address, its broadcast and what it holds")
    func subnets() throws {
        let subnet = try IPv4Subnet("10.88.0.0/16")
        #expect(subnet.gateway.description == "10.88.0.1")
        #expect(subnet.broadcast.description == "10.88.255.255")
        #expect(subnet.contains(try #require(IPv4("10.88.200.3"))))
        #expect(!subnet.contains(try #require(IPv4("10.89.0.3"))))
    }

    @Test(
        "a subnet written wrong is refused, saying how to write it",
        arguments: ["10.88.0.0", "10.88.0.0/31", "10.88.0.0/4", "10.88.0.300/24"])
    func badSubnets(text: String) {
        #expect(throws: BoxError.self) { try IPv4Subnet(text) }
    }

    @Test("host bits beyond the prefix are refused, with the subnet meant")
    func hostBits() {
        #expect(throws: BoxError.invalid("--subnet '10.88.0.5/24': the address has bits set beyond the prefix; did you mean 10.88.0.0/24?"))
        {
            try IPv4Subnet("10.88.0.5/24")
        }
    }

    @Test("the first box gets the address after the bridge's, and a gap is filled before the end grows")
    func allocation() throws {
        let subnet = try IPv4Subnet("10.1.2.0/24")
        #expect(try BoxNetwork.allocate(in: subnet, taken: []).description == "10.1.2.2")
        let taken: Set<IPv4> = [try #require(IPv4("10.1.2.2")), try #require(IPv4("10.1.2.4"))]
        #expect(try BoxNetwork.allocate(in: subnet, taken: taken).description == "10.1.2.3")
    }

    @Test("a full subnet says so")
    func full() throws {
        let subnet = try IPv4Subnet("10.1.2.0/30")
        #expect(try BoxNetwork.allocate(in: subnet, taken: []).description == "10.1.2.2")
        #expect(throws: BoxError.self) { try BoxNetwork.allocate(in: subnet, taken: [try #require(IPv4("10.1.2.2"))]) }
    }

    @Test(
        "published ports as people write them",
        arguments: [
            ("8080:80", PortMapping(hostPort: 8080, boxPort: 80)),
            ("53:53/udp", PortMapping(hostPort: 53, boxPort: 53, proto: "udp")),
            ("127.0.0.1:2222:22", PortMapping(hostPort: 2222, boxPort: 22, hostAddress: "127.0.0.1")),
        ])
    func ports(text: String, mapping: PortMapping) throws {
        #expect(try PortMapping(parsing: text) == mapping)
    }

    @Test(
        "a published port written wrong is refused, naming it",
        arguments: ["80", "0:80", "8080:70000", "x:80", "1.2.3:80:80", "80:80/sctp"])
    func badPorts(text: String) {
        #expect(throws: BoxError.invalid("--publish '\(text)': write [ADDRESS:]HOSTPORT:PORT, optionally /tcp or /udp after")) {
            try PortMapping(parsing: text)
        }
    }

    @Test("placing a box: the bridge's subnet holds, addresses and host ports are not shared")
    func placing() throws {
        let web = box(
            "web", BoxNetwork(bridge: "br", subnet: "10.5.0.0/24", address: "10.5.0.2", publish: [PortMapping(hostPort: 80, boxPort: 80)]))
        let placed = try BoxNetwork.place(BoxNetworkRequest(bridge: "br", subnet: "10.5.0.0/24"), among: [web, box("plain", nil)])
        #expect(placed.address == "10.5.0.3")
        #expect(throws: BoxError.self) { try BoxNetwork.place(BoxNetworkRequest(bridge: "br", subnet: "10.6.0.0/24"), among: [web]) }
        #expect(throws: BoxError.invalid("--publish 80:8080/tcp: host port 80/tcp is published by box web")) {
            try BoxNetwork.place(
                BoxNetworkRequest(bridge: "other", subnet: "10.6.0.0/24", publish: [PortMapping(hostPort: 80, boxPort: 8080)]), among: [web]
            )
        }
        let elsewhere = try BoxNetwork.place(BoxNetworkRequest(bridge: "other", subnet: "10.6.0.0/24"), among: [web])
        #expect(elsewhere.address == "10.6.0.2", "another bridge counts its own addresses")
        #expect(throws: BoxError.self) { try BoxNetwork.place(BoxNetworkRequest(bridge: "a-bridge-name-too-long"), among: []) }
    }
}
