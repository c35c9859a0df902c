import Collector
import Foundation

/// A log collector that lives in memory, for the unit tier: it stores each
/// record id once, as the real one does, and can be told to go quiet,
/// refuse a record, or come back.
public actor InMemoryCollector: CollectorTransport {
    public nonisolated let baseURL: String
    /// Every record stored, per stream, in arrival order (the records' JSON texts).
    public private(set) var stored: [SpoolStream: [String]] = [:]
    /// Batches that reached it, accepted or not.
    public private(set) var batchesReceived = 0
    /// Times graphs were asked for.
    public private(set) var renders = 0
    private var ids: Set<String> = []
    private var down = false
    private var invalidMarker: String?

    public init(baseURL: String = "http://127.0.0.1:9") {
        self.baseURL = baseURL
    }

    /// Refuses every call, as a stopped container's port does.
    public func stop() { down = true }

    public func start() { down = false }

    /// Refuses (422) any record whose text contains `marker`.
    public func rejectRecords(containing marker: String) { invalidMarker = marker }

    /// Ids stored in one stream, in order.
    public func storedIDs(_ stream: SpoolStream) -> [String] {
        (stored[stream] ?? []).compactMap { Self.id(of: $0) }
    }

    public func healthy() async -> Bool { !down }

    public func post(_ stream: SpoolStream, lines: [Data], timeout: Duration) async throws(CollectorError) -> BatchAck {
        let url = "\(baseURL)/v1/logs/\(stream.rawValue)"
        guard !down else { throw .unreachable(url: url, reason: "Connection refused") }
        batchesReceived += 1
        let texts = lines.map { String(decoding: $0, as: UTF8.self) }
        if let marker = invalidMarker, let bad = texts.firstIndex(where: { $0.contains(marker) }) {
            throw .rejected(url: url, record: bad, field: "id", message: "not a valid record")
        }
        var fresh = 0
        for text in texts {
            guard let id = Self.id(of: text), ids.insert(id).inserted else { continue }
            stored[stream, default: []].append(text)
            fresh += 1
        }
        return BatchAck(stored: fresh, duplicates: texts.count - fresh)
    }

    public func renderGraphs(windowSeconds: Int) async throws(CollectorError) -> RenderedGraphs {
        guard !down else { throw .unreachable(url: "\(baseURL)/v1/graphs", reason: "Connection refused") }
        renders += 1
        return RenderedGraphs(graphs: ["memory.png", "report.html"])
    }

    static func id(of text: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return nil }
        return object["id"] as? String
    }
}
