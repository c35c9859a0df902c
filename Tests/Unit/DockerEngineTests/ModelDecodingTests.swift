import Foundation
import Testing

@testable import DockerEngine

/// Answers captured from a real dockerd 20.10 (API 1.41) decode into the models.
@Suite("Engine API models")
struct ModelDecodingTests {
    func fixture(_ name: String) throws -> Data {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
        return try Data(contentsOf: url)
    }

    @Test("a container list decodes with names, labels, state and creation time")
    func list() throws {
        let list = try JSONDecoder().decode([ContainerSummary].self, from: fixture("list.json"))
        let row = try #require(list.first)
        #expect(row.name == "corral-fixture")
        #expect(row.image == "corral/low-idle")
        #expect(row.state == "running")
        #expect(row.labels["corral.managed"] == "true")
        #expect(row.labels["corral.class"] == "low")
        #expect(row.created > 1_700_000_000)
        #expect(row.id.count == 64)
    }

    @Test("an inspection decodes with pid, status, labels, image and creation time")
    func inspect() throws {
        let details = try JSONDecoder().decode(ContainerDetails.self, from: fixture("inspect.json"))
        #expect(details.name == "corral-fixture")
        #expect(details.state.running)
        #expect(details.state.status == "running")
        #expect(details.state.pid > 0)
        #expect(details.config.image == "corral/low-idle")
        #expect(details.imageID.hasPrefix("sha256:"))
        #expect(details.labels["corral.class"] == "low")
        #expect(details.config.env.contains("STRESS_X=1"))
        #expect(details.hostConfig.networkMode == "none")
        let created = try #require(details.createdEpochSeconds)
        #expect(created > 1_700_000_000)
    }

    @Test("the version answer names the API version")
    func version() throws {
        let info = try JSONDecoder().decode(VersionInfo.self, from: fixture("version.json"))
        #expect(APIVersion(info.apiVersion) != nil)
        #expect(!info.version.isEmpty)
    }

    @Test("an event stream decodes line by line: create, start, kill, die, destroy")
    func events() throws {
        let text = String(decoding: try fixture("events.jsonl"), as: UTF8.self)
        let events = try text.split(separator: "\n").map { try JSONDecoder().decode(DockerEvent.self, from: Data($0.utf8)) }
        #expect(events.map(\.action) == ["create", "start", "kill", "die", "destroy"])
        #expect(events.allSatisfy { $0.type == "container" && $0.actorID.count == 64 })
        #expect(events[0].attributes["name"] == "corral-fixture")
        #expect(events[3].attributes["exitCode"] == "137")
        #expect(events[0].timeNano > 1_700_000_000_000_000_000)
    }

    @Test("the daemon's error body becomes the error's message")
    func errorMessage() throws {
        let reply = Transport.Reply(status: 404, body: .init(bytes: try fixture("not-found.json")), endpoint: "GET /x")
        #expect(throws: DockerError.notFound(message: "No such container: nope")) { try Transport.check(reply) }
    }

    @Test(
        "statuses map to typed errors",
        arguments: [
            (404, DockerError.notFound(message: "m")), (409, .conflict(message: "m")), (500, .api(status: 500, message: "m")),
            (400, .api(status: 400, message: "m")),
        ])
    func statusMapping(status: Int, expected: DockerError) {
        let reply = Transport.Reply(status: status, body: .init(string: #"{"message":"m"}"#), endpoint: "GET /x")
        #expect(throws: expected) { try Transport.check(reply) }
    }

    @Test("success statuses, including 304 not modified, are not errors", arguments: [200, 201, 204, 304])
    func successes(status: Int) throws {
        try Transport.check(.init(status: status, body: .init(), endpoint: "POST /x"))
    }
}

@Suite("Engine API plumbing")
struct PlumbingTests {
    @Test(
        "API versions parse and negotiate to the highest both sides speak",
        arguments: [("1.41", "1.41"), ("1.43", "1.43"), ("1.47", "1.45"), ("2.0", "1.45")])
    func negotiate(daemon: String, expected: String) throws {
        let version = try APIVersion.negotiate(daemon: try #require(APIVersion(daemon)))
        #expect(version.description == expected)
    }

    @Test("a daemon older than API 1.41 is refused with both versions named")
    func tooOld() throws {
        let error = #expect(throws: DockerError.self) { try APIVersion.negotiate(daemon: APIVersion(major: 1, minor: 24)) }
        #expect(error?.description.contains("1.24") == true)
        #expect(error?.description.contains("1.41") == true)
    }

    @Test("malformed API versions do not parse", arguments: ["", "1", "1.", "a.b", "1.2.3", "-1.4"])
    func badVersions(text: String) {
        #expect(APIVersion(text) == nil)
    }

    @Test("filters encode as the JSON object the daemon expects, keys sorted")
    func filters() {
        let filters = ContainerFilters.label("corral.managed", "true").label("corral.class").type("container")
        #expect(filters.json == #"{"label":["corral.managed=true","corral.class"],"type":["container"]}"#)
        #expect(ContainerFilters.label("a\"b", "c\\d").json == #"{"label":["a\"b=c\\d"]}"#)
    }

    @Test("query values are percent-encoded")
    func percentEncoding() {
        #expect(Transport.percentEncode(#"{"label":["a=b"]}"#) == "%7B%22label%22%3A%5B%22a%3Db%22%5D%7D")
        #expect(Transport.queryString([("all", "true"), ("t", "10")]) == "?all=true&t=10")
        #expect(Transport.queryString([]) == "")
    }

    @Test(
        "RFC 3339 timestamps with nanoseconds and offsets parse to epoch seconds",
        arguments: [
            ("1970-01-01T00:00:00Z", 0.0), ("2026-11-21T21:07:15.5Z", 1_795_295_235.5),
            ("2026-11-21T22:07:15.5+01:00", 1_795_295_235.5), ("2000-02-29T00:00:00.000000001Z", 951_782_400.000000001),
        ])
    func rfc3339(text: String, expected: Double) throws {
        let seconds = try #require(RFC3339.epochSeconds(text))
        #expect(abs(seconds - expected) < 1e-6)
    }

    @Test(
        "malformed timestamps are rejected",
        arguments: ["", "2026-11-21", "2026-13-01T00:00:00Z", "2026-11-21T21:07:15", "0001-01-01T00:00:00Zjunk"])
    func badTimestamps(text: String) {
        #expect(RFC3339.epochSeconds(text) == nil)
    }

    @Test("a DOCKER_HOST of unix:// names the socket; otherwise the standard path")
    func socketPath() {
        #expect(DockerClient.defaultSocketPath(environment: ["DOCKER_HOST": "unix:///run/x.sock"]) == "/run/x.sock")
        #expect(DockerClient.defaultSocketPath(environment: [:]) == "/var/run/docker.sock")
        #expect(DockerClient.defaultSocketPath(environment: ["DOCKER_HOST": "tcp://1.2.3.4:2375"]) == "/var/run/docker.sock")
    }

    @Test("event timestamps keep nanoseconds")
    func eventTimestamp() {
        #expect(DockerClient.timestamp(1_795_295_235.25) == "1795295235.250000000")
        #expect(DockerClient.timestamp(12) == "12.000000000")
    }

    @Test("a create spec encodes image, labels, env, limits and network mode")
    func specEncoding() throws {
        let spec = ContainerSpec(
            image: "corral/high-ram", name: "x", labels: ["corral.managed": "true"], cmd: ["/high-ram"],
            env: ["B": "2", "A": "1"], networkMode: "none", memoryBytes: 1 << 28, nanoCPUs: 500_000_000)
        let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(spec)) as? [String: Any])
        #expect(object["Image"] as? String == "corral/high-ram")
        #expect(object["Env"] as? [String] == ["A=1", "B=2"])
        #expect(object["Cmd"] as? [String] == ["/high-ram"])
        #expect((object["Labels"] as? [String: String])?["corral.managed"] == "true")
        let host = try #require(object["HostConfig"] as? [String: Any])
        #expect(host["NetworkMode"] as? String == "none")
        #expect(host["Memory"] as? Int == 1 << 28)
        #expect(host["NanoCpus"] as? Int == 500_000_000)
        #expect(object["name"] == nil, "the name travels in the query, not the body")
    }
}
