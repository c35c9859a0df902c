import CorralCore
import Foundation
import Testing

@Suite("Published ports, as written on command lines and in the API")
struct PublishedPortTests {
    @Test(
        "[ADDRESS:]HOSTPORT:PORT[/tcp|/udp] reads as the port it names",
        arguments: [
            ("8080:80", PublishedPort(hostPort: 8080, containerPort: 80)),
            ("53:53/udp", PublishedPort(hostPort: 53, containerPort: 53, proto: "udp")),
            ("127.0.0.1:2222:22", PublishedPort(hostPort: 2222, containerPort: 22, hostAddress: "127.0.0.1")),
        ])
    func parses(_ text: String, _ port: PublishedPort) {
        #expect(PublishedPort(parsing: text) == port)
        #expect(PublishedPort(parsing: port.description) == port, "its description reads back")
    }

    @Test(
        "anything else is refused", arguments: ["80", "0:80", "80:65536", "8080:80/sctp", "localhost:80:80", "1.2.3:80:80", "a:b", ""])
    func refuses(_ text: String) {
        #expect(PublishedPort(parsing: text) == nil)
    }

    @Test("in the API: host_port, container_port, protocol (tcp when absent or null), host_address")
    func json() throws {
        let decoded = try JSONDecoder().decode(
            [PublishedPort].self,
            from: Data(
                #"[{"host_port": 8080, "container_port": 80}, {"host_port": 53, "container_port": 53, "protocol": "udp", "host_address": null}]"#
                    .utf8))
        #expect(
            decoded == [PublishedPort(hostPort: 8080, containerPort: 80), PublishedPort(hostPort: 53, containerPort: 53, proto: "udp")])
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(
            decoding: try encoder.encode(PublishedPort(hostPort: 2222, containerPort: 22, hostAddress: "127.0.0.1")), as: UTF8.self)
        #expect(text == #"{"container_port":22,"host_address":"127.0.0.1","host_port":2222,"protocol":"tcp"}"#)
    }
}
