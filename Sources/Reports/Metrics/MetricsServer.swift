import Actuation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// Serves ``EnforcerMetrics`` as `GET /metrics` on a loopback port, for
/// Prometheus to scrape. A Service of the enforcer's ServiceGroup: it closes
/// its socket on graceful shutdown, after the enforcer (services stop in
/// reverse order), so the last cycle's figures can still be scraped.
public struct MetricsServer: Service {
    public let host: String
    public let port: Int
    public let metrics: EnforcerMetrics
    public let logger: Logger

    public init(host: String = "127.0.0.1", port: Int, metrics: EnforcerMetrics, logger: Logger) {
        self.host = host
        self.port = port
        self.metrics = metrics
        self.logger = logger
    }

    public func run() async throws {
        let metrics = self.metrics
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try channel.pipeline.syncOperations.addHandler(MetricsHandler(metrics: metrics))
                    }
                }
                .bind(host: host, port: port).get()
        } catch {
            // Enforcement goes on without metrics; say so where operators look.
            logger.error("metrics: cannot listen on \(host):\(port): \(error); enforcing without /metrics")
            try? await gracefulShutdown()
            return
        }
        logger.info("metrics: http://\(host):\(port)/metrics")
        try? await withTaskCancellationOrGracefulShutdownHandler {
            try await channel.closeFuture.get()
        } onCancelOrGracefulShutdown: {
            channel.close(promise: nil)
        }
    }
}

/// Answers GET (and HEAD) /metrics with the exposition; 404 for any other path.
final class MetricsHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let metrics: EnforcerMetrics
    private var head: HTTPRequestHead?

    init(metrics: EnforcerMetrics) {
        self.metrics = metrics
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request): head = request
        case .body: break
        case .end:
            guard let request = head else { return }
            head = nil
            respond(to: request, context: context)
        }
    }

    private func respond(to request: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = request.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.uri
        var status = HTTPResponseStatus.ok
        var body = ByteBuffer()
        var type = "text/plain; version=0.0.4; charset=utf-8"
        if path != "/metrics" {
            status = .notFound
            type = "text/plain; charset=utf-8"
            body.writeString("not found: Corral serves its metrics at /metrics\n")
        } else if request.method != .GET && request.method != .HEAD {
            status = .methodNotAllowed
            type = "text/plain; charset=utf-8"
            body.writeString("use GET /metrics\n")
        } else {
            body.writeBytes(metrics.exposition())
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: type)
        headers.add(name: "Content-Length", value: "\(body.readableBytes)")
        headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))), promise: nil)
        if request.method != .HEAD { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in bound.value.close(promise: nil) }
    }
}
