import AsyncHTTPClient
import Foundation
import NIOCore

extension DockerClient {
    /// The daemon's event stream, one ``DockerEvent`` per object it sends.
    ///
    /// `since` (seconds since the epoch) replays events from that moment, so a
    /// caller that notes the time before acting cannot miss what follows;
    /// with `until` the stream ends there. The stream ends with a
    /// ``DockerError`` when the daemon goes away, and stops its request when
    /// the consumer stops iterating.
    public func events(
        filters: ContainerFilters = ContainerFilters(), since: Double? = nil, until: Double? = nil
    ) -> AsyncThrowingStream<DockerEvent, any Error> {
        var query: [(String, String)] = []
        if !filters.isEmpty { query.append(("filters", filters.json)) }
        if let since { query.append(("since", Self.timestamp(since))) }
        if let until { query.append(("until", Self.timestamp(until))) }
        let transport = self.transport
        let path = versioned("/events")
        let parameters = query

        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let request = try transport.request(.GET, path, query: parameters, body: nil)
                    let response: HTTPClientResponse
                    do {
                        response = try await transport.http.execute(request, deadline: .distantFuture, logger: transport.logger)
                    } catch {
                        throw Transport.classify(error, socketPath: transport.socketPath, endpoint: "GET /events", timeout: .seconds(0))
                    }
                    guard response.status.code == 200 else {
                        let body = try await response.body.collect(upTo: 1 << 20)
                        try Transport.check(.init(status: Int(response.status.code), body: body, endpoint: "GET /events"))
                        return continuation.finish()
                    }
                    var pending = ByteBuffer()
                    let decoder = JSONDecoder()
                    for try await var chunk in response.body {
                        pending.writeBuffer(&chunk)
                        while let newline = pending.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
                            let length = newline - pending.readerIndex
                            guard let line = pending.readSlice(length: length) else { break }
                            pending.moveReaderIndex(forwardBy: 1)
                            guard line.readableBytes > 0 else { continue }
                            do {
                                continuation.yield(try decoder.decode(DockerEvent.self, from: Data(line.readableBytesView)))
                            } catch {
                                throw DockerError.invalidResponse(endpoint: "GET /events", detail: "\(error)")
                            }
                        }
                        pending.discardReadBytes()
                    }
                    continuation.finish()
                } catch is CancellationError {
                    continuation.finish()
                } catch let error as DockerError {
                    continuation.finish(throwing: error)
                } catch {
                    if Task.isCancelled { return continuation.finish() }
                    continuation.finish(
                        throwing: DockerError.daemonUnavailable(socketPath: transport.socketPath, reason: "event stream ended: \(error)"))
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    static func timestamp(_ seconds: Double) -> String {
        let whole = seconds.rounded(.down)
        let nanos = Int64(((seconds - whole) * 1e9).rounded())
        let fraction = String(nanos)
        return "\(Int64(whole)).\(String(repeating: "0", count: max(0, 9 - fraction.count)))\(fraction)"
    }
}
