import ControlAPI
import ControlClient
import Foundation

/// The replicas' rows, on a PostgreSQL server of the bench's own
/// (CORRAL_TEST_POSTGRES, set by scripts/tests/with-postgres.sh, which
/// `make bench` runs under): creates a second through one replica against
/// two on one database; the singleton's failover after a kill -9; a create's
/// "received" latency on PostgreSQL against SQLite.
struct ReplicaBench {
    let corral: String
    let creates: Int
    let width: Int

    func run() async throws -> [BenchRow] {
        guard let server = ProcessInfo.processInfo.environment["CORRAL_TEST_POSTGRES"] else {
            throw BenchError("the replicas row needs a PostgreSQL server: run under scripts/tests/with-postgres.sh (make bench does)")
        }
        var rows: [BenchRow] = []
        rows.append(try await throughput(server))
        rows.append(try await failover(server))
        rows += try await received(server)
        return rows
    }

    /// A fresh database on the server; its URL.
    private func database(_ server: String) throws -> String {
        let name = "corral_bench_" + UUID().uuidString.lowercased().filter { $0 != "-" }.prefix(12)
        guard try runQuietly("/usr/bin/psql", [server + "/postgres", "-v", "ON_ERROR_STOP=1", "-qc", "CREATE DATABASE \(name)"]) == 0 else {
            throw BenchError("psql could not create database \(name) on \(server)")
        }
        return "\(server)/\(name)"
    }

    private func drop(_ database: String, _ server: String) {
        guard let name = database.split(separator: "/").last else { return }
        _ = try? runQuietly("/usr/bin/psql", [server + "/postgres", "-qc", "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"])
    }

    /// `replicas` replicas on one new database, for `body`.
    private func withReplicas<T>(_ count: Int, _ server: String, ttl: Double = 5, _ body: (String, [ControlProcess]) async throws -> T)
        async throws -> T
    {
        let database = try database(server)
        var replicas: [ControlProcess] = []
        defer {
            for replica in replicas { replica.stop() }
            drop(database, server)
        }
        for _ in 0..<count {
            replicas.append(try await ControlProcess(corral: corral, ttl: ttl, store: database + "?sslmode=disable"))
        }
        return try await body(database, replicas)
    }

    /// `creates` creates, `width` in flight, spread over the replicas' admin
    /// APIs; creates a second.
    private func createRate(_ replicas: [ControlProcess]) async throws -> Double {
        let clients = try replicas.map { try $0.client() }
        let seconds = try await timed {
            try await forEachConcurrently(Array(0..<creates), width: width) { index in
                let client = clients[index % clients.count]
                _ = try await client.send(.POST, "/v1/containers", body: ContainerSpec(image: "corral/low-idle"), as: JobAccepted.self)
            }
        }
        return Double(creates) / seconds
    }

    private func throughput(_ server: String) async throws -> BenchRow {
        progress("replicas: \(creates) creates, \(width) in flight, through one replica and then two on one PostgreSQL")
        let one = try await withReplicas(1, server) { _, replicas in try await createRate(replicas) }
        let two = try await withReplicas(2, server) { _, replicas in try await createRate(replicas) }
        return BenchRow(
            name: "replicas: ms a create, \(width) in flight, two replicas (\(Int(two))/s) vs one (\(Int(one))/s)", corral: 1000 / two,
            baseline: 1000 / one, baselineName: "one replica on the same PostgreSQL", aim: nil, unit: "ms")
    }

    /// kill -9 of the replica holding the sweeper lease, until another holds
    /// it (taken in the transaction of its first sweep), at the default TTL.
    private func failover(_ server: String) async throws -> BenchRow {
        progress("replicas: kill -9 of the replica running the singletons, until another sweeps (TTL 5 s)")
        let ttl = 5.0
        let seconds = try await withReplicas(2, server, ttl: ttl) { database, replicas in
            func holderPID() throws -> Int32? {
                let value = try query(database, "SELECT holder FROM leases WHERE name = 'sweeper'").split(separator: ":")
                return value.count == 3 ? Int32(value[1]) : nil
            }
            let deadline = Date().addingTimeInterval(30)
            var holder: Int?
            while holder == nil {
                guard Date() < deadline else { throw BenchError("no replica took the sweeper lease") }
                if let pid = try holderPID() { holder = replicas.firstIndex { $0.children().contains(pid) } }
                try await Task.sleep(for: .milliseconds(20))
            }
            guard let holder else { throw BenchError("no replica took the sweeper lease") }
            let survivor = replicas[1 - holder].children()
            // A moment of steady state: the lease renewed as it is when a crash comes.
            try await Task.sleep(for: .seconds(1))
            replicas[holder].crash()
            let killed = ContinuousClock.now
            while true {
                if let pid = try holderPID(), survivor.contains(pid) { break }
                guard ContinuousClock.now - killed < .seconds(60) else { throw BenchError("no replica took over within 60 s") }
                try await Task.sleep(for: .milliseconds(10))
            }
            return milliseconds(ContinuousClock.now - killed) / 1000
        }
        return BenchRow(
            name: "replicas: kill -9 of the singleton replica -> another sweeps", corral: seconds, baseline: ttl + 1,
            baselineName: "the aim: within the node TTL (5 s) + 1 s", aim: 1, unit: "s")
    }

    /// create -> 202, one after another, on PostgreSQL and on SQLite.
    private func received(_ server: String) async throws -> [BenchRow] {
        progress("replicas: \(creates) creates one after another, on PostgreSQL and on SQLite")
        func latencies(_ admin: ControlClient) async throws -> [Double] {
            var values: [Double] = []
            for _ in 0..<creates {
                let start = ContinuousClock.now
                _ = try await admin.send(.POST, "/v1/containers", body: ContainerSpec(image: "corral/low-idle"), as: JobAccepted.self)
                values.append(milliseconds(ContinuousClock.now - start))
            }
            return values.sorted()
        }
        let postgres = try await withReplicas(1, server) { _, replicas in try await latencies(try replicas[0].client()) }
        let sqlite = try await ControlProcess(corral: corral)
        defer { sqlite.stop() }
        let local = try await latencies(try sqlite.client())
        return [0.5, 0.99].map { p in
            BenchRow(
                name: "replicas: create -> 202 on PostgreSQL, p\(Int(p * 100)) of \(creates)", corral: percentile(postgres, p),
                baseline: percentile(local, p), baselineName: "the same on SQLite (one host)", aim: nil, unit: "ms")
        }
    }

    private func query(_ database: String, _ sql: String) throws -> String {
        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        process.arguments = [database, "-tAqc", sql]
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
