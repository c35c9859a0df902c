// ControlStore: the control plane's one store, shared by its admin and
// subscribe processes and by nothing else. SQLite in WAL mode through SQLKit;
// the SQL is kept portable so PostgreSQL can stand behind the same calls.

import Foundation
import Logging
import SQLKit
import SQLiteKit

/// The store: nodes, containers and jobs. Every operation that changes state
/// is one transaction, so a crash leaves each change whole or absent, and a
/// job is acknowledged to a client only once its transaction committed.
public final class ControlStore: Sendable {
    let database: any SQLDatabase
    private let connection: SQLiteConnection
    private let gate = TransactionGate()
    public let path: String

    private init(connection: SQLiteConnection, path: String) {
        self.connection = connection
        self.database = connection.sql(queryLogLevel: nil)
        self.path = path
    }

    /// Opens (creating it if need be) the SQLite file at `path`, in WAL mode
    /// with every commit synced, and brings its schema up to date.
    public static func open(path: String, logger: Logger) async throws(StoreError) -> ControlStore {
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        } catch {
            throw .open(path: path, message: "\(error)")
        }
        let store = ControlStore(connection: connection, path: path)
        do {
            // Two processes share the file: wait for the other's write
            // instead of failing, and sync every commit, since a 202 promises
            // the job survives a crash of either process or of the host.
            try await store.database.raw("PRAGMA busy_timeout = 10000").run()
            try await store.enterWAL()
            try await store.database.raw("PRAGMA synchronous = FULL").run()
            try await store.migrate(logger: logger)
        } catch {
            try? await connection.close()
            if let error = error as? StoreError { throw error }
            throw .open(path: path, message: "\(error)")
        }
        return store
    }

    /// Switches the file to WAL (kept in the file once done). Switching
    /// needs the file to itself and SQLite does not wait for that (no busy
    /// handler), so while another process opens it too this tries again, for
    /// as long as the busy timeout.
    private func enterWAL() async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            do {
                let mode = try await database.raw("PRAGMA journal_mode = WAL").first(decodingColumn: "journal_mode", as: String.self)
                if mode?.lowercased() == "wal" { return }
                throw StoreError.open(path: path, message: "SQLite kept journal mode \(mode ?? "unknown") instead of WAL")
            } catch let error as StoreError {
                throw error
            } catch  where ContinuousClock.now < deadline && "\(error)".contains("locked") {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    public func close() async {
        try? await connection.close()
    }

    /// The schema version the file is at.
    public func schemaVersion() async throws(StoreError) -> Int {
        try await read("read the schema version") { db in
            try await db.raw("SELECT MAX(version) AS version FROM schema_migrations").first(decodingColumn: "version", as: Int?.self) ?? 0
        } ?? 0
    }

    private func migrate(logger: Logger) async throws {
        try await transaction("create the migrations table") { db in
            try await db.raw(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at_ms BIGINT NOT NULL)"
            ).run()
        }
        for step in Migrations.steps {
            // The version is read inside the step's transaction: two
            // processes starting together apply each step once.
            let applied = try await transaction("apply migration \(step.version) (\(step.name))") { db -> Bool in
                let found = try await db.raw("SELECT MAX(version) AS version FROM schema_migrations").first(
                    decodingColumn: "version", as: Int?.self)
                let current = (found ?? nil) ?? 0
                if current > Migrations.latest { throw StoreError.newerSchema(found: current, known: Migrations.latest) }
                guard current < step.version else { return false }
                for statement in step.statements { try await db.raw(SQLQueryString(statement)).run() }
                try await db.raw(
                    "INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (\(bind: step.version), \(bind: step.name), \(bind: Clock.nowMilliseconds()))"
                ).run()
                return true
            }
            if applied { logger.info("control store migrated", metadata: ["version": "\(step.version)", "step": "\(step.name)"]) }
        }
        let current = try await schemaVersion()
        if current > Migrations.latest { throw StoreError.newerSchema(found: current, known: Migrations.latest) }
    }

    /// Runs `body` as one transaction: committed whole, or rolled back
    /// whole when it throws. One at a time in this process; SQLite's lock
    /// (and its busy timeout) orders this process against the other.
    func transaction<T: Sendable>(_ operation: String, _ body: (any SQLDatabase) async throws -> T) async throws(StoreError) -> T {
        try await run(operation, begin: "BEGIN IMMEDIATE", body)
    }

    /// A transaction that only reads: it takes no write lock, so it neither
    /// waits for the other process's writes nor holds them up (WAL).
    func read<T: Sendable>(_ operation: String, _ body: (any SQLDatabase) async throws -> T) async throws(StoreError) -> T {
        try await run(operation, begin: "BEGIN", body)
    }

    private func run<T: Sendable>(_ operation: String, begin: String, _ body: (any SQLDatabase) async throws -> T) async throws(StoreError)
        -> T
    {
        await gate.enter()
        do {
            try await database.raw(SQLQueryString(begin)).run()
        } catch {
            await gate.leave()
            throw .query(operation: operation, message: "\(error)")
        }
        do {
            let result = try await body(database)
            try await database.raw("COMMIT").run()
            await gate.leave()
            return result
        } catch {
            try? await database.raw("ROLLBACK").run()
            await gate.leave()
            if let refusal = error as? Refusal { throw .refused(refusal.message) }
            if let error = error as? StoreError { throw error }
            throw .query(operation: operation, message: "\(error)")
        }
    }
}

/// Milliseconds since the epoch: how the store keeps every moment.
enum Clock {
    static func nowMilliseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }
}
