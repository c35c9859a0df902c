import CorralTestSupport
import Foundation
import Settings
import Testing

@testable import Agent
@testable import Control

@Suite("The service's settings")
struct ControlSettingsTests {
    @Test("the shipped config's [control] is exactly the defaults")
    func shipped() throws {
        let path = repositoryRoot.appendingPathComponent("deploy/config/corral.toml").path
        let file = try #require(try SettingsFile.load(path: path, required: true))
        #expect(try ControlSettings().applying(file.control, source: path) == ControlSettings())
    }

    @Test("a flag wins over the file; bad values name the key")
    func overlay() throws {
        let file = try SettingsFile.decode(
            """
            [control]
            admin_listen = "0.0.0.0:9000"
            strategy = "binpack"
            """, file: "c.toml")
        var flags = SettingsFile.Control()
        flags.strategy = "spread"
        let settings = try ControlSettings().applying(file.control, source: "c.toml").applying(flags, source: "the command line")
        #expect(settings.adminListen == ListenAddress(host: "0.0.0.0", port: 9000))
        #expect(settings.strategy == .spread)
        let bad = try SettingsFile.decode("[control]\nsubscribe_listen = \"nowhere\"\n", file: "c.toml")
        #expect(throws: ConfigError(file: "c.toml", key: "control.subscribe_listen", reason: "wants ADDR:PORT, not 'nowhere'")) {
            try ControlSettings().applying(bad.control, source: "c.toml")
        }
        let ttl = try SettingsFile.decode("[control]\nnode_ttl_seconds = 1\n", file: "c.toml")
        #expect(throws: ConfigError.self) { try ControlSettings().applying(ttl.control, source: "c.toml") }
        #expect(throws: ConfigError.self) { try SettingsFile.decode("[control]\nttl = 3\n", file: "c.toml") }
    }

    @Test("the store: the state directory's SQLite file by default, a postgresql:// URL, or a file holding one; a flag wins")
    func store() throws {
        #expect(try ControlSettings().storeLocation() == .sqlite(path: "/var/lib/corral/control/control.sqlite"))
        let file = try SettingsFile.decode("[control]\nstore = \"postgresql://corral@db.example:5433/corral\"\n", file: "c.toml")
        let fromFile = try ControlSettings().applying(file.control, source: "c.toml")
        guard case .postgres(let address) = try fromFile.storeLocation() else { throw FixtureError(description: "not postgres") }
        #expect(address.host == "db.example" && address.port == 5433 && address.database == "corral")
        var flags = SettingsFile.Control()
        flags.storeFile = "/etc/corral/database-url"
        let withFile = try fromFile.applying(flags, source: "the command line")
        #expect(withFile.store == nil && withFile.storeFile == "/etc/corral/database-url")
        let read = try withFile.storeLocation(readFile: { _ in "postgresql://corral:secret@10.0.0.9/corral\n" })
        #expect(read.description == "postgresql://corral@10.0.0.9:5432/corral")
        #expect(throws: ConfigError.self) { try withFile.storeLocation(readFile: { _ in "sqlite:relative" }) }
        let bad = try SettingsFile.decode("[control]\nstore = \"postgresql://nobody/\"\n", file: "c.toml")
        #expect(throws: ConfigError.self) { try ControlSettings().applying(bad.control, source: "c.toml") }
    }

    @Test("an agent needs the control plane's URL and a token file that exists, and says which key is missing")
    func agent() throws {
        var section = SettingsFile.Agent()
        #expect(throws: ConfigError(file: "a.toml", key: "agent.control_url", reason: "is required: subscribe's URL (--control)")) {
            try AgentSettings.resolve(section, source: "a.toml", defaultNodeID: "h", readToken: { _ in "t" })
        }
        section.controlURL = "http://10.0.0.1:7481"
        section.tokenFile = "/nowhere/agent.token"
        #expect(throws: ConfigError(file: "a.toml", key: "agent.token_file", reason: "/nowhere/agent.token does not exist")) {
            try AgentSettings.resolve(section, source: "a.toml", defaultNodeID: "h", readToken: { _ in nil })
        }
        section.labels = ["zone": "eu"]
        let settings = try AgentSettings.resolve(section, source: "a.toml", defaultNodeID: "host-1", readToken: { _ in "secret" })
        #expect(settings.nodeID == "host-1" && settings.token == "secret" && settings.labels == ["zone": "eu"] && settings.workers == 8)
        #expect(settings.controlURLs == ["http://10.0.0.1:7481"])
        section.controlURL = "http://10.0.0.1:7481, http://10.0.0.2:7481"
        #expect(
            try AgentSettings.resolve(section, source: "a.toml", defaultNodeID: "h", readToken: { _ in "t" }).controlURLs == [
                "http://10.0.0.1:7481", "http://10.0.0.2:7481",
            ])
        section.controlURL = "http://10.0.0.1:7481,10.0.0.2:7481"
        #expect(
            throws: ConfigError(
                file: "a.toml", key: "agent.control_url", reason: "wants http:// URLs (several separated by commas), not '10.0.0.2:7481'")
        ) {
            try AgentSettings.resolve(section, source: "a.toml", defaultNodeID: "h", readToken: { _ in "t" })
        }
        section.controlURL = "http://10.0.0.1:7481"
        section.nodeID = "bad id"
        #expect(throws: ConfigError.self) {
            try AgentSettings.resolve(section, source: "a.toml", defaultNodeID: "h", readToken: { _ in "t" })
        }
    }

    @Test("an agent's flags win over its file's [agent], key by key")
    func agentOverlay() throws {
        let file = try SettingsFile.decode(
            "[agent]\ncontrol_url = \"http://10.0.0.1:7481\"\nworkers = 4\n[agent.labels]\nzone = \"eu\"\n", file: "a.toml")
        var flags = SettingsFile.Agent()
        flags.workers = 16
        flags.nodeID = "n1"
        let merged = try #require(file.agent).overlaid(by: flags)
        #expect(
            merged.controlURL == "http://10.0.0.1:7481" && merged.workers == 16 && merged.nodeID == "n1" && merged.labels == ["zone": "eu"])
    }

    @Test("listen addresses: host and port, IPv6 in brackets, nothing else")
    func listen() {
        #expect(ListenAddress(parsing: "127.0.0.1:7480") == ListenAddress(host: "127.0.0.1", port: 7480))
        #expect(ListenAddress(parsing: "[::1]:0") == ListenAddress(host: "::1", port: 0))
        #expect(ListenAddress(host: "::1", port: 80).url == "http://[::1]:80")
        for bad in ["7480", ":7480", "host:", "host:70000", "host:x"] { #expect(ListenAddress(parsing: bad) == nil, "\(bad)") }
    }
}
