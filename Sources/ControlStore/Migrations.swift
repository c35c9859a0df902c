import SQLKit

/// The store's schema, as numbered steps applied once each, in order, each in
/// its own transaction, and recorded in `schema_migrations`. A step is never
/// edited once released: a change is a new step. The SQL is kept to what
/// SQLite and PostgreSQL both accept.
enum Migrations {
    struct Step {
        let version: Int
        let name: String
        let statements: [String]
    }

    static let steps: [Step] = [
        Step(
            version: 1, name: "nodes, containers and jobs",
            statements: [
                """
                CREATE TABLE nodes (
                    id TEXT PRIMARY KEY,
                    secret TEXT NOT NULL,
                    runtime TEXT NOT NULL,
                    labels TEXT NOT NULL,
                    millicpus BIGINT NOT NULL,
                    memory_bytes BIGINT NOT NULL,
                    max_containers BIGINT NOT NULL,
                    running BIGINT NOT NULL,
                    alive BIGINT NOT NULL,
                    draining BIGINT NOT NULL,
                    last_heartbeat_ms BIGINT NOT NULL,
                    registered_at_ms BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE containers (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    spec TEXT NOT NULL,
                    node_id TEXT,
                    desired TEXT NOT NULL,
                    actual TEXT NOT NULL,
                    runtime_id TEXT,
                    exit_code BIGINT,
                    reason TEXT,
                    millicpus BIGINT NOT NULL,
                    memory_bytes BIGINT NOT NULL,
                    created_at_ms BIGINT NOT NULL,
                    updated_at_ms BIGINT NOT NULL
                )
                """,
                "CREATE UNIQUE INDEX containers_name ON containers (name)",
                "CREATE INDEX containers_node ON containers (node_id)",
                """
                CREATE TABLE jobs (
                    id TEXT PRIMARY KEY,
                    kind TEXT NOT NULL,
                    container_id TEXT NOT NULL,
                    state TEXT NOT NULL,
                    reason TEXT,
                    node_id TEXT,
                    attempts BIGINT NOT NULL,
                    idempotency_key TEXT,
                    request TEXT,
                    next_attempt_ms BIGINT NOT NULL,
                    created_at_ms BIGINT NOT NULL,
                    updated_at_ms BIGINT NOT NULL
                )
                """,
                "CREATE UNIQUE INDEX jobs_idempotency_key ON jobs (idempotency_key)",
                "CREATE INDEX jobs_state_node ON jobs (state, node_id)",
                "CREATE INDEX jobs_state_attempt ON jobs (state, next_attempt_ms)",
                "CREATE INDEX jobs_container ON jobs (container_id)",
            ]),
        Step(
            version: 2, name: "the singleton lease and shared secrets, for replicas",
            statements: [
                """
                CREATE TABLE leases (
                    name TEXT PRIMARY KEY,
                    holder TEXT NOT NULL,
                    expires_ms BIGINT NOT NULL,
                    acquired_at_ms BIGINT NOT NULL,
                    renewed_at_ms BIGINT NOT NULL
                )
                """,
                "INSERT INTO leases (name, holder, expires_ms, acquired_at_ms, renewed_at_ms) VALUES ('sweeper', '', 0, 0, 0)",
                "CREATE TABLE secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
            ]),
        Step(
            version: 3, name: "a container's address on its node's bridge",
            statements: ["ALTER TABLE containers ADD COLUMN address TEXT"]),
    ]

    static var latest: Int { steps.last?.version ?? 0 }
}
