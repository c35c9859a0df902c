// DockerEngine: an async client for the Docker Engine API over its unix
// socket, on AsyncHTTPClient. It speaks the daemon's protocol and nothing of
// Corral's policy; callers build on its typed models and its one error type.

import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// A connection to one Docker daemon, at the API version both sides speak.
///
/// Make one with ``connect(socketPath:http:logger:)`` when you own an
/// `HTTPClient`, or with ``withClient(socketPath:maxConnections:logger:_:)``,
/// which creates one sized for parallel work and shuts it down afterwards.
public struct DockerClient: Sendable {
    /// The daemon's socket, as a filesystem path.
    public let socketPath: String
    /// The API version every versioned call uses.
    public let apiVersion: APIVersion
    /// What the daemon said of itself when the client connected.
    public let daemon: VersionInfo
    /// Deadline of one ordinary call (not of waits or event streams).
    public var requestTimeout: TimeAmount = .seconds(30)

    let http: HTTPClient
    let logger: Logger

    /// `/var/run/docker.sock`, or the path of a `unix://` `DOCKER_HOST`.
    public static func defaultSocketPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let host = environment["DOCKER_HOST"], host.hasPrefix("unix://") {
            return String(host.dropFirst("unix://".count))
        }
        return "/var/run/docker.sock"
    }

    /// Asks the daemon for its version and settles on the API version to use.
    public static func connect(
        socketPath: String = defaultSocketPath(), http: HTTPClient, logger: Logger = Logger(label: "corral.docker")
    ) async throws(DockerError) -> DockerClient {
        if let reason = UnixSocketProbe.failure(at: socketPath) {
            throw .daemonUnavailable(socketPath: socketPath, reason: reason)
        }
        let probe = Transport(socketPath: socketPath, http: http, logger: logger)
        let info: VersionInfo = try probe.decode(try await probe.send(.GET, "/version", timeout: .seconds(10)), "/version")
        guard let daemonVersion = APIVersion(info.apiVersion) else {
            throw .invalidResponse(endpoint: "/version", detail: "ApiVersion '\(info.apiVersion)' is not of the form 1.41")
        }
        let version = try APIVersion.negotiate(daemon: daemonVersion)
        logger.debug("connected to dockerd", metadata: ["socket": "\(socketPath)", "api": "\(version)", "daemon": "\(info.version)"])
        return DockerClient(socketPath: socketPath, apiVersion: version, daemon: info, http: http, logger: logger)
    }

    /// Runs `body` with a client whose connection pool allows `maxConnections`
    /// requests at once, and shuts the pool down when `body` returns or throws.
    public static func withClient<T: Sendable>(
        socketPath: String = defaultSocketPath(), maxConnections: Int = 16,
        logger: Logger = Logger(label: "corral.docker"),
        _ body: (DockerClient) async throws -> T
    ) async throws -> T {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: maxConnections)
        configuration.timeout = .init(connect: .seconds(5))
        // No connection back-off inside the pool: it grows to a minute over a
        // long outage and then outlives it (cycles skipped for most of a
        // minute after the daemon answered again). A failed connect fails the
        // call at once; callers retry on their own schedule (the next cycle).
        configuration.connectionPool.retryConnectionEstablishment = false
        let http = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration, backgroundActivityLogger: logger)
        let result: Result<T, any Error>
        do {
            let client = try await connect(socketPath: socketPath, http: http, logger: logger)
            result = .success(try await body(client))
        } catch {
            result = .failure(error)
        }
        try? await http.shutdown()
        return try result.get()
    }

    var transport: Transport { Transport(socketPath: socketPath, http: http, logger: logger) }

    /// `/v1.41/containers/json` for `/containers/json`.
    func versioned(_ path: String) -> String { "/v\(apiVersion)\(path)" }

    func send(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: (any Encodable & Sendable)? = nil,
        timeout: TimeAmount? = nil
    ) async throws(DockerError) -> Transport.Reply {
        try await transport.send(method, versioned(path), query: query, body: body, timeout: timeout ?? requestTimeout)
    }
}

/// One request and its answer, with every failure turned into a ``DockerError``.
struct Transport: Sendable {
    let socketPath: String
    let http: HTTPClient
    let logger: Logger

    struct Reply: Sendable {
        let status: Int
        let body: ByteBuffer
        let endpoint: String
    }

    func request(_ method: HTTPMethod, _ path: String, query: [(String, String)], body: (any Encodable & Sendable)?) throws(DockerError)
        -> HTTPClientRequest
    {
        let uri = path + Self.queryString(query)
        guard let url = URL(httpURLWithSocketPath: socketPath, uri: uri) else {
            throw .daemonUnavailable(socketPath: socketPath, reason: "the path cannot be used as a socket address")
        }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        // dockerd answers 400 to a request without a Host header, and the
        // client sends none for unix sockets.
        request.headers.add(name: "Host", value: "localhost")
        if let body {
            do {
                let data = try JSONEncoder().encode(body)
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: data))
            } catch {
                throw .invalidResponse(endpoint: path, detail: "could not encode the request body: \(error)")
            }
        }
        return request
    }

    /// Sends a request and collects its whole answer. Non-success statuses
    /// become errors carrying the daemon's message.
    func send(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: (any Encodable & Sendable)? = nil,
        timeout: TimeAmount
    ) async throws(DockerError) -> Reply {
        let request = try self.request(method, path, query: query, body: body)
        let endpoint = "\(method.rawValue) \(path)"
        do {
            let response = try await http.execute(request, timeout: timeout, logger: logger)
            let bytes = try await response.body.collect(upTo: 64 << 20)
            let reply = Reply(status: Int(response.status.code), body: bytes, endpoint: endpoint)
            try Self.check(reply)
            return reply
        } catch let error as DockerError {
            throw error
        } catch {
            throw Self.classify(error, socketPath: socketPath, endpoint: endpoint, timeout: timeout)
        }
    }

    func decode<T: Decodable>(_ reply: Reply, _ what: String) throws(DockerError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(reply.body.readableBytesView))
        } catch {
            throw .invalidResponse(endpoint: reply.endpoint, detail: "\(error)")
        }
    }

    /// 2xx and 304 (already started, already stopped) are success.
    static func check(_ reply: Reply) throws(DockerError) {
        switch reply.status {
        case 200..<300, 304: return
        case 404: throw .notFound(message: message(of: reply))
        case 409: throw .conflict(message: message(of: reply))
        default: throw .api(status: reply.status, message: message(of: reply))
        }
    }

    /// The daemon's `{"message": "..."}`, or the body's text when it sent none.
    static func message(of reply: Reply) -> String {
        struct Body: Decodable { let message: String }
        let data = Data(reply.body.readableBytesView)
        if let body = try? JSONDecoder().decode(Body.self, from: data) { return body.message }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "(no message) for \(reply.endpoint)" : text
    }

    /// Failures below HTTP: the socket is missing, refused, or went away.
    static func classify(_ error: any Error, socketPath: String, endpoint: String, timeout: TimeAmount) -> DockerError {
        if let http = error as? HTTPClientError, http == .deadlineExceeded || http == .readTimeout {
            return .api(status: 0, message: "no answer to \(endpoint) within \(timeout.nanoseconds / 1_000_000_000) s")
        }
        if let reason = UnixSocketProbe.failure(at: socketPath) {
            return .daemonUnavailable(socketPath: socketPath, reason: reason)
        }
        if let io = error as? IOError {
            return .daemonUnavailable(socketPath: socketPath, reason: String(cString: strerror(io.errnoCode)))
        }
        return .daemonUnavailable(socketPath: socketPath, reason: "\(error)")
    }

    static func queryString(_ query: [(String, String)]) -> String {
        guard !query.isEmpty else { return "" }
        return "?" + query.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
    }

    static func percentEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}
