import Foundation

/// Databases on the tests' PostgreSQL server (scripts/tests/with-postgres.sh,
/// which `make test` runs the suites that need one under), made and dropped
/// with Debian's psql.
public enum PostgresDatabase {
    public static func server() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["CORRAL_TEST_POSTGRES"] else {
            throw PostgresDatabaseError("CORRAL_TEST_POSTGRES is not set: run under scripts/tests/with-postgres.sh (make test does)")
        }
        return url
    }

    /// A new database; its URL.
    public static func make() throws -> String {
        let server = try server()
        let name = "corral_c_" + UUID().uuidString.lowercased().filter { $0 != "-" }.prefix(12)
        let result = try runCommand("/usr/bin/psql", [server + "/postgres", "-v", "ON_ERROR_STOP=1", "-qc", "CREATE DATABASE \(name)"])
        guard result.status == 0 else { throw PostgresDatabaseError("psql CREATE DATABASE: \(result.stderr)") }
        return "\(server)/\(name)?sslmode=disable"
    }

    /// One value from a query on `database`.
    public static func value(_ database: String, _ query: String) throws -> String {
        let url = database.replacingOccurrences(of: "?sslmode=disable", with: "")
        let result = try runCommand("/usr/bin/psql", [url, "-v", "ON_ERROR_STOP=1", "-tAqc", query])
        guard result.status == 0 else { throw PostgresDatabaseError("psql \(query): \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public static func drop(_ database: String) {
        guard let server = try? server(), let name = database.split(separator: "/").last?.split(separator: "?").first else { return }
        _ = try? runCommand("/usr/bin/psql", [server + "/postgres", "-qc", "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"])
    }
}

/// The tests' PostgreSQL could not do what was asked.
public struct PostgresDatabaseError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
