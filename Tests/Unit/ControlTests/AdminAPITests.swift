import ControlAPI
import ControlStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Control

/// The admin API in front of a real store, requests through the router.
private func withAdmin(queueLimit: Int = 100, _ body: @Sendable (any TestClientProtocol, ControlStore) async throws -> Void) async throws {
    try await StoreFixture.with { fixture in
        var settings = ControlSettings()
        settings.queueLimit = queueLimit
        let router = AdminServer(store: fixture.store, settings: settings, token: "admin-token", wake: {}).router()
        try await Application(router: router).test(.router) { client in try await body(client, fixture.store) }
    }
}

private let authorized: HTTPFields = [.authorization: "Bearer admin-token", .contentType: "application/json"]

private func json(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

private func decode<T: Decodable>(_ type: T.Type, _ response: TestResponse) throws -> T {
    try JSONDecoder().decode(T.self, from: Data(response.body.readableBytesView))
}

private func errorCode(_ response: TestResponse) -> String? {
    (try? decode(APIErrorBody.self, response))?.error.code
}

@Suite("The admin API")
struct AdminAPITests {
    @Test("no token, or a wrong one, is 401 with a WWW-Authenticate; health and the OpenAPI document are open")
    func auth() async throws {
        try await withAdmin { client, _ in
            try await client.execute(uri: "/v1/containers", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
                #expect(errorCode(response) == "unauthorized")
            }
            try await client.execute(uri: "/v1/nodes", method: .get, headers: [.authorization: "Bearer admin-tokeN"]) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/jrpc", method: .post, body: json("{}")) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/openapi.json", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test("a create answers 202 with the job (received) and where to follow it; the job is already stored")
    func create() async throws {
        try await withAdmin { client, store in
            try await client.execute(
                uri: "/v1/containers", method: .post, headers: authorized,
                body: json(#"{"image": "corral/low-idle", "labels": {"app": "web"}}"#)
            ) { response in
                #expect(response.status == .accepted)
                let accepted = try decode(JobAccepted.self, response)
                #expect(accepted.state == .received)
                #expect(response.headers[.location] == "/v1/jobs/\(accepted.jobID)")
                #expect(try await store.job(accepted.jobID)?.state == .received)
            }
        }
    }

    @Test("bad bodies name what was wrong: 400 for the shape, 422 for the values")
    func badBodies() async throws {
        try await withAdmin { client, _ in
            try await client.execute(uri: "/v1/containers", method: .post, headers: authorized, body: json(#"{"arguments": []}"#)) {
                response in
                #expect(response.status == .badRequest)
                let message = try decode(APIErrorBody.self, response).error.message
                #expect(message.contains("image: missing"))
            }
            try await client.execute(uri: "/v1/containers", method: .post, headers: authorized, body: json("not json")) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(
                uri: "/v1/containers", method: .post, headers: authorized, body: json(#"{"image": "x", "labels": {"corral.node": "b"}}"#)
            ) { response in
                #expect(response.status == .unprocessableContent)
                let message = try decode(APIErrorBody.self, response).error.message
                #expect(message == "label corral.node is Corral's own; only corral.class may be set")
            }
            try await client.execute(uri: "/v1/containers?state=sleeping", method: .get, headers: authorized) { response in
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test("Idempotency-Key: the same key and body give the same job, another body is 409")
    func idempotency() async throws {
        try await withAdmin { client, _ in
            var headers = authorized
            headers[try #require(HTTPField.Name("Idempotency-Key"))] = "retry-1"
            let first = try await client.execute(uri: "/v1/containers", method: .post, headers: headers, body: json(#"{"image": "a"}"#)) {
                try decode(JobAccepted.self, $0)
            }
            let second = try await client.execute(uri: "/v1/containers", method: .post, headers: headers, body: json(#"{ "image":"a" }"#)) {
                #expect($0.status == .accepted)
                return try decode(JobAccepted.self, $0)
            }
            #expect(first.jobID == second.jobID && first.containerID == second.containerID, "the same job")
            try await client.execute(uri: "/v1/containers", method: .post, headers: headers, body: json(#"{"image": "b"}"#)) { response in
                #expect(response.status == .conflict)
                #expect(errorCode(response) == "idempotency_conflict")
            }
        }
    }

    @Test("a full queue is 429 with Retry-After, and -32000 with retry_after_seconds over JSON-RPC")
    func queueFull() async throws {
        try await withAdmin(queueLimit: 1) { client, _ in
            try await client.execute(uri: "/v1/containers", method: .post, headers: authorized, body: json(#"{"image": "a"}"#)) {
                #expect($0.status == .accepted)
            }
            try await client.execute(uri: "/v1/containers", method: .post, headers: authorized, body: json(#"{"image": "a"}"#)) {
                response in
                #expect(response.status == .tooManyRequests)
                #expect(response.headers[.retryAfter] == "1")
                #expect(errorCode(response) == "queue_full")
            }
            try await client.execute(
                uri: "/jrpc", method: .post, headers: authorized,
                body: json(#"{"jsonrpc": "2.0", "method": "ContainerService.Create", "params": [{"image": "a"}], "id": 9}"#)
            ) { response in
                let answer = try decode(JSONValue.self, response)
                #expect(answer["error"]?["code"] == .int(-32000))
                #expect(answer["error"]?["data"]?["retry_after_seconds"] == .int(1))
            }
        }
    }

    @Test("unknown jobs, containers, nodes and endpoints are 404 in JSON")
    func notFound() async throws {
        try await withAdmin { client, _ in
            for uri in ["/v1/jobs/nope", "/v1/containers/nope", "/v1/elsewhere"] {
                try await client.execute(uri: uri, method: .get, headers: authorized) { response in
                    #expect(response.status == .notFound, "\(uri)")
                    #expect(errorCode(response) == "not_found", "\(uri)")
                }
            }
            try await client.execute(uri: "/v1/nodes/nope/drain", method: .post, headers: authorized) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/v1/containers/nope", method: .delete, headers: authorized) { #expect($0.status == .notFound) }
        }
    }

    @Test("JSON-RPC over HTTP: Create and Status exactly as the original service answered, notifications 204, errors in the server range")
    func jsonRPC() async throws {
        try await withAdmin { client, _ in
            let created = try await client.execute(
                uri: "/jrpc", method: .post, headers: authorized,
                body: json(
                    #"{"jsonrpc": "2.0", "method": "ContainerService.Create", "params": [{"image": "nginx", "arguments": [], "env": {}}], "id": 1}"#
                )
            ) { response in
                #expect(response.status == .ok)
                return try decode(JSONValue.self, response)
            }
            guard case .string(let jobID)? = created["result"]?["job_id"] else {
                Issue.record("no job id in \(created)")
                return
            }
            #expect(created["result"]?["message"] == .string("Job created successfully"))
            #expect(created["id"] == .int(1))
            #expect(created["error"] == nil)
            try await client.execute(
                uri: "/jrpc", method: .post, headers: authorized,
                body: json(#"{"jsonrpc": "2.0", "method": "ContainerService.Status", "params": {"job_id": "\#(jobID)"}, "id": "s"}"#)
            ) { response in
                let answer = try decode(JSONValue.self, response)
                #expect(answer["result"] == .object(["status": .string("received"), "job_id": .string(jobID)]))
            }
            try await client.execute(
                uri: "/jrpc", method: .post, headers: authorized,
                body: json(#"{"jsonrpc": "2.0", "method": "ContainerService.Create", "params": [{"image": "nginx"}]}"#)
            ) { response in
                #expect(response.status == .noContent)
            }
            try await client.execute(
                uri: "/jrpc", method: .post, headers: authorized,
                body: json(#"{"jsonrpc": "2.0", "method": "ContainerService.Delete", "params": [{"container_id": "nope"}], "id": 2}"#)
            ) { response in
                let answer = try decode(JSONValue.self, response)
                #expect(answer["error"]?["code"] == .int(-32001))
            }
            try await client.execute(
                uri: "/jrpc", method: .post, headers: authorized,
                body: json(#"{"jsonrpc": "2.0", "method": "ContainerService.List", "id": 3}"#)
            ) { response in
                let answer = try decode(JSONValue.self, response)
                guard case .array(let containers)? = answer["result"]?["containers"] else {
                    Issue.record("no containers in \(answer)")
                    return
                }
                #expect(containers.count == 2, "the notification's create was stored too")
            }
        }
    }

    @Test("the OpenAPI document lists exactly the routes the server has; another method on a known path is 405 with Allow")
    func documentMatchesRoutes() async throws {
        let document = try JSONDecoder().decode(JSONValue.self, from: Data(OpenAPIDocument.text.utf8))
        guard case .object(let paths)? = document["paths"] else {
            Issue.record("no paths")
            return
        }
        var documented: [String] = []
        for (path, item) in paths {
            guard case .object(let operations) = item else { continue }
            for method in operations.keys where ["get", "post", "delete", "put", "patch"].contains(method) {
                documented.append("\(method.uppercased()) \(path)")
            }
        }
        try await StoreFixture.with { fixture in
            let (router, routes) = AdminServer(store: fixture.store, settings: ControlSettings(), token: "admin-token", wake: {}).build()
            #expect(documented.sorted() == routes.all.sorted())
            try await Application(router: router).test(.router) { client in
                try await client.execute(uri: "/v1/nodes", method: .delete, headers: authorized) { response in
                    #expect(response.status == .methodNotAllowed)
                    #expect(response.headers[.allow] == "GET")
                }
            }
        }
    }
}
