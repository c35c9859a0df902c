import Foundation

/// Where the store lives: a SQLite file (one control plane) or a PostgreSQL
/// database (any number of replicas). Parsed from the `store` setting: a
/// `postgresql://` (or `postgres://`) URL, or else a file path.
public enum StoreLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresAddress)

    /// Reads the `store` setting; the error names what is wrong with it.
    public init(parsing text: String) throws(StoreLocationError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("postgresql://") || trimmed.hasPrefix("postgres://") {
            self = .postgres(try PostgresAddress(url: trimmed))
        } else if trimmed.contains("://") {
            throw StoreLocationError(
                text: text, reason: "is a URL of a kind Corral does not know; it takes postgresql://... or a file path")
        } else if trimmed.hasPrefix("/") {
            self = .sqlite(path: trimmed)
        } else {
            throw StoreLocationError(text: text, reason: "must be an absolute path to a SQLite file or a postgresql:// URL")
        }
    }

    /// Safe to print: a PostgreSQL password is left out.
    public var description: String {
        switch self {
        case .sqlite(let path): return path
        case .postgres(let address): return address.description
        }
    }
}

/// A PostgreSQL server and database, from a libpq-style URL:
/// `postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require]`,
/// or a unix socket directory as `?host=/run/postgresql`.
public struct PostgresAddress: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable, Equatable { case disable, prefer, require }

    public var host: String
    public var port: Int
    /// A unix socket directory, when the URL named one; `host` is then unused.
    public var socketDirectory: String?
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode

    public init(url: String) throws(StoreLocationError) {
        func fail(_ reason: String) -> StoreLocationError { StoreLocationError(text: Self.redacted(url), reason: reason) }
        guard let parts = URLComponents(string: url) else { throw fail("is not a URL") }
        guard let user = parts.user, !user.isEmpty else { throw fail("names no user (postgresql://USER@HOST/DATABASE)") }
        let database = String(parts.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw fail("names no database (postgresql://USER@HOST/DATABASE)") }
        var socket: String?
        var port = parts.port ?? 5432
        var tls = TLSMode.prefer
        for item in parts.queryItems ?? [] {
            switch item.name {
            case "host":
                guard let value = item.value, value.hasPrefix("/") else {
                    throw fail("host= must be a socket directory (an absolute path)")
                }
                socket = value
            case "port":
                guard let value = item.value.flatMap(Int.init) else { throw fail("port= must be a number") }
                port = value
            case "sslmode":
                switch item.value ?? "" {
                case "disable": tls = .disable
                case "allow", "prefer": tls = .prefer
                case "require", "verify-ca", "verify-full": tls = .require
                default: throw fail("sslmode is disable, prefer or require, not '\(item.value ?? "")'")
                }
            default:
                throw fail("has a parameter Corral does not know: \(item.name) (known: host, port, sslmode)")
            }
        }
        let host = parts.host ?? ""
        guard socket != nil || !host.isEmpty else { throw fail("names no host (or ?host=/socket/directory)") }
        guard (1...65535).contains(port) else { throw fail("port must be from 1 to 65535") }
        self.host = host
        self.port = port
        self.socketDirectory = socket
        self.user = user.removingPercentEncoding ?? user
        self.password = parts.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = database.removingPercentEncoding ?? database
        // A unix socket is local: TLS there buys nothing, as libpq also decides.
        self.tls = socket != nil && tls == .prefer ? .disable : tls
    }

    /// The socket file PostgreSQL listens on in `socketDirectory`.
    public var socketPath: String? { socketDirectory.map { "\($0)/.s.PGSQL.\(port)" } }

    public var description: String {
        if let socketDirectory { return "postgresql://\(user)@/\(database)?host=\(socketDirectory)&port=\(port)" }
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "postgresql://\(user)@\(shownHost):\(port)/\(database)"
    }

    /// `url` without its password, for errors.
    static func redacted(_ url: String) -> String {
        guard var parts = URLComponents(string: url), parts.password != nil else { return url }
        parts.password = "***"
        return parts.string ?? "(a postgresql URL)"
    }
}

/// A `store` setting Corral cannot use.
public struct StoreLocationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var text: String
    public var reason: String

    public var description: String { "store '\(text)' \(reason)" }
}
