import ControlStore
import CorralCore
import Foundation
import Settings

/// The control plane's settings: every one defined here once, with its default.
public struct ControlSettings: Sendable, Equatable {
    /// Holds the store, the tokens and the listeners' URLs.
    public var stateDirectory = "/var/lib/corral/control"
    public var adminListen = ListenAddress(host: "127.0.0.1", port: 7480)
    public var subscribeListen = ListenAddress(host: "127.0.0.1", port: 7481)
    /// How often agents beat.
    public var heartbeatSeconds = 1.0
    /// A node silent this long is down.
    public var nodeTTLSeconds = 5.0
    /// Jobs waiting to be scheduled before creates answer 429.
    public var queueLimit = 1000
    public var strategy = PlacementStrategy.spread
    /// A create no node can take fails after this long.
    public var placementTimeoutSeconds = 60.0
    /// The longest an agent's poll for orders is held open.
    public var longPollSeconds = 20.0
    /// The store: a SQLite file path or a `postgresql://` URL; nil is
    /// `<state>/control.sqlite`.
    public var store: String?
    /// A file holding the store's URL (a password stays out of the config
    /// and of every command line); read at start.
    public var storeFile: String?

    public init() {}

    public var storePath: String { stateDirectory + "/control.sqlite" }

    /// Where the store is: `store`, or the URL in `storeFile`, or the
    /// SQLite file in the state directory.
    public func storeLocation(readFile: (String) throws -> String = { try String(contentsOfFile: $0, encoding: .utf8) }) throws(ConfigError)
        -> StoreLocation
    {
        var text = store ?? storePath
        var key = "control.store"
        if let storeFile {
            key = "control.store_file"
            do {
                text = try readFile(storeFile)
            } catch {
                throw ConfigError(file: storeFile, key: key, reason: "cannot be read: \(error)")
            }
        }
        do {
            return try StoreLocation(parsing: text)
        } catch {
            throw ConfigError(file: storeFile ?? "the settings", key: key, reason: error.description)
        }
    }
    public var adminTokenPath: String { stateDirectory + "/admin.token" }
    public var agentTokenPath: String { stateDirectory + "/agent.token" }

    /// The first setting out of range, in words, or nil.
    public func problem() -> String? {
        if !(heartbeatSeconds.isFinite && heartbeatSeconds >= 0.05 && heartbeatSeconds <= 60) {
            return "heartbeat must be from 0.05 to 60 seconds"
        }
        if !(nodeTTLSeconds.isFinite && nodeTTLSeconds >= 2 * heartbeatSeconds && nodeTTLSeconds <= 3600) {
            return "the node TTL must be at least two heartbeats (\(2 * heartbeatSeconds) s) and at most 3600 s"
        }
        if !(1...1_000_000).contains(queueLimit) { return "the queue limit must be from 1 to 1000000" }
        if !(placementTimeoutSeconds.isFinite && placementTimeoutSeconds >= 0) { return "the placement timeout must be 0 or more seconds" }
        if stateDirectory.isEmpty || !stateDirectory.hasPrefix("/") { return "the state directory must be an absolute path" }
        return nil
    }
}

/// `ADDR:PORT` for a listener; `[::1]:7480` for IPv6.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `ADDR:PORT`; nil when it is not one.
    public init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            return nil
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    public var url: String { "http://\(description)" }
}

extension ControlSettings {
    /// These settings with every key of a `[control]` section (from the
    /// file, or the flags as an overlay) applied, then checked: the one
    /// place a control-plane setting becomes a value.
    public func applying(_ section: SettingsFile.Control?, source: String) throws(ConfigError) -> ControlSettings {
        guard let section else { return self }
        func fail(_ key: SettingsFile.Control.CodingKeys, _ reason: String) -> ConfigError {
            ConfigError(file: source, key: "control.\(key.rawValue)", reason: reason)
        }
        var settings = self
        if let value = section.stateDir { settings.stateDirectory = value }
        if let value = section.adminListen {
            guard let address = ListenAddress(parsing: value) else { throw fail(.adminListen, "wants ADDR:PORT, not '\(value)'") }
            settings.adminListen = address
        }
        if let value = section.subscribeListen {
            guard let address = ListenAddress(parsing: value) else { throw fail(.subscribeListen, "wants ADDR:PORT, not '\(value)'") }
            settings.subscribeListen = address
        }
        if let value = section.heartbeatSeconds { settings.heartbeatSeconds = value.value }
        if let value = section.nodeTTLSeconds { settings.nodeTTLSeconds = value.value }
        if let value = section.queueLimit { settings.queueLimit = value }
        if let value = section.strategy {
            guard let strategy = PlacementStrategy(rawValue: value) else { throw fail(.strategy, "is spread or binpack, not '\(value)'") }
            settings.strategy = strategy
        }
        if let value = section.placementTimeoutSeconds { settings.placementTimeoutSeconds = value.value }
        // The one given last wins: a flag over the file's, either spelling.
        if let value = section.store {
            do {
                _ = try StoreLocation(parsing: value)
            } catch {
                throw fail(.store, error.reason)
            }
            settings.store = value
            settings.storeFile = nil
        }
        if let value = section.storeFile {
            guard value.hasPrefix("/") else { throw fail(.storeFile, "must be an absolute path, not '\(value)'") }
            settings.storeFile = value
            settings.store = nil
        }
        if let problem = settings.problem() { throw ConfigError(file: source, key: "control", reason: problem) }
        return settings
    }
}
