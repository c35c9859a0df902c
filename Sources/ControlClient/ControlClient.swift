// ControlClient: the HTTP client of the control plane's two APIs, for agents
// and `corral ctl`: JSON in and out, a bearer token, errors that carry the
// server's status and message.

import AsyncHTTPClient
import ControlAPI
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Synchronization

/// One control-plane API (admin's or subscribe's), at one URL or at several
/// replicas' URLs: a request that finds its replica unreachable goes to the
/// next, which the client then keeps using.
public final class ControlClient: Sendable {
    public let baseURLs: [String]
    private let current = Mutex(0)
    private let token: String
    private let http: HTTPClient

    public convenience init(baseURL: String, token: String) {
        self.init(baseURLs: [baseURL], token: token)
    }

    /// `baseURLs` must not be empty.
    public init(baseURLs: [String], token: String) {
        precondition(!baseURLs.isEmpty, "a control client needs at least one URL")
        self.baseURLs = baseURLs.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.token = token
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(3), read: .seconds(60))
        // A control plane that is down must be retried by the caller's own
        // back-off, not by the pool's.
        configuration.connectionPool.retryConnectionEstablishment = false
        http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// The URL requests go to now.
    public var baseURL: String { baseURLs[current.withLock { $0 }] }

    public func shutdown() async {
        try? await http.shutdown()
    }

    /// Sends a request and decodes the answer as `T`.
    public func send<T: Decodable & Sendable>(
        _ method: HTTPMethod, _ path: String, body: (any Encodable)? = nil, headers: [(String, String)] = [],
        timeout: Duration = .seconds(30),
        as type: T.Type = T.self
    ) async throws(ControlClientError) -> T {
        let (status, data) = try await exchange(method, path, body: body, headers: headers, timeout: timeout)
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw .invalidResponse(url: baseURL + path, message: "status \(status), not a \(T.self): \(error)")
        }
    }

    /// Sends a request whose answer has no body worth reading.
    public func send(
        _ method: HTTPMethod, _ path: String, body: (any Encodable)? = nil, headers: [(String, String)] = [],
        timeout: Duration = .seconds(30)
    ) async throws(ControlClientError) {
        _ = try await exchange(method, path, body: body, headers: headers, timeout: timeout)
    }

    /// The status and body of a 2xx answer; anything else as an error. An
    /// unreachable replica's request goes to the next one, each tried once.
    public func exchange(
        _ method: HTTPMethod, _ path: String, body: (any Encodable)?, headers: [(String, String)], timeout: Duration
    ) async throws(ControlClientError) -> (Int, Data) {
        var attempts = 0
        while true {
            let index = current.withLock { $0 }
            do {
                return try await exchange(baseURLs[index] + path, method, body: body, headers: headers, timeout: timeout)
            } catch .unreachable(let url, let message) {
                attempts += 1
                guard attempts < baseURLs.count else { throw .unreachable(url: url, message: message) }
                current.withLock { if $0 == index { $0 = (index + 1) % baseURLs.count } }
            }
        }
    }

    private func exchange(
        _ url: String, _ method: HTTPMethod, body: (any Encodable)?, headers: [(String, String)], timeout: Duration
    ) async throws(ControlClientError) -> (Int, Data) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            let data: Data
            do {
                data = try JSONEncoder().encode(body)
            } catch {
                throw .invalidResponse(url: url, message: "the request could not be encoded: \(error)")
            }
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: data))
        }
        let status: Int
        let data: Data
        do {
            let nanoseconds = timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
            let response = try await http.execute(request, timeout: .nanoseconds(nanoseconds))
            status = Int(response.status.code)
            let buffer = try await response.body.collect(upTo: 64 << 20)
            data = Data(buffer.readableBytesView)
            if (200..<300).contains(status) { return (status, data) }
            let retryAfter = response.headers.first(name: "Retry-After").flatMap(Double.init)
            let detail = try? JSONDecoder().decode(APIErrorBody.self, from: data)
            throw ControlClientError.status(
                url: url, status: status, code: detail?.error.code ?? "http_\(status)",
                message: detail?.error.message ?? String(decoding: data.prefix(500), as: UTF8.self), retryAfter: retryAfter)
        } catch let error as ControlClientError {
            throw error
        } catch {
            throw .unreachable(url: url, message: "\(error)")
        }
    }
}

/// A call to the control plane that did not succeed.
public enum ControlClientError: Error, Sendable, CustomStringConvertible {
    /// No answer: refused, timed out, cut.
    case unreachable(url: String, message: String)
    /// An answer other than 2xx, with the server's code and message.
    case status(url: String, status: Int, code: String, message: String, retryAfter: Double?)
    /// An answer that is not what the API promises.
    case invalidResponse(url: String, message: String)

    public var description: String {
        switch self {
        case .unreachable(let url, let message): return "cannot reach \(url): \(message)"
        case .status(let url, let status, _, let message, _): return "\(url) answered \(status): \(message)"
        case .invalidResponse(let url, let message): return "\(url) answered something unexpected: \(message)"
        }
    }

    /// The HTTP status, when there was an answer.
    public var status: Int? {
        if case .status(_, let status, _, _, _) = self { return status }
        return nil
    }

    public var code: String? {
        if case .status(_, _, let code, _, _) = self { return code }
        return nil
    }
}
