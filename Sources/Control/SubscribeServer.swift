import ControlAPI
import ControlStore
import Foundation
import HTTPTypes
import Hummingbird

/// The agents' face: registration, heartbeats, work orders by long poll,
/// acknowledgements and reports. Every call but registration names its node
/// in the path and carries the node's secret in `Corral-Node-Secret`; a node
/// may speak only of its own jobs and containers (403 otherwise).
public struct SubscribeServer: Sendable {
    let store: ControlStore
    let settings: ControlSettings
    let token: String
    /// Wakes held polls when their node has orders.
    let watcher: OrderWatcher

    public init(store: ControlStore, settings: ControlSettings, token: String, watcher: OrderWatcher) {
        self.store = store
        self.settings = settings
        self.token = token
        self.watcher = watcher
    }

    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        let routes = RouteTable()
        router.add(middleware: ErrorMiddleware(routes: routes))
        router.add(middleware: BearerAuth(token: token, open: ["/healthz"]))
        routes.add(router, .get, "/healthz") { _, _ in JSONResponse.make(["status": "ok"]) }

        routes.add(router, .post, "/v1/agent/register") { request, _ in
            let registration = try await request.decodeJSON(Registration.self, limit: 16 << 20)
            guard !registration.node.isEmpty, registration.secret.utf8.count >= 16 else {
                throw APIError.badRequest("a registration needs a node id and a secret of at least 16 characters")
            }
            let outcome = try await call {
                try await store.register(
                    registration, now: ControlStore.now(), heartbeatSeconds: settings.heartbeatSeconds, ttlSeconds: settings.nodeTTLSeconds)
            }
            return JSONResponse.make(try value(outcome))
        }
        routes.add(router, .post, "/v1/agent/nodes/{node}/heartbeat") { request, context in
            let (node, secret) = try identity(request, context)
            let beat = try await request.decodeJSON(Heartbeat.self)
            let state = try value(try await call { try await store.heartbeat(node: node, secret: secret, beat, now: ControlStore.now()) })
            return JSONResponse.make(["state": state.rawValue])
        }
        routes.add(router, .get, "/v1/agent/nodes/{node}/orders") { request, context in
            let (node, secret) = try identity(request, context)
            let wait = min(max(request.uri.queryParameters.get("wait", as: Double.self) ?? 0, 0), settings.longPollSeconds)
            let deadline = ContinuousClock.now + .milliseconds(Int64(wait * 1000))
            while true {
                let orders = try value(try await call { try await store.orders(node: node, secret: secret) })
                let now = ContinuousClock.now
                if !orders.isEmpty || now >= deadline || watcher.closed { return JSONResponse.make(OrderBatch(orders: orders)) }
                await watcher.wait(for: node, atMost: deadline - now)
            }
        }
        routes.add(router, .post, "/v1/agent/nodes/{node}/acks") { request, context in
            let (node, secret) = try identity(request, context)
            let ack = try await request.decodeJSON(Acknowledgement.self)
            let taken = try value(
                try await call { try await store.acknowledge(node: node, secret: secret, jobs: ack.jobIDs, now: ControlStore.now()) })
            return JSONResponse.make(["taken": taken])
        }
        routes.add(router, .post, "/v1/agent/nodes/{node}/reports") { request, context in
            let (node, secret) = try identity(request, context)
            let report = try await request.decodeJSON(AgentReport.self, limit: 16 << 20)
            try value(try await call { try await store.report(node: node, secret: secret, report, now: ControlStore.now()) })
            return Response(status: .noContent)
        }
        return router
    }

    private func identity(_ request: Request, _ context: BasicRequestContext) throws -> (node: String, secret: String) {
        let node = try context.parameters.require("node")
        guard let secret = request.headers.first(where: { $0.name.canonicalName == "corral-node-secret" })?.value else {
            throw APIError(status: .unauthorized, code: "unauthorized", message: "the node's secret is required: Corral-Node-Secret")
        }
        return (node, secret)
    }

    private func call<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StoreError {
            throw APIError.unavailable(error.description)
        }
    }

    @discardableResult
    private func value<T>(_ outcome: AgentOutcome<T>) throws -> T {
        switch outcome {
        case .ok(let value): return value
        case .unknownNode(let node): throw APIError.notFound("no node \(node) has registered")
        case .wrongSecret(let node):
            throw APIError(status: .forbidden, code: "wrong_secret", message: "node \(node) is registered with another secret")
        case .down(let node): throw APIError.conflict("node_down", "node \(node) was marked down; register again")
        case .forbidden(let message): throw APIError.forbidden(message)
        }
    }
}
