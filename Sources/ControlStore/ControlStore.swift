// ControlStore: the control plane's one store, shared by its admin and
// subscribe processes (and, on PostgreSQL, by every replica) and by nothing
// else. The same SQL, schema and migrations on both engines, through SQLKit.

import Foundation
import Logging
import NIOSSL
import PostgresKit
import PostgresNIO
import SQLKit
import SQLiteKit

/// The store: nodes, containers and jobs. Every operation that changes state
/// is one transaction, so a crash leaves each change whole or absent, and a
/// job is acknowledged to a client only once its transaction committed.
/// Writers go one at a time on either engine (SQLite's write lock; on
/// PostgreSQL one advisory lock every writing transaction takes first), so
/// each reads what the one before it committed, whichever replica ran it.
public final class ControlStore: Sendable {
    private let backend: Backend
    public let location: StoreLocation

    enum Backend: Sendable {
        /// One connection, one transaction at a time in this process, on a
        /// thread of its own: SQLite waits for another process's lock by
        /// blocking its thread, which must not be one another store needs.
        case sqlite(SQLiteConnection, any SQLDatabase, TransactionGate, NIOThreadPool)
        /// A pool; `runner` is the pool's own task, ended by close().
        case postgres(PostgresClient, runner: Task<Void, Never>)
    }

    /// The advisory lock every writing transaction takes on PostgreSQL.
    static let writeLock: Int64 = 0x636f_7272_616c  // "corral"

    private init(backend: Backend, location: StoreLocation) {
        self.backend = backend
        self.location = location
    }

    /// Where the store is, safe to print (no password).
    public var path: String { location.description }

    /// Opens (creating it if need be) the SQLite file at `path`.
    public static func open(path: String, logger: Logger) async throws(StoreError) -> ControlStore {
        try await open(.sqlite(path: path), logger: logger)
    }

    /// Opens the store and brings its schema up to date: a SQLite file in
    /// WAL mode with every commit synced, or a pool of connections to a
    /// PostgreSQL database.
    public static func open(_ location: StoreLocation, logger: Logger) async throws(StoreError) -> ControlStore {
        let store: ControlStore
        switch location {
        case .sqlite(let path): store = try await openSQLite(path: path, logger: logger)
        case .postgres(let address):
            // One plain connection first: a server that is not there, a
            // wrong password or a missing database is said at once, in the
            // server's words, rather than after the pool gives up.
            try await probe(address, logger: logger)
            store = openPostgres(address, logger: logger)
        }
        do {
            try await store.migrate(logger: logger)
        } catch {
            await store.close()
            if let error = error as? StoreError, case .newerSchema = error { throw error }
            throw .open(path: location.description, message: "\(error)")
        }
        return store
    }

    private static func openSQLite(path: String, logger: Logger) async throws(StoreError) -> ControlStore {
        let thread = NIOThreadPool(numberOfThreads: 1)
        thread.start()
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(
                storage: .file(path: path), threadPool: thread, logger: logger, on: MultiThreadedEventLoopGroup.singleton.any())
        } catch {
            try? await thread.shutdownGracefully()
            throw .open(path: path, message: "\(error)")
        }
        let store = ControlStore(
            backend: .sqlite(connection, connection.sql(queryLogLevel: nil), TransactionGate(), thread), location: .sqlite(path: path))
        do {
            // Two processes share the file: wait for the other's write
            // instead of failing, and sync every commit, since a 202 promises
            // the job survives a crash of either process or of the host.
            try await store.sqlite("PRAGMA busy_timeout = 10000")
            try await store.enterWAL()
            try await store.sqlite("PRAGMA synchronous = FULL")
        } catch {
            await store.close()
            if let error = error as? StoreError { throw error }
            throw .open(path: path, message: "\(error)")
        }
        return store
    }

    private static func openPostgres(_ address: PostgresAddress, logger: Logger) -> ControlStore {
        var configuration: PostgresClient.Configuration
        if let socket = address.socketPath {
            configuration = .init(unixSocketPath: socket, username: address.user, password: address.password, database: address.database)
        } else {
            let tls: PostgresClient.Configuration.TLS
            switch address.tls {
            case .disable: tls = .disable
            case .prefer: tls = .prefer(.makeClientConfiguration())
            case .require: tls = .require(.makeClientConfiguration())
            }
            configuration = .init(
                host: address.host, port: address.port, username: address.user, password: address.password, database: address.database,
                tls: tls)
        }
        configuration.options.maximumConnections = 16
        configuration.options.connectTimeout = .seconds(5)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let runner = Task { await client.run() }
        return ControlStore(backend: .postgres(client, runner: runner), location: .postgres(address))
    }

    private static func probe(_ address: PostgresAddress, logger: Logger) async throws(StoreError) {
        do {
            var configuration: PostgresConnection.Configuration
            if let socket = address.socketPath {
                configuration = .init(
                    unixSocketPath: socket, username: address.user, password: address.password, database: address.database)
            } else {
                let tls: PostgresConnection.Configuration.TLS
                switch address.tls {
                case .disable: tls = .disable
                case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
                case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
                }
                configuration = .init(
                    host: address.host, port: address.port, username: address.user, password: address.password, database: address.database,
                    tls: tls)
            }
            configuration.options.connectTimeout = .seconds(10)
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            try await connection.close()
        } catch {
            throw .open(path: address.description, message: describe(error))
        }
    }

    /// One statement on the SQLite connection, outside any transaction.
    private func sqlite(_ statement: String) async throws {
        guard case .sqlite(_, let database, _, _) = backend else { return }
        try await database.raw(SQLQueryString(statement)).run()
    }

    /// Switches the file to WAL (kept in the file once done). Switching
    /// needs the file to itself and SQLite does not wait for that (no busy
    /// handler), so while another process opens it too this tries again, for
    /// as long as the busy timeout.
    private func enterWAL() async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            do {
                guard case .sqlite(_, let database, _, _) = backend else { return }
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
        switch backend {
        case .sqlite(let connection, _, _, let thread):
            try? await connection.close()
            try? await thread.shutdownGracefully()
        case .postgres(_, let runner):
            runner.cancel()
            await runner.value
        }
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
                    "INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (\(bind: step.version), \(bind: step.name), \(bind: ControlStore.now()))"
                ).run()
                return true
            }
            if applied { logger.info("control store migrated", metadata: ["version": "\(step.version)", "step": "\(step.name)"]) }
        }
        let current = try await schemaVersion()
        if current > Migrations.latest { throw StoreError.newerSchema(found: current, known: Migrations.latest) }
    }

    /// Runs `body` as one transaction: committed whole, or rolled back
    /// whole when it throws, after every earlier writer's commit and before
    /// any later one's.
    func transaction<T: Sendable>(_ operation: String, _ body: (any SQLDatabase) async throws -> T) async throws(StoreError) -> T {
        try await run(operation, writes: true, body)
    }

    /// A writing transaction that only adds rows guarded by unique indexes
    /// (a create): on PostgreSQL it does not wait for the write lock, so
    /// creates through several replicas go on at once. Should two collide on
    /// a unique key (one name, one idempotency key), the loser runs again
    /// in turn, and finds the winner's row. On SQLite, as `transaction`.
    func insertion<T: Sendable>(_ operation: String, _ body: (any SQLDatabase) async throws -> T) async throws(StoreError) -> T {
        guard case .postgres = backend else { return try await transaction(operation, body) }
        do {
            return try await run(operation, writes: true, serialized: false, body)
        } catch .conflict {
            return try await transaction(operation, body)
        }
    }

    /// A transaction that only reads one consistent moment: it takes no
    /// write lock, so it neither waits for writers nor holds them up.
    func read<T: Sendable>(_ operation: String, _ body: (any SQLDatabase) async throws -> T) async throws(StoreError) -> T {
        try await run(operation, writes: false, body)
    }

    private func run<T: Sendable>(
        _ operation: String, writes: Bool, serialized: Bool = true, isolation: isolated (any Actor)? = #isolation,
        _ body: (any SQLDatabase) async throws -> T
    ) async throws(StoreError) -> T {
        do {
            switch backend {
            case .sqlite(_, let database, let gate, _):
                // One at a time in this process; SQLite's lock (and its busy
                // timeout) orders this process against the other.
                await gate.enter()
                let outcome: Result<T, any Error>
                do {
                    outcome = .success(
                        try await Self.inTransaction(database, begin: writes ? "BEGIN IMMEDIATE" : "BEGIN", lock: false, body))
                } catch {
                    outcome = .failure(error)
                }
                await gate.leave()
                return try outcome.get()
            case .postgres(let client, _):
                return try await client.withConnection(isolation: isolation) { connection in
                    try await Self.inTransaction(
                        connection.sql(queryLogLevel: nil),
                        begin: writes ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", lock: writes && serialized, body)
                }
            }
        } catch let refusal as Refusal {
            throw .refused(refusal.message)
        } catch let error as StoreError {
            throw error
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw .conflict(operation: operation, message: Self.describe(error))
        } catch {
            throw .query(operation: operation, message: Self.describe(error))
        }
    }

    private static func inTransaction<T: Sendable>(
        _ database: any SQLDatabase, begin: String, lock: Bool, isolation: isolated (any Actor)? = #isolation,
        _ body: (any SQLDatabase) async throws -> T
    ) async throws -> T {
        try await database.raw(SQLQueryString(begin)).run()
        do {
            if lock { try await database.raw("SELECT pg_advisory_xact_lock(\(bind: writeLock))").run() }
            let result = try await body(database)
            try await database.raw("COMMIT").run()
            return result
        } catch {
            try? await database.raw("ROLLBACK").run()
            throw error
        }
    }

    /// The database's own words: PostgreSQL's message rather than the
    /// driver's redacted summary.
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            if let underlying = error.underlying { return "\(error.code): \(underlying)" }
            return "\(error.code)"
        }
        return "\(error)"
    }
}

extension ControlStore {
    /// Milliseconds since the epoch: how the store keeps every moment, and
    /// the `now` every caller of the control plane passes in.
    public static func now() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }
}
