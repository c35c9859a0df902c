import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// The log collector's HTTP API (dashboards/README.md), over loopback TCP.
/// Batches are sent as the spool holds them: the JSON text of each record,
/// not decoded and encoded again.
public struct CollectorClient: CollectorTransport {
    /// `http://127.0.0.1:9410`
    public let baseURL: String
    let http: HTTPClient
    let logger: Logger

    public init(baseURL: String, http: HTTPClient, logger: Logger = Logger(label: "corral.collector")) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.http = http
        self.logger = logger
    }

    /// Runs `body` with a client of its own connection pool, shut down after.
    @discardableResult
    public static func withClient<T: Sendable>(
        baseURL: String, logger: Logger = Logger(label: "corral.collector"), _ body: (CollectorClient) async throws -> T
    ) async throws -> T {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(2))
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 2)
        let http = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration, backgroundActivityLogger: logger)
        let result: Result<T, any Error>
        do {
            result = .success(try await body(CollectorClient(baseURL: baseURL, http: http, logger: logger)))
        } catch {
            result = .failure(error)
        }
        try? await http.shutdown()
        return try result.get()
    }

    /// True when GET /healthz answers 200.
    public func healthy() async -> Bool {
        do {
            _ = try await send(.GET, "/healthz", body: nil, timeout: .seconds(2))
            return true
        } catch {
            return false
        }
    }

    /// POSTs one batch to /v1/logs/<stream>: `lines` are the records' JSON
    /// texts. `timeout` bounds the whole exchange.
    public func post(_ stream: SpoolStream, lines: [Data], timeout: Duration) async throws(CollectorError) -> BatchAck {
        var body = ByteBuffer()
        body.reserveCapacity(lines.reduce(16) { $0 + $1.count + 1 })
        body.writeString("{\"records\":[")
        for (index, line) in lines.enumerated() {
            if index > 0 { body.writeInteger(UInt8(ascii: ",")) }
            body.writeBytes(line)
        }
        body.writeString("]}")
        let path = "/v1/logs/\(stream.rawValue)"
        let reply = try await send(.POST, path, body: body, timeout: .nanoseconds(Int64(timeout / .nanoseconds(1))))
        return try decode(BatchAck.self, reply, path)
    }

    /// Asks the collector to draw every chart and the report from the last
    /// `windowSeconds` of stored logs (ending at the newest record), so the
    /// render's time does not grow with the store's age.
    public func renderGraphs(windowSeconds: Int) async throws(CollectorError) -> RenderedGraphs {
        let reply = try await send(
            .POST, "/v1/graphs", body: ByteBuffer(string: "{\"window_seconds\":\(windowSeconds)}"), timeout: .seconds(60))
        return try decode(RenderedGraphs.self, reply, "/v1/graphs")
    }

    // MARK: - Transport

    func send(_ method: HTTPMethod, _ path: String, body: ByteBuffer?, timeout: TimeAmount) async throws(CollectorError) -> ByteBuffer {
        let url = baseURL + path
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(body)
        }
        let status: Int
        let bytes: ByteBuffer
        do {
            let response = try await http.execute(request, timeout: timeout, logger: logger)
            status = Int(response.status.code)
            bytes = try await response.body.collect(upTo: 16 << 20)
        } catch {
            throw .unreachable(url: url, reason: Self.reason(error))
        }
        switch status {
        case 200..<300: return bytes
        case 422:
            let detail = Self.firstDetail(bytes)
            throw .rejected(url: url, record: detail.record, field: detail.field, message: detail.message)
        default:
            throw .failed(url: url, status: status, message: Self.firstDetail(bytes).message)
        }
    }

    func decode<T: Decodable>(_ type: T.Type, _ bytes: ByteBuffer, _ path: String) throws(CollectorError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes.readableBytesView))
        } catch {
            throw .invalidAnswer(url: baseURL + path, detail: "\(error)")
        }
    }

    static func reason(_ error: any Error) -> String {
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)) }
        if let http = error as? HTTPClientError, http == .deadlineExceeded || http == .readTimeout { return "no answer in time" }
        return "\(error)"
    }

    /// The collector's error body: `{"detail": "text"}` or FastAPI's
    /// `{"detail": [{"msg", "record", "field"}, ...]}`; the first entry is enough.
    static func firstDetail(_ bytes: ByteBuffer) -> (record: Int?, field: String?, message: String) {
        struct Entry: Decodable {
            let msg: String?
            let record: Int?
            let field: String?
        }
        struct ListBody: Decodable { let detail: [Entry] }
        struct TextBody: Decodable { let detail: String }
        let data = Data(bytes.readableBytesView)
        if let body = try? JSONDecoder().decode(ListBody.self, from: data), let first = body.detail.first {
            return (first.record, first.field, first.msg ?? "invalid")
        }
        if let body = try? JSONDecoder().decode(TextBody.self, from: data) { return (nil, nil, body.detail) }
        let text = String(decoding: data.prefix(500), as: UTF8.self)
        return (nil, nil, text.isEmpty ? "(no message)" : text)
    }
}
