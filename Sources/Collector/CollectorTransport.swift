import Foundation

/// What the shipper and the enforcer ask of the log collector. The HTTP
/// client (``CollectorClient``) is the real one; tests hand the shipper one
/// in memory that can refuse, go quiet and come back.
public protocol CollectorTransport: Sendable {
    /// Where the collector answers, for messages: `http://127.0.0.1:9410`.
    var baseURL: String { get }

    /// True when the collector answers its health check.
    func healthy() async -> Bool

    /// Sends one batch of one stream: `lines` are the records' JSON texts,
    /// in spool order. `timeout` bounds the whole exchange.
    func post(_ stream: SpoolStream, lines: [Data], timeout: Duration) async throws(CollectorError) -> BatchAck

    /// Has the collector draw every chart and the report from the last
    /// `windowSeconds` of stored logs; answers the files' names.
    func renderGraphs(windowSeconds: Int) async throws(CollectorError) -> RenderedGraphs
}

/// The collector's answer to a batch: how many records were new, how many
/// it already had (a batch sent again is never stored twice).
public struct BatchAck: Sendable, Equatable, Decodable {
    public let stored: Int
    public let duplicates: Int

    public init(stored: Int, duplicates: Int) {
        self.stored = stored
        self.duplicates = duplicates
    }
}

/// The files the collector drew, by name, in its graphs directory.
public struct RenderedGraphs: Sendable, Equatable, Decodable {
    public let graphs: [String]

    public init(graphs: [String]) {
        self.graphs = graphs
    }
}
