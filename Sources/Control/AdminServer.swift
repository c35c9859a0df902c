import ControlAPI
import ControlStore
import CorralCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// The clients' face: REST under /v1, JSON-RPC 2.0 at /jrpc, the OpenAPI
/// document at /openapi.json. Answers a create as soon as its job is stored.
public struct AdminServer: Sendable {
    let store: ControlStore
    let settings: ControlSettings
    let token: String
    /// Told when a job was stored, so scheduling starts at once.
    let wake: @Sendable () -> Void

    public init(store: ControlStore, settings: ControlSettings, token: String, wake: @escaping @Sendable () -> Void) {
        self.store = store
        self.settings = settings
        self.token = token
        self.wake = wake
    }

    static let openPaths: Set<String> = ["/healthz", "/openapi.json"]

    public func router() -> Router<BasicRequestContext> {
        build().router
    }

    /// The router, and the table of its routes (for 405s and for the test
    /// that holds the OpenAPI document to them).
    func build() -> (router: Router<BasicRequestContext>, routes: RouteTable) {
        let router = Router()
        let routes = RouteTable()
        router.add(middleware: ErrorMiddleware(routes: routes))
        router.add(middleware: BearerAuth(token: token, open: Self.openPaths))
        routes.add(router, .get, "/healthz") { _, _ in JSONResponse.make(["status": "ok"]) }
        routes.add(router, .get, "/openapi.json") { _, _ in JSONResponse.raw(Data(OpenAPIDocument.text.utf8)) }

        routes.add(router, .post, "/v1/containers") { request, _ in
            let spec = try await request.decodeJSON(ContainerSpec.self)
            if let problem = spec.problem() { throw APIError(status: .unprocessableContent, code: "invalid", message: problem) }
            let key = request.headers.first { $0.name.canonicalName == "idempotency-key" }?.value
            if let key, key.isEmpty || key.utf8.count > 255 {
                throw APIError.badRequest("Idempotency-Key must be 1 to 255 characters")
            }
            return accepted(try await createJob(spec, key: key))
        }
        routes.add(router, .get, "/v1/containers") { request, _ in
            JSONResponse.make(ContainerList(containers: try await list(try filter(from: request))))
        }
        routes.add(router, .get, "/v1/containers/{id}") { _, context in
            let id = try context.parameters.require("id")
            guard let record = try await read({ try await store.container(id) }) else { throw APIError.notFound("no container \(id)") }
            return JSONResponse.make(record)
        }
        routes.add(router, .post, "/v1/containers/{id}/stop") { _, context in
            accepted(try await submit(.stop, try context.parameters.require("id")))
        }
        routes.add(router, .delete, "/v1/containers/{id}") { _, context in
            accepted(try await submit(.delete, try context.parameters.require("id")))
        }
        routes.add(router, .get, "/v1/jobs/{id}") { _, context in
            let id = try context.parameters.require("id")
            guard let job = try await read({ try await store.job(id) }) else { throw APIError.notFound("no job \(id)") }
            return JSONResponse.make(job)
        }
        routes.add(router, .get, "/v1/nodes") { _, _ in
            JSONResponse.make(NodeList(nodes: try await read { try await store.nodes() }))
        }
        routes.add(router, .post, "/v1/nodes/{id}/drain") { request, context in
            let id = try context.parameters.require("id")
            let draining = request.uri.queryParameters.get("enabled").map { $0 != "false" } ?? true
            guard let node = try await read({ try await store.setDraining(id, draining, now: ControlStore.now()) }) else {
                throw APIError.notFound("no node \(id)")
            }
            return JSONResponse.make(node)
        }
        let rpc = AdminRPC(server: self).server
        routes.add(router, .post, "/jrpc") { request, _ in
            let body = try await request.bodyData()
            guard let answer = await rpc.respond(to: body) else { return Response(status: .noContent) }
            return JSONResponse.raw(answer)
        }
        return (router, routes)
    }

    // MARK: - Shared by REST and JSON-RPC

    func createJob(_ spec: ContainerSpec, key: String?) async throws -> JobAccepted {
        let outcome = try await read {
            try await store.submitCreate(spec, idempotencyKey: key, queueLimit: settings.queueLimit, now: ControlStore.now())
        }
        return try accept(outcome)
    }

    func submit(_ kind: JobKind, _ container: String) async throws -> JobAccepted {
        let outcome = try await read {
            try await store.submit(kind, container: container, queueLimit: settings.queueLimit, now: ControlStore.now())
        }
        return try accept(outcome)
    }

    func list(_ filter: ContainerFilter) async throws -> [ContainerRecord] {
        try await read { try await store.containers(filter) }
    }

    func job(_ id: String) async throws -> Job? {
        try await read { try await store.job(id) }
    }

    private func accept(_ outcome: Submission) throws -> JobAccepted {
        switch outcome {
        case .accepted(let accepted, let replayed):
            if !replayed { wake() }
            return accepted
        case .queueFull(let waiting, let retryAfter):
            throw APIError(
                status: .tooManyRequests, code: "queue_full", message: "\(waiting) jobs wait to be scheduled; try again in \(retryAfter) s",
                headers: [.retryAfter: "\(retryAfter)"])
        case .idempotencyConflict(let key):
            throw APIError.conflict("idempotency_conflict", "Idempotency-Key \(key) was used with another body")
        case .nameTaken(let name): throw APIError.conflict("name_taken", "a container named \(name) exists")
        case .notFound(let container): throw APIError.notFound("no container \(container)")
        case .beingDeleted(let container): throw APIError.conflict("being_deleted", "container \(container) is being deleted")
        }
    }

    private func accepted(_ job: JobAccepted) -> Response {
        JSONResponse.make(job, status: .accepted, headers: [.location: "/v1/jobs/\(job.jobID)"])
    }

    private func filter(from request: Request) throws -> ContainerFilter {
        let query = request.uri.queryParameters
        var filter = ContainerFilter()
        filter.node = query["node"].map(String.init)
        if let state = query["state"] {
            guard let actual = ActualState(rawValue: String(state)) else {
                throw APIError.badRequest(
                    "state must be one of \(ActualState.allCases.map(\.rawValue).joined(separator: ", ")), not \(state)")
            }
            filter.state = actual
        }
        for label in query.getAll("label") {
            // Split on the first "=" byte: a combining mark after it must
            // not hide it inside one Character.
            let bytes = Array(label.utf8)
            guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")), equals > 0 else {
                throw APIError.badRequest("label filters are key=value, not \(label)")
            }
            filter.labels[String(decoding: bytes[..<equals], as: UTF8.self)] = String(decoding: bytes[(equals + 1)...], as: UTF8.self)
        }
        return filter
    }

    /// A store call; a store that fails is 503 with the store's words.
    func read<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StoreError {
            throw APIError.unavailable(error.description)
        }
    }

}
