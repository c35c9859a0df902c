// Control: the control plane's two faces (admin for clients, subscribe for
// agents), the job scheduling loop, the node sweep, and the supervisor that
// runs the two faces as separate processes over one store.

import ControlAPI
import Foundation
import HTTPTypes
import Hummingbird

/// An error as the API answers it: a status, a stable code, a message that
/// names what was wrong, and headers (Retry-After) where they help.
struct APIError: HTTPResponseError, Sendable {
    let status: HTTPResponse.Status
    let code: String
    let message: String
    var headers: HTTPFields = [:]

    func response(from request: Request, context: some RequestContext) throws -> Response {
        JSONResponse.make(APIErrorBody(code: code, message: message), status: status, headers: headers)
    }

    static func badRequest(_ message: String) -> APIError { APIError(status: .badRequest, code: "bad_request", message: message) }
    static func notFound(_ message: String) -> APIError { APIError(status: .notFound, code: "not_found", message: message) }
    static func conflict(_ code: String, _ message: String) -> APIError { APIError(status: .conflict, code: code, message: message) }
    static func forbidden(_ message: String) -> APIError { APIError(status: .forbidden, code: "forbidden", message: message) }
    static func unavailable(_ message: String) -> APIError {
        APIError(status: .serviceUnavailable, code: "store_unavailable", message: message, headers: [.retryAfter: "1"])
    }
    static let unauthorized = APIError(
        status: .unauthorized, code: "unauthorized", message: "a bearer token is required: Authorization: Bearer <token>",
        headers: [.wwwAuthenticate: "Bearer"])
}

/// JSON bodies the same way everywhere: sorted keys, slashes unescaped.
enum JSONResponse {
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        let data = (try? encoder.encode(value)) ?? Data(#"{"error":{"code":"internal","message":"the answer could not be encoded"}}"#.utf8)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func raw(_ data: Data, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}

extension Request {
    /// The body as a `T`, or a 400 that names the member that was wrong.
    func decodeJSON<T: Decodable>(_ type: T.Type, limit: Int = 1 << 20) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: limit)
        } catch {
            throw APIError(status: .contentTooLarge, code: "too_large", message: "the body is larger than \(limit) bytes")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw APIError.badRequest("the body is not a valid \(T.self): \(DecodingProblem.describe(error))")
        }
    }

    /// The raw body, up to `limit` bytes.
    func bodyData(limit: Int = 1 << 20) async throws -> Data {
        do {
            return Data(try await body.collect(upTo: limit).readableBytesView)
        } catch {
            throw APIError(status: .contentTooLarge, code: "too_large", message: "the body is larger than \(limit) bytes")
        }
    }
}

/// Errors that are not ``APIError``s (Hummingbird's own, the store's) as
/// JSON too, so a client always gets `{"error": {"code", "message"}}`.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The server's routes, so a known path asked with another method is
    /// 405 with Allow, not 404.
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError where error.status == .notFound && !routes.methods(for: request.uri.path).isEmpty {
            let allowed = routes.methods(for: request.uri.path)
            throw APIError(
                status: .methodNotAllowed, code: "method_not_allowed",
                message: "\(request.uri.path) answers \(allowed.map(\.rawValue).joined(separator: ", ")), not \(request.method)",
                headers: [.allow: allowed.map(\.rawValue).joined(separator: ", ")])
        } catch let error as HTTPError {
            let code = error.status == .notFound ? "not_found" : error.status.code < 500 ? "bad_request" : "internal"
            throw APIError(
                status: error.status, code: code,
                message: error.body
                    ?? (error.status == .notFound ? "no such endpoint: \(request.method) \(request.uri.path)" : error.status.reasonPhrase),
                headers: error.headers)
        } catch {
            context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            throw APIError(status: .internalServerError, code: "internal", message: "\(error)")
        }
    }
}

/// `Authorization: Bearer <token>` on every path but the open ones.
struct BearerAuth<Context: RequestContext>: RouterMiddleware {
    let token: String
    let open: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if open.contains(request.uri.path) { return try await next(request, context) }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
            Self.constantTimeEqual(String(header.dropFirst("Bearer ".count)), token)
        else { throw APIError.unauthorized }
        return try await next(request, context)
    }

    /// Compares without returning early, so the time taken tells nothing.
    static func constantTimeEqual(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8)
        let b = Array(rhs.utf8)
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}

/// The routes a server has, as `/v1/containers/{id}` patterns with their
/// methods: registered through it, so the table cannot drift from the router.
final class RouteTable: @unchecked Sendable {
    private var routes: [(pattern: [Substring], method: HTTPRequest.Method)] = []

    /// Registers `path` (`{name}` for a parameter) on `router` and in the table.
    func add<Context: RequestContext>(
        _ router: Router<Context>, _ method: HTTPRequest.Method, _ path: String,
        _ handler: @escaping @Sendable (Request, Context) async throws -> Response
    ) {
        routes.append((path.split(separator: "/"), method))
        router.on(RouterPath(path), method: method, use: handler)
    }

    /// Every route, as `GET /v1/jobs/{id}`.
    var all: [String] {
        routes.map { "\($0.method.rawValue) /" + $0.pattern.joined(separator: "/") }
    }

    /// The methods `path` answers; empty when no route has its shape.
    func methods(for path: String) -> [HTTPRequest.Method] {
        let parts = path.split(separator: "/")
        var methods: [HTTPRequest.Method] = []
        for route in routes where route.pattern.count == parts.count {
            let matches = zip(route.pattern, parts).allSatisfy { pattern, part in pattern.hasPrefix("{") || pattern == part }
            if matches && !methods.contains(route.method) { methods.append(route.method) }
        }
        return methods
    }
}
